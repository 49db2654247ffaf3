"""The shared transition helper, on a real lifecycle (the merchant's): lock, quiet repeat, refusal with
the states' labels, narrow write, audit entry in the same transaction."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.utils import translation

from portal.exceptions import InvalidTransition
from portal.models import AuditEntry, Merchant, MerchantStatus
from portal.workflow import row_lock, transition_allowed, transition_begin, transition_run
from tests.factories.onboarding import MerchantFactory
from tests.factories.portal import UserFactory

pytestmark = pytest.mark.django_db
S = MerchantStatus


def _entries(merchant):
    return AuditEntry.objects.filter(target_id=str(merchant.pk), action__startswith="test.")


def test_row_lock_rereads_the_row_with_a_given_queryset():
    merchant = MerchantFactory()
    Merchant.objects.filter(pk=merchant.pk).update(name="Fresh name")
    with transaction.atomic():
        fresh = row_lock(merchant, queryset=Merchant.objects.prefetch_related("memberships"))
    assert fresh.name == "Fresh name" and fresh is not merchant


def test_transition_allowed_reads_the_models_map():
    merchant = MerchantFactory()
    assert transition_allowed(merchant, S.APPLICANT) is False
    assert transition_allowed(merchant, S.ONBOARDING) is True
    with pytest.raises(InvalidTransition) as exc:
        transition_allowed(merchant, S.ACTIVE)
    assert exc.value.extra == {"current": S.APPLICANT, "target": S.ACTIVE}


def test_a_given_map_narrowed_to_some_states_and_a_custom_message():
    merchant = MerchantFactory()
    assert transition_allowed(merchant, S.ACTIVE, transitions={S.APPLICANT: {S.ACTIVE}}) is True
    with translation.override("en"), pytest.raises(InvalidTransition) as exc:
        transition_allowed(merchant, S.ONBOARDING, from_states=[S.ACTIVE],
                           refused_message="From “%(current)s” never to “%(target)s”.")
    assert exc.value.message == "From “Applicant” never to “Onboarding”."


def test_the_refusal_is_translated():
    merchant = MerchantFactory()
    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as exc:
        transition_allowed(merchant, S.SUSPENDED)
    assert exc.value.message == "该商家当前为“申请中”，不能变为“已暂停”。"


def test_run_writes_only_the_status_and_given_fields_and_one_audit_entry():
    merchant = MerchantFactory(name="Before")
    actor = UserFactory()
    merchant.name = "changed in memory only"
    moved = transition_run(instance=merchant, target=S.ONBOARDING, actor=actor, action="test.merchant.moved",
                           fields={"grade": "C"}, data={"note": "n"}, ip_address="10.0.0.1")
    fresh = Merchant.objects.get(pk=merchant.pk)
    assert (fresh.status, fresh.grade, fresh.name) == (S.ONBOARDING, "C", "Before")
    assert moved.status == S.ONBOARDING
    entry = _entries(merchant).get()
    assert entry.actor == actor and entry.ip_address == "10.0.0.1"
    assert entry.data == {"from": S.APPLICANT, "to": S.ONBOARDING, "note": "n"}


def test_run_is_quiet_when_already_there():
    merchant = MerchantFactory()
    Merchant.objects.filter(pk=merchant.pk).update(status=S.ONBOARDING, grade="A")
    stale = Merchant(pk=merchant.pk, status=S.APPLICANT)
    result = transition_run(instance=stale, target=S.ONBOARDING, actor=None, action="test.merchant.moved",
                            fields={"grade": "C"})
    assert (result.status, result.grade) == (S.ONBOARDING, "A")  # the fresh row, left alone
    assert Merchant.objects.get(pk=merchant.pk).grade == "A"
    assert not _entries(merchant).exists()


def test_refused_run_writes_nothing():
    merchant = MerchantFactory()
    with pytest.raises(InvalidTransition):
        transition_run(instance=merchant, target=S.TERMINATED, actor=None, action="test.merchant.moved")
    assert Merchant.objects.get(pk=merchant.pk).status == S.APPLICANT
    assert not _entries(merchant).exists()


def test_guard_sees_the_locked_row_before_the_check():
    merchant = MerchantFactory()
    Merchant.objects.filter(pk=merchant.pk).update(name="Fresh name")
    seen = []

    def guard(obj):
        seen.append(obj.name)
        raise PermissionError("no")

    with transaction.atomic(), pytest.raises(PermissionError):
        transition_begin(instance=merchant, target=S.TERMINATED, guard=guard)  # the guard wins over the map
    assert seen == ["Fresh name"]


def test_begin_and_finish_with_another_audit_target_and_fields_set_by_the_caller():
    merchant, other = MerchantFactory(), MerchantFactory()
    with transaction.atomic():
        move = transition_begin(instance=merchant, target=S.ONBOARDING)
        assert not move.done
        move.obj.deposit_currency = "CNY"
        move.finish(actor=None, action="test.merchant.moved", touched=["deposit_currency"], audit_target=other)
    assert Merchant.objects.get(pk=merchant.pk).deposit_currency == "CNY"
    assert _entries(other).get().data["to"] == S.ONBOARDING
    assert not _entries(merchant).exists()


def test_an_error_after_the_write_rolls_back_status_and_audit():
    merchant = MerchantFactory()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        transition_run(instance=merchant, target=S.ONBOARDING, actor=None, action="test.merchant.moved")
        1 / 0  # noqa: B018  a failure later in the caller's transaction
    assert Merchant.objects.get(pk=merchant.pk).status == S.APPLICANT
    assert not _entries(merchant).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_of_one_row_run_one_after_the_other():
    from tests.onboarding.test_concurrency import race

    merchant = MerchantFactory()
    results = race(*[
        (lambda: transition_run(instance=merchant, target=S.ONBOARDING, actor=None, action="test.merchant.moved"))
        for _ in range(3)
    ])
    assert all(isinstance(r, Merchant) and r.status == S.ONBOARDING for r in results), results
    assert _entries(merchant).count() == 1
