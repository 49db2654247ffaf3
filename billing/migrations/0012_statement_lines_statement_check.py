"""A statement line's statement is checked like its order line, category and explanation (0011): once per INSERT
or UPDATE statement, each distinct statement looked up once, and deleting a statement a line is on is refused.
Its foreign key cost a settlement chunk a quarter of a second (50,000 locking lookups of 500 statements the
chunk had just written)."""

import django.db.models.deletion
from django.db import migrations, models

from ._statement_line_refs import CATEGORY, EXPLANATION, STATEMENT, delete_check, delete_check_drop, lines_check


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # the % are plpgsql RAISE placeholders
        schema_editor.execute(lines_check([STATEMENT, CATEGORY, EXPLANATION]) + delete_check(*STATEMENT), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(lines_check([CATEGORY, EXPLANATION]) + delete_check_drop(STATEMENT[1]), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0011_statement_lines_reference_checks"),
    ]

    # the check goes in before the foreign key goes, and comes out after it is back
    operations = [
        migrations.RunPython(forward, backward),
        migrations.AlterField(
            model_name="statementline",
            name="statement",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="billing.statement",
            ),
        ),
    ]
