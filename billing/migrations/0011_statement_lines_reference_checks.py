"""A statement line's references to its order line, category and commission explanation are checked by PostgreSQL
once per INSERT or UPDATE statement instead of by a foreign key trigger per row, and deleting an order line, a
category or an explanation that a statement line refers to is refused, as the foreign keys refused it. A
settlement chunk writes its 50,000 order lines in one INSERT; the four per-row checks (each a locking lookup)
cost about a second of it. The reference to the statement keeps its foreign key; its own index goes, as the
index on (statement, kind) serves every lookup by statement, and so does the explanation's, never looked up.

The check of the order lines probes their primary key once per line (LATERAL … LIMIT 1), whatever the planner
believes of the table's size; categories and explanations are few and are looked up once each. Unlike a foreign
key, the checks take no lock on the rows referred to: deleting an order line at the very moment a chunk settles
it could slip past both; order lines, categories and explanations are never deleted by the portal.
"""

import django.db.models.deletion
from django.db import migrations, models

LINES_CHECK = """
CREATE OR REPLACE FUNCTION billing_statementline_refs() RETURNS trigger AS $$
DECLARE
    missing text;
BEGIN
    SELECT 'order line ' || n.order_line_id INTO missing FROM new_lines n
        LEFT JOIN LATERAL (SELECT 1 AS hit FROM portal_orderline o WHERE o.id = n.order_line_id LIMIT 1) f ON true
        WHERE n.order_line_id IS NOT NULL AND f.hit IS NULL LIMIT 1;
    IF missing IS NULL THEN
        WITH ids AS MATERIALIZED (SELECT DISTINCT category_id AS id FROM new_lines WHERE category_id IS NOT NULL)
        SELECT 'category ' || ids.id INTO missing FROM ids
            WHERE NOT EXISTS (SELECT 1 FROM portal_category c WHERE c.id = ids.id) LIMIT 1;
    END IF;
    IF missing IS NULL THEN
        WITH ids AS MATERIALIZED (SELECT DISTINCT explanation_id AS id FROM new_lines
                                  WHERE explanation_id IS NOT NULL)
        SELECT 'commission explanation ' || ids.id INTO missing FROM ids
            WHERE NOT EXISTS (SELECT 1 FROM billing_commissionexplanation e WHERE e.id = ids.id) LIMIT 1;
    END IF;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'a statement line refers to % that does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_statementline_refs_insert AFTER INSERT ON billing_statementline
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION billing_statementline_refs();
CREATE TRIGGER billing_statementline_refs_update AFTER UPDATE ON billing_statementline
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION billing_statementline_refs();
"""

# table referred to: (column of billing_statementline, what the message calls it)
REFERRED = {
    "portal_orderline": ("order_line_id", "order line"),
    "portal_category": ("category_id", "category"),
    "billing_commissionexplanation": ("explanation_id", "commission explanation"),
}


def _delete_check(table: str, column: str, name: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {table}_kept_for_statements() RETURNS trigger AS $$
DECLARE
    used bigint;
BEGIN
    SELECT o.id INTO used FROM old_rows o
        WHERE EXISTS (SELECT 1 FROM billing_statementline l WHERE l.{column} = o.id) LIMIT 1;
    IF used IS NOT NULL THEN
        RAISE EXCEPTION '{name} % is on a statement and cannot be deleted', used
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_kept_for_statements AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {table}_kept_for_statements();
"""  # noqa: S608 (names from REFERRED)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(LINES_CHECK, params=None)  # the % are plpgsql RAISE placeholders
    for table, (column, name) in REFERRED.items():
        schema_editor.execute(_delete_check(table, column, name), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP TRIGGER billing_statementline_refs_insert ON billing_statementline;"
        " DROP TRIGGER billing_statementline_refs_update ON billing_statementline;"
        " DROP FUNCTION billing_statementline_refs();",
        params=None,
    )
    for table in REFERRED:
        schema_editor.execute(
            f"DROP TRIGGER {table}_kept_for_statements ON {table}; DROP FUNCTION {table}_kept_for_statements();",
            params=None,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0010_statement_lines_check_by_statement"),
        ("portal", "0014_alerts"),
    ]

    # the checks go in before the foreign keys go, and come out after they are back
    operations = [
        migrations.RunPython(forward, backward),
        migrations.AlterField(
            model_name="statementline",
            name="category",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="portal.category",
            ),
        ),
        migrations.AlterField(
            model_name="statementline",
            name="explanation",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="billing.commissionexplanation",
            ),
        ),
        migrations.AlterField(
            model_name="statementline",
            name="order_line",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="portal.orderline",
            ),
        ),
        migrations.AlterField(
            model_name="statementline",
            name="statement",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="billing.statement",
            ),
        ),
    ]
