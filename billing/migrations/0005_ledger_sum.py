"""The per-account sums of the deposit ledger (`billing.LedgerSum`), kept by PostgreSQL: a statement-level AFTER
INSERT trigger on the ledger adds the new entries of each INSERT (one row per account, in the same transaction, so
a sum is never ahead of or behind its ledger), and the sums table refuses every write that does not come from that
trigger. The ledger is append-only (0002), so the sums are the ledger's sums by construction. Existing ledgers are
summed once here. SQLite gets the table but no trigger: there the lists sum the ledger."""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = """
-- no entry may be added between the sums below and the trigger that keeps them
LOCK TABLE billing_ledgerentry IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO billing_ledgersum (account_id, balance, frozen, entries, last_entry_id)
    SELECT account_id, SUM(amount), SUM(frozen_delta), COUNT(*), MAX(id) FROM billing_ledgerentry
    GROUP BY account_id;

CREATE OR REPLACE FUNCTION billing_ledgersum_add() RETURNS trigger AS $$
BEGIN
    INSERT INTO billing_ledgersum AS s (account_id, balance, frozen, entries, last_entry_id)
        SELECT account_id, SUM(amount), SUM(frozen_delta), COUNT(*), MAX(id) FROM billing_ledger_new
        GROUP BY account_id ORDER BY account_id
    ON CONFLICT (account_id) DO UPDATE SET
        balance = s.balance + EXCLUDED.balance,
        frozen = s.frozen + EXCLUDED.frozen,
        entries = s.entries + EXCLUDED.entries,
        last_entry_id = GREATEST(s.last_entry_id, EXCLUDED.last_entry_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_ledgerentry_sum AFTER INSERT ON billing_ledgerentry
    REFERENCING NEW TABLE AS billing_ledger_new
    FOR EACH STATEMENT EXECUTE FUNCTION billing_ledgersum_add();

-- only the ledger's trigger writes the sums (it runs at trigger depth 1, its writes fire this at depth 2)
CREATE OR REPLACE FUNCTION billing_ledgersum_derived() RETURNS trigger AS $$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'billing_ledgersum is kept by the ledger''s trigger: append a ledger entry instead';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_ledgersum_derived BEFORE INSERT OR UPDATE OR DELETE ON billing_ledgersum
    FOR EACH ROW EXECUTE FUNCTION billing_ledgersum_derived();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS billing_ledgersum_derived ON billing_ledgersum;
DROP FUNCTION IF EXISTS billing_ledgersum_derived();
DROP TRIGGER IF EXISTS billing_ledgerentry_sum ON billing_ledgerentry;
DROP FUNCTION IF EXISTS billing_ledgersum_add();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_settlements")]

    operations = [
        migrations.CreateModel(
            name="LedgerSum",
            fields=[
                ("account", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True,
                                                 related_name="ledger_sum", serialize=False,
                                                 to="billing.depositaccount")),
                ("balance", models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ("frozen", models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                ("entries", models.PositiveIntegerField(default=0)),
                ("last_entry_id", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "deposit ledger sum", "verbose_name_plural": "deposit ledger sums"},
        ),
        migrations.RunPython(forward, backward),
    ]
