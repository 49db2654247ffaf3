"""On PostgreSQL the database itself keeps money records honest:
- deposit ledger entries and requirement changes are append-only (no UPDATE, no DELETE), like the audit log;
- an issued invoice or credit note never changes what it bills (number, buyer, amounts, lines, PDF); its status,
  payment and the fapiao finance records later stay writable;
- an approved deposit table version and its rows never change (a change is a new version)."""

from django.db import migrations

from ._invoice_frozen import INVOICE_BILLED, changed, invoice_frozen_function

INVOICE_FROZEN = [*INVOICE_BILLED, "pdf", "pdf_sha256"]


FORWARD = f"""
CREATE OR REPLACE FUNCTION billing_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_ledgerentry_append_only BEFORE UPDATE OR DELETE ON billing_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION billing_append_only();
CREATE TRIGGER billing_depositrequirement_append_only BEFORE UPDATE OR DELETE ON billing_depositrequirement
    FOR EACH ROW EXECUTE FUNCTION billing_append_only();
{invoice_frozen_function(INVOICE_FROZEN)}CREATE TRIGGER billing_invoice_frozen BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_frozen();

CREATE OR REPLACE FUNCTION billing_invoiceline_frozen() RETURNS trigger AS $$
DECLARE
    invoice_status text;
BEGIN
    SELECT status INTO invoice_status FROM billing_invoice
        WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.invoice_id ELSE NEW.invoice_id END;
    IF invoice_status IS NOT NULL AND invoice_status <> 'draft' THEN
        RAISE EXCEPTION 'the lines of an issued invoice never change';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_invoiceline_frozen BEFORE INSERT OR UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION billing_invoiceline_frozen();

CREATE OR REPLACE FUNCTION billing_depositschedule_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.approved_at IS NOT NULL THEN
        RAISE EXCEPTION 'an approved deposit table never changes (propose a new version)';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_depositschedule_frozen BEFORE UPDATE OR DELETE ON billing_depositschedule
    FOR EACH ROW EXECUTE FUNCTION billing_depositschedule_frozen();

CREATE OR REPLACE FUNCTION billing_depositschedulerow_frozen() RETURNS trigger AS $$
DECLARE
    approved timestamptz;
BEGIN
    SELECT approved_at INTO approved FROM billing_depositschedule
        WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.schedule_id ELSE NEW.schedule_id END;
    IF approved IS NOT NULL THEN
        RAISE EXCEPTION 'an approved deposit table never changes (propose a new version)';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_depositschedulerow_frozen BEFORE INSERT OR UPDATE OR DELETE ON billing_depositschedulerow
    FOR EACH ROW EXECUTE FUNCTION billing_depositschedulerow_frozen();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS billing_depositschedulerow_frozen ON billing_depositschedulerow;
DROP FUNCTION IF EXISTS billing_depositschedulerow_frozen();
DROP TRIGGER IF EXISTS billing_depositschedule_frozen ON billing_depositschedule;
DROP FUNCTION IF EXISTS billing_depositschedule_frozen();
DROP TRIGGER IF EXISTS billing_invoiceline_frozen ON billing_invoiceline;
DROP FUNCTION IF EXISTS billing_invoiceline_frozen();
DROP TRIGGER IF EXISTS billing_invoice_frozen ON billing_invoice;
DROP FUNCTION IF EXISTS billing_invoice_frozen();
DROP TRIGGER IF EXISTS billing_depositrequirement_append_only ON billing_depositrequirement;
DROP TRIGGER IF EXISTS billing_ledgerentry_append_only ON billing_ledgerentry;
DROP FUNCTION IF EXISTS billing_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)  # the % are plpgsql RAISE placeholders


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
