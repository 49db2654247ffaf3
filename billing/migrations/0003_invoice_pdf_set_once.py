"""An issued invoice's PDF is rendered after the issuing transaction commits (a Celery task): on PostgreSQL the
PDF and its hash may be set once on an issued invoice, from empty, and never changed after. Everything else an
issued invoice bills stays frozen as in 0002."""

from django.db import migrations

from ._invoice_frozen import INVOICE_BILLED, invoice_frozen_function

PDF_ONCE = """IF OLD.status NOT IN ('draft', 'void') AND OLD.pdf <> ''
        AND (NEW.pdf IS DISTINCT FROM OLD.pdf OR NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256) THEN
        RAISE EXCEPTION 'invoice % has its PDF: it never changes', OLD.number;
    END IF;"""

# as 0002 left it, but for an empty line where the PDF rule stands
FORWARD = invoice_frozen_function(INVOICE_BILLED, PDF_ONCE)
BACKWARD = invoice_frozen_function([*INVOICE_BILLED, "pdf", "pdf_sha256"], "")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)  # the % are plpgsql RAISE placeholders


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_append_only_and_frozen")]

    operations = [migrations.RunPython(forward, backward)]
