"""An issued invoice's PDF is rendered after the issuing transaction commits (a Celery task): on PostgreSQL the
PDF and its hash may be set once on an issued invoice, from empty, and never changed after. Everything else an
issued invoice bills stays frozen as in 0002."""

from django.db import migrations

FROZEN = [
    "merchant_id", "kind", "corrects_id", "contract_id", "series", "year", "sequence", "number", "currency",
    "total", "issued_at", "due_on", "buyer_name", "buyer_title", "buyer_tax_id",
]


def _changed(columns):
    return " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)


def _function(columns, pdf_rule):
    return f"""
CREATE OR REPLACE FUNCTION billing_invoice_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'invoice % is issued and cannot be deleted (issue a credit note)', OLD.number;
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status NOT IN ('draft', 'void') AND ({_changed(columns)}) THEN
        RAISE EXCEPTION 'invoice % is issued: it never changes (issue a credit note)', OLD.number;
    END IF;
    {pdf_rule}
    IF OLD.status IN ('issued', 'paid', 'credited') AND NEW.status IN ('draft', 'void') THEN
        RAISE EXCEPTION 'invoice % is issued and cannot go back to %', OLD.number, NEW.status;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


PDF_ONCE = """IF OLD.status NOT IN ('draft', 'void') AND OLD.pdf <> ''
        AND (NEW.pdf IS DISTINCT FROM OLD.pdf OR NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256) THEN
        RAISE EXCEPTION 'invoice % has its PDF: it never changes', OLD.number;
    END IF;"""

FORWARD = _function(FROZEN, PDF_ONCE)
BACKWARD = _function([*FROZEN, "pdf", "pdf_sha256"], "")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)  # the % are plpgsql RAISE placeholders


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_append_only_and_frozen")]

    operations = [migrations.RunPython(forward, backward)]
