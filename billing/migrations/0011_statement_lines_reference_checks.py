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

from ._statement_line_refs import (
    CATEGORY,
    EXPLANATION,
    LINES_TRIGGERS,
    ORDER_LINE,
    delete_check,
    delete_check_drop,
    lines_check,
)

REFERRED = [ORDER_LINE, CATEGORY, EXPLANATION]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # the % are plpgsql RAISE placeholders
    schema_editor.execute(lines_check([CATEGORY, EXPLANATION]) + LINES_TRIGGERS, params=None)
    for reference in REFERRED:
        schema_editor.execute(delete_check(*reference), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP TRIGGER billing_statementline_refs_insert ON billing_statementline;"
        " DROP TRIGGER billing_statementline_refs_update ON billing_statementline;"
        " DROP FUNCTION billing_statementline_refs();",
        params=None,
    )
    for _column, table, _name in REFERRED:
        schema_editor.execute(delete_check_drop(table), params=None)


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
