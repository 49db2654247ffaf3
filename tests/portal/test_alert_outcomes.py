"""Closing a review alert records the review's outcome and moves the merchant (BUSINESS_RULES §4.3, §8)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from portal.alerts.services import alert_acknowledge, alert_close, alerts_create
from portal.audit import audit_entries_for
from portal.exceptions import ApplicationError, InvalidTransition
from portal.models import Alert, AlertKind, AlertOutcome, MerchantStatus
from portal.roles import Role
from tests.factories.onboarding import staff_user
from tests.portal.test_ratings_recompute import merchant

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 12, 1)
WINDOW = (dt.date(2026, 9, 2), dt.date(2026, 11, 30))


def alert_for(m, kind, **data):
    alerts_create(rows=[{"kind": kind, "merchant_id": m.pk, "as_of": AS_OF, "score": Decimal("70"),
                         "data": data}], now=timezone.now(), window=WINDOW)
    return Alert.objects.get(merchant=m, kind=kind)


@pytest.fixture
def lead():
    return staff_user(Role.LEAD.value)


def status_of(m):
    m.refresh_from_db()
    return m.status


def test_requalification_active_with_conditions_needs_conditions_and_reactivates(lead):
    m = merchant(status=MerchantStatus.UNDER_REQUALIFICATION)
    alert = alert_for(m, AlertKind.REQUALIFICATION)
    with pytest.raises(ValidationError) as error:
        alert_close(alert=alert, actor=lead, note="reviewed", outcome=AlertOutcome.ACTIVE_WITH_CONDITIONS,
                    conditions="  ")
    assert "conditions" in error.value.message_dict
    assert status_of(m) == MerchantStatus.UNDER_REQUALIFICATION
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN
    alert = alert_close(alert=alert, actor=lead, note="reviewed", outcome=AlertOutcome.ACTIVE_WITH_CONDITIONS,
                        conditions="Complaint rate under 3% next quarter")
    assert status_of(m) == MerchantStatus.ACTIVE
    assert (alert.status, alert.outcome, alert.conditions) == (
        Alert.Status.CLOSED, AlertOutcome.ACTIVE_WITH_CONDITIONS, "Complaint rate under 3% next quarter")
    passed = [e for e in audit_entries_for(target=m) if e.action == "portal.merchant.requalification_passed"]
    assert passed[-1].data["conditions"] == "Complaint rate under 3% next quarter"
    closed = [e for e in audit_entries_for(target=alert) if e.action == "portal.alert.closed"][-1]
    assert closed.data["outcome"] == AlertOutcome.ACTIVE_WITH_CONDITIONS and closed.data["merchant_status"] == "active"
    assert closed.pk > passed[-1].pk  # the alert's entry is the last


def test_requalification_active_and_suspended(lead):
    ok, bad = merchant(status=MerchantStatus.UNDER_REQUALIFICATION), merchant(
        status=MerchantStatus.UNDER_REQUALIFICATION)
    a = alert_close(alert=alert_for(ok, AlertKind.REQUALIFICATION), actor=lead, note="fine",
                    outcome=AlertOutcome.ACTIVE, conditions="ignored")
    assert status_of(ok) == MerchantStatus.ACTIVE and a.conditions == ""
    alert_close(alert=alert_for(bad, AlertKind.REQUALIFICATION), actor=lead, note="no plan",
                outcome=AlertOutcome.SUSPENDED)
    assert status_of(bad) == MerchantStatus.SUSPENDED
    reason = [e for e in audit_entries_for(target=bad) if e.action == "portal.merchant.suspended"][-1].data["reason"]
    assert "no plan" in reason


def test_requalification_needs_an_outcome_of_its_kind(lead):
    m = merchant(status=MerchantStatus.UNDER_REQUALIFICATION)
    alert = alert_for(m, AlertKind.REQUALIFICATION)
    for outcome in ("", AlertOutcome.RENEW, "nonsense"):
        with pytest.raises(ValidationError):
            alert_close(alert=alert, actor=lead, note="x", outcome=outcome)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN and status_of(m) == MerchantStatus.UNDER_REQUALIFICATION


def test_requalification_of_a_merchant_no_longer_under_review_is_refused(lead):
    m = merchant(status=MerchantStatus.SUSPENDED)
    alert = alert_for(m, AlertKind.REQUALIFICATION)
    with pytest.raises(InvalidTransition):
        alert_close(alert=alert, actor=lead, note="x", outcome=AlertOutcome.ACTIVE)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN and status_of(m) == MerchantStatus.SUSPENDED


def test_red_line_keep_active_or_suspend(lead):
    kept, cut = merchant(), merchant()
    a = alert_close(alert=alert_for(kept, AlertKind.RED_LINE), actor=lead, note="one bad week",
                    outcome=AlertOutcome.ACTIVE)
    assert status_of(kept) == MerchantStatus.ACTIVE and a.outcome == AlertOutcome.ACTIVE
    alert_close(alert=alert_for(cut, AlertKind.RED_LINE), actor=lead, note="deliveries stopped",
                outcome=AlertOutcome.SUSPENDED)
    assert status_of(cut) == MerchantStatus.SUSPENDED
    with pytest.raises(ValidationError):
        alert_close(alert=alert_for(merchant(), AlertKind.RED_LINE), actor=lead, note="x",
                    outcome=AlertOutcome.ACTIVE_WITH_CONDITIONS, conditions="c")


def test_red_line_cannot_keep_a_suspended_merchant_active(lead):
    m = merchant(status=MerchantStatus.SUSPENDED)
    alert = alert_for(m, AlertKind.RED_LINE)
    with pytest.raises(InvalidTransition):
        alert_close(alert=alert, actor=lead, note="x", outcome=AlertOutcome.ACTIVE)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN


def test_tail_review_records_renew_or_not_and_leaves_the_status(lead):
    renewed, dropped = merchant(), merchant()
    a = alert_close(alert=alert_for(renewed, AlertKind.TAIL_REVIEW, rank=2, count=20), actor=lead, note="new range",
                    outcome=AlertOutcome.RENEW)
    b = alert_close(alert=alert_for(dropped, AlertKind.TAIL_REVIEW, rank=1, count=20), actor=lead, note="no",
                    outcome=AlertOutcome.NOT_RENEW)
    assert (a.outcome, b.outcome) == (AlertOutcome.RENEW, AlertOutcome.NOT_RENEW)
    assert status_of(renewed) == status_of(dropped) == MerchantStatus.ACTIVE


def test_warnings_close_with_a_note_only(lead):
    m = merchant()
    alert = alert_for(m, AlertKind.SCORE_BELOW)
    with pytest.raises(ValidationError):
        alert_close(alert=alert, actor=lead, note="x", outcome=AlertOutcome.SUSPENDED)
    alert = alert_close(alert=alert, actor=lead, note="called them")
    assert alert.status == Alert.Status.CLOSED and alert.outcome == "" and status_of(m) == MerchantStatus.ACTIVE


def test_a_closed_alert_cannot_be_acknowledged_and_a_second_close_is_quiet(lead):
    alert = alert_close(alert=alert_for(merchant(), AlertKind.COMPLAINT_RATE), actor=lead, note="done")
    with translation.override("en"), pytest.raises(InvalidTransition) as error:
        alert_acknowledge(alert=alert, actor=lead, note="again")
    assert "cannot be acknowledged again" in error.value.message
    entries = len(audit_entries_for(target=alert))
    assert alert_close(alert=alert, actor=lead, note="again").note == "done"
    assert len(audit_entries_for(target=alert)) == entries
    with pytest.raises(ApplicationError):
        alert_close(alert=alert, actor=lead, note="")
