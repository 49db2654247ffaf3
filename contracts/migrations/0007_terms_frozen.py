"""On PostgreSQL the database itself refuses to change a contract's terms once it has left the draft state (issued,
accepted, signed …), and the acceptance facts once recorded: what the merchant accepted and both sides signed
never changes; a change is an amendment. The lifecycle's own columns (status, dates, hashes of the documents,
countersigning, termination) stay writable by the services."""

from django.db import migrations

TERM_COLUMNS = [
    "number", "merchant_id", "kind", "parent_id", "mode", "template_version_id", "merchant_legal_name",
    "merchant_credit_code", "merchant_representative", "merchant_address", "grade", "regions", "exclusive",
    "technical_service_fee", "advertising_fee_percent", "revenue_share_percent", "share_adjustments_apply",
    "franchise_fee", "liquidated_damages_percent", "liquidated_damages_minimum", "currency", "settlement_days",
    "deposit_amount", "deposit_top_up_days", "deposit_refund_working_days", "strategic", "min_annual_marketing",
    "term_months", "amendment_summary",
]
ACCEPTANCE_COLUMNS = ["accepted_at", "accepted_by_id", "accepted_name", "accepted_ip", "accepted_user_agent",
                      "accepted_pdf_sha256"]


def _changed(columns: list[str]) -> str:
    return " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)


FUNCTION = f"""
CREATE OR REPLACE FUNCTION contracts_contract_terms_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.status <> 'draft' AND ({_changed(TERM_COLUMNS)}) THEN
        RAISE EXCEPTION 'contract % is %: its terms are frozen (draft an amendment)', OLD.number, OLD.status;
    END IF;
    IF OLD.accepted_at IS NOT NULL AND ({_changed(ACCEPTANCE_COLUMNS)}) THEN
        RAISE EXCEPTION 'contract %: the acceptance is recorded and never changes', OLD.number;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)  # the % are plpgsql RAISE placeholders, not parameters
    schema_editor.execute("CREATE TRIGGER contracts_contract_terms_frozen BEFORE UPDATE ON contracts_contract "
                          "FOR EACH ROW EXECUTE FUNCTION contracts_contract_terms_frozen();")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS contracts_contract_terms_frozen ON contracts_contract;")
    schema_editor.execute("DROP FUNCTION IF EXISTS contracts_contract_terms_frozen();")


class Migration(migrations.Migration):
    dependencies = [("contracts", "0006_exports_renewals")]
    operations = [migrations.RunPython(forward, backward)]
