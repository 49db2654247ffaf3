"""On PostgreSQL the database itself refuses UPDATE and DELETE on frozen commission table versions and their
rows: a rate computed from version n can be recomputed from it for as long as the data is kept."""

from django.db import migrations

TABLES = ["contracts_commissiontableversion", "contracts_commissiontablerate", "contracts_commissiontableband"]

FUNCTION = """
CREATE OR REPLACE FUNCTION contracts_commission_frozen() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'commission table versions are frozen';
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in TABLES:
        schema_editor.execute(f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
                              f"FOR EACH ROW EXECUTE FUNCTION contracts_commission_frozen();")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS contracts_commission_frozen();")


class Migration(migrations.Migration):
    dependencies = [("contracts", "0002_commission")]
    operations = [migrations.RunPython(forward, backward)]
