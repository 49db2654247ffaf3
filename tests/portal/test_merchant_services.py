"""The merchant's lifecycle: every allowed and every refused move of every transition service, the audit
entry each writes, and the grade change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from portal.exceptions import InvalidTransition
from portal.merchants import services
from portal.models import MERCHANT_TRANSITIONS, AuditEntry, Merchant, MerchantStatus
from portal.roles import Role
from tests.factories.onboarding import MerchantFactory, staff_user

pytestmark = pytest.mark.django_db
S = MerchantStatus


def _onboarding_start(merchant, actor):
    return services.merchant_onboarding_start(merchant=merchant, actor=actor, grade="b",
                                              deposit_amount=Decimal("40000"), currency="cny",
                                              data={"application": 7})


# service → (call, target state, the states it moves from)
SERVICES = {
    "onboarding_start": (_onboarding_start, S.ONBOARDING, {S.APPLICANT}),
    "activate": (lambda m, a: services.merchant_activate(merchant=m, actor=a), S.ACTIVE, {S.ONBOARDING}),
    "requalification_open": (
        lambda m, a: services.merchant_requalification_open(merchant=m, actor=a, reason="Score 74 at Q3 check."),
        S.UNDER_REQUALIFICATION, {S.ACTIVE}),
    "requalification_pass": (
        lambda m, a: services.merchant_requalification_pass(merchant=m, actor=a, conditions="Returns under 8%."),
        S.ACTIVE, {S.UNDER_REQUALIFICATION}),
    "suspend": (lambda m, a: services.merchant_suspend(merchant=m, actor=a, reason="Counterfeit goods."),
                S.SUSPENDED, {S.ACTIVE, S.UNDER_REQUALIFICATION}),
    "reinstate": (lambda m, a: services.merchant_reinstate(merchant=m, actor=a, reason="Remedied."),
                  S.ACTIVE, {S.SUSPENDED}),
    "terminate": (lambda m, a: services.merchant_terminate(merchant=m, actor=a, reason="Contract ended."),
                  S.TERMINATED, {S.ONBOARDING, S.ACTIVE, S.UNDER_REQUALIFICATION, S.SUSPENDED}),
}
EVENTS = {"onboarding_start": "onboarding_started", "activate": "activated",
          "requalification_open": "requalification_opened", "requalification_pass": "requalification_passed",
          "suspend": "suspended", "reinstate": "reinstated", "terminate": "terminated"}


@pytest.fixture
def lead():
    return staff_user(Role.LEAD)


def merchant_in(status: str) -> Merchant:
    merchant = MerchantFactory()
    Merchant.objects.filter(pk=merchant.pk).update(status=status)
    merchant.refresh_from_db()
    return merchant


def test_the_services_cover_exactly_the_map():
    edges = {(source, target) for _call, target, sources in SERVICES.values() for source in sources}
    mapped = {(source, target) for source, targets in MERCHANT_TRANSITIONS.items() for target in targets}
    assert edges == mapped
    assert set(MERCHANT_TRANSITIONS) == set(S.values)


def test_a_new_merchant_is_an_applicant_without_grade():
    merchant = MerchantFactory()
    assert (merchant.status, merchant.grade, merchant.deposit_amount) == (S.APPLICANT, "", None)


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("state", S.values)
def test_every_service_from_every_state(name, state, lead):
    call, target, sources = SERVICES[name]
    merchant = merchant_in(state)
    entries = AuditEntry.objects.filter(target_id=str(merchant.pk), action__startswith="portal.merchant.")
    if state == target:
        assert call(merchant, lead).status == target
        assert not entries.exists()
    elif state in sources:
        moved = call(merchant, lead)
        fresh = Merchant.objects.get(pk=merchant.pk)
        assert fresh.status == moved.status == target and fresh.status_changed_at is not None
        entry = entries.get()
        assert entry.action == f"portal.merchant.{EVENTS[name]}"
        assert entry.actor == lead
        assert (entry.data["from"], entry.data["to"]) == (state, target)
    else:
        with pytest.raises(InvalidTransition) as exc:
            call(merchant, lead)
        assert exc.value.extra == {"current": state, "target": target}
        assert Merchant.objects.get(pk=merchant.pk).status == state
        assert not entries.exists()


def test_onboarding_start_sets_grade_and_deposit_and_records_them(lead):
    merchant = _onboarding_start(MerchantFactory(), lead)
    fresh = Merchant.objects.get(pk=merchant.pk)
    assert (fresh.grade, fresh.deposit_amount, fresh.deposit_currency) == ("B", Decimal("40000.00"), "CNY")
    entry = AuditEntry.objects.get(action="portal.merchant.onboarding_started", target_id=str(merchant.pk))
    assert entry.data["grade"] == "B" and Decimal(entry.data["deposit"]) == Decimal("40000")
    assert entry.data["currency"] == "CNY" and entry.data["application"] == 7


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"grade": "F", "deposit_amount": Decimal("1"), "currency": "CNY"}, "grade"),
    ({"grade": "A", "deposit_amount": Decimal("-1"), "currency": "CNY"}, "deposit_amount"),
    ({"grade": "A", "deposit_amount": "lots", "currency": "CNY"}, "deposit_amount"),
    ({"grade": "A", "deposit_amount": Decimal("1"), "currency": "yuan"}, "deposit_currency"),
])
def test_onboarding_start_refuses_bad_input_and_changes_nothing(kwargs, field, lead):
    merchant = MerchantFactory()
    with pytest.raises(ValidationError) as exc:
        services.merchant_onboarding_start(merchant=merchant, actor=lead, **kwargs)
    assert field in exc.value.message_dict
    assert Merchant.objects.get(pk=merchant.pk).status == S.APPLICANT


@pytest.mark.parametrize("name", ["requalification_open", "suspend", "reinstate", "terminate"])
def test_moves_that_need_a_reason_refuse_an_empty_one(name, lead):
    _call, _target, sources = SERVICES[name]
    merchant = merchant_in(next(iter(sources)))
    service = getattr(services, f"merchant_{name}")
    with pytest.raises(ValidationError) as exc:
        service(merchant=merchant, actor=lead, reason="  ")
    assert "reason" in exc.value.message_dict
    assert Merchant.objects.get(pk=merchant.pk).status == merchant.status


def test_a_refused_move_names_both_states_in_the_users_language(lead):
    merchant = merchant_in(S.TERMINATED)
    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as exc:
        services.merchant_activate(merchant=merchant, actor=lead)
    assert "已终止" in exc.value.message and "合作中" in exc.value.message
    with translation.override("en"), pytest.raises(InvalidTransition) as exc:
        services.merchant_activate(merchant=merchant, actor=lead)
    assert exc.value.message == "The merchant is “Terminated” and cannot become “Active”."


def test_grade_change_after_suspension(lead):
    merchant = _onboarding_start(MerchantFactory(), lead)
    services.merchant_activate(merchant=merchant, actor=None)
    services.merchant_suspend(merchant=merchant, actor=lead, reason="Red line: complaints.")
    services.merchant_reinstate(merchant=merchant, actor=lead, reason="Remedied.")
    graded = services.merchant_grade_set(merchant=merchant, actor=lead, grade="E",
                                         deposit_amount=Decimal("100000"), currency="CNY",
                                         reason="Back from suspension.")
    assert (graded.status, graded.grade, graded.deposit_amount) == (S.ACTIVE, "E", Decimal("100000.00"))
    entry = AuditEntry.objects.get(action="portal.merchant.graded", target_id=str(merchant.pk))
    assert entry.data["from"]["grade"] == "B" and entry.data["to"]["grade"] == "E"
    services.merchant_grade_set(merchant=merchant, actor=lead, grade="E", deposit_amount=Decimal("100000"),
                                currency="CNY", reason="Again.")
    assert AuditEntry.objects.filter(action="portal.merchant.graded", target_id=str(merchant.pk)).count() == 1
    actions = list(AuditEntry.objects.filter(target_id=str(merchant.pk), action__startswith="portal.merchant.")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["portal.merchant.onboarding_started", "portal.merchant.activated",
                       "portal.merchant.suspended", "portal.merchant.reinstated", "portal.merchant.graded"]


@pytest.mark.parametrize("state", [S.APPLICANT, S.TERMINATED])
def test_grade_change_refused_before_approval_and_after_termination(state, lead):
    merchant = merchant_in(state)
    with pytest.raises(InvalidTransition):
        services.merchant_grade_set(merchant=merchant, actor=lead, grade="A", deposit_amount=Decimal("20000"),
                                    currency="CNY", reason="Rating review.")
    assert Merchant.objects.get(pk=merchant.pk).grade == ""
