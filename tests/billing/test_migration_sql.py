"""The trigger functions of billing's applied migrations take their text from one module
(`billing/migrations/_invoice_frozen.py`); what each migration executes must never change, to the byte."""

import hashlib
import importlib

import pytest

# sha256 of FORWARD and BACKWARD of 0002 and 0003 as they were applied
APPLIED = {
    ("0002_append_only_and_frozen", "FORWARD"): "7d2cc47ada56a2a35e44473760e596d311c679f7bc4f24c8b2d483507bee6950",
    ("0002_append_only_and_frozen", "BACKWARD"): "d18e53df6b319581b273bc579e39be23682de05ae2e5033e8aa1064f5fd8d8b5",
    ("0003_invoice_pdf_set_once", "FORWARD"): "c98458fd11bdd8c0f8868342a0b99dc25567ef85342343b35380952ad2ea0bad",
    ("0003_invoice_pdf_set_once", "BACKWARD"): "60eb9a31e735a1504f07b21677a16590ff31e3747d54bbc23960d1e30e40f73d",
}


@pytest.mark.parametrize(("migration", "name"), list(APPLIED))
def test_the_applied_sql_is_unchanged(migration, name):
    sql = getattr(importlib.import_module(f"billing.migrations.{migration}"), name)
    assert hashlib.sha256(sql.encode()).hexdigest() == APPLIED[(migration, name)]


def test_0003_goes_back_to_the_function_of_0002_with_the_pdf_frozen_again():
    m2 = importlib.import_module("billing.migrations.0002_append_only_and_frozen")
    m3 = importlib.import_module("billing.migrations.0003_invoice_pdf_set_once")
    frozen_pdf = "NEW.buyer_tax_id IS DISTINCT FROM OLD.buyer_tax_id OR NEW.pdf IS DISTINCT FROM OLD.pdf"
    assert "OLD.pdf <> ''" in m3.FORWARD and frozen_pdf not in m3.FORWARD
    assert frozen_pdf in m3.BACKWARD and frozen_pdf in m2.FORWARD
    normalised = "\n".join(line for line in m3.BACKWARD.splitlines() if line.strip())
    assert normalised in "\n".join(line for line in m2.FORWARD.splitlines() if line.strip())


def test_the_shared_module_is_not_a_migration():
    from django.db.migrations.loader import MigrationLoader

    names = {name for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations if app == "billing"}
    assert "_invoice_frozen" not in names and "0003_invoice_pdf_set_once" in names
