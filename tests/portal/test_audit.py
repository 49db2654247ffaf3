import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError, InternalError

from portal.audit import audit_chain_verify, audit_entries_for, audit_entry_create
from portal.models import AuditEntry
from portal.models.audit import AppendOnlyError
from tests.factories.portal import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_entries_form_a_verifiable_chain_and_a_timeline():
    actor = UserFactory()
    category = CategoryFactory()
    first = audit_entry_create(actor=actor, action="portal.category.created", target=category, data={"a": 1})
    second = audit_entry_create(actor=None, action="portal.category.renamed", target=category)
    assert second.prev_hash == first.hash
    assert [e.action for e in audit_entries_for(target=category)] == [
        "portal.category.created",
        "portal.category.renamed",
    ]
    assert audit_chain_verify() is None


def test_entries_cannot_be_changed_or_deleted():
    entry = audit_entry_create(actor=None, action="portal.test.done")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.update(action="x")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database trigger exists on PostgreSQL only")
def test_database_refuses_raw_updates():
    audit_entry_create(actor=None, action="portal.test.done")
    with pytest.raises((DatabaseError, InternalError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE portal_auditentry SET action = 'tampered'")


def test_tampering_breaks_the_chain():
    audit_entry_create(actor=None, action="portal.test.one")
    second = audit_entry_create(actor=None, action="portal.test.two", data={"amount": "100.00"})
    audit_entry_create(actor=None, action="portal.test.three")
    if connection.vendor == "postgresql":
        pytest.skip("the trigger prevents the tampering this test simulates")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE portal_auditentry SET data = %s WHERE id = %s", ['{"amount": "1.00"}', second.pk])
    assert audit_chain_verify() == second.pk
