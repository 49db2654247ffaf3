"""The PostgreSQL function that keeps an issued invoice from changing, as migrations 0002 and 0003 create it (0003
adds the rule that the PDF is set once). Both take its text from here; what each executes is unchanged, to the
byte (tests/billing/test_migration_sql.py). Django does not load this module as a migration (its name starts
with "_"). Change nothing here: a new rule is a new migration with its own text."""

# what an issued invoice or credit note bills (0002 froze the PDF too; 0003 lets it be set once, after commit)
INVOICE_BILLED = [
    "merchant_id", "kind", "corrects_id", "contract_id", "series", "year", "sequence", "number", "currency",
    "total", "issued_at", "due_on", "buyer_name", "buyer_title", "buyer_tax_id",
]


def changed(columns: list[str]) -> str:
    return " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)


def invoice_frozen_function(columns: list[str], pdf_rule: str | None = None) -> str:
    """`CREATE OR REPLACE FUNCTION billing_invoice_frozen()` refusing changes to `columns` once issued; `pdf_rule`
    is one more check on its own line before the status check (None: no such line, as in 0002)."""
    pdf_line = "" if pdf_rule is None else f"    {pdf_rule}\n"
    return f"""
CREATE OR REPLACE FUNCTION billing_invoice_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'invoice % is issued and cannot be deleted (issue a credit note)', OLD.number;
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status NOT IN ('draft', 'void') AND ({changed(columns)}) THEN
        RAISE EXCEPTION 'invoice % is issued: it never changes (issue a credit note)', OLD.number;
    END IF;
{pdf_line}    IF OLD.status IN ('issued', 'paid', 'credited') AND NEW.status IN ('draft', 'void') THEN
        RAISE EXCEPTION 'invoice % is issued and cannot go back to %', OLD.number, NEW.status;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""
