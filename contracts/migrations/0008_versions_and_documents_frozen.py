"""On PostgreSQL the database itself keeps what the contracts stand on as it was written: a template version is
never updated (nor deleted while a contract uses it: the foreign key), an issued or signed contract document is
never changed, and a signed copy, or the issued copy the merchant accepted, is never removed. Draft previews may be
cleared, and an issued copy withdrawn before acceptance may go. A contract's PDF can then be rebuilt from its
version, and checked against its stored hash, for as long as the data is kept."""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION contracts_template_version_frozen() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'contract template versions are frozen';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION contracts_document_written_once() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.kind <> 'draft' THEN
        RAISE EXCEPTION 'issued and signed contract documents are written once';
    END IF;
    IF TG_OP = 'DELETE' AND (OLD.kind = 'signed' OR EXISTS (
            SELECT 1 FROM contracts_contract c WHERE c.id = OLD.contract_id AND c.accepted_pdf_sha256 = OLD.sha256)) THEN
        RAISE EXCEPTION 'a signed contract document, or the issued one the merchant accepted, stays';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS)
    schema_editor.execute("CREATE TRIGGER contracts_contracttemplateversion_frozen BEFORE UPDATE "
                          "ON contracts_contracttemplateversion FOR EACH ROW "
                          "EXECUTE FUNCTION contracts_template_version_frozen();")
    schema_editor.execute("CREATE TRIGGER contracts_contractdocument_written_once BEFORE UPDATE OR DELETE "
                          "ON contracts_contractdocument FOR EACH ROW "
                          "EXECUTE FUNCTION contracts_document_written_once();")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS contracts_contracttemplateversion_frozen "
                          "ON contracts_contracttemplateversion;")
    schema_editor.execute("DROP TRIGGER IF EXISTS contracts_contractdocument_written_once ON contracts_contractdocument;")
    schema_editor.execute("DROP FUNCTION IF EXISTS contracts_template_version_frozen();")
    schema_editor.execute("DROP FUNCTION IF EXISTS contracts_document_written_once();")


class Migration(migrations.Migration):
    dependencies = [("contracts", "0007_terms_frozen")]
    operations = [migrations.RunPython(forward, backward)]
