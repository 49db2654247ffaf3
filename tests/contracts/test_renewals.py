"""Renewals: the review opens ContractSettings.renewal_review_days before the end of the term and marks the
contract expiring, proposes from the thresholds (and says when there is no performance data), a lead may
override with a reason, reminders go to both sides in their languages, and the term ends renewed or expired."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from contracts.models import Contract, ContractKind, ContractSettings, ContractStatus, RenewalReview
from contracts.renewals import (
    RenewalMetrics,
    contract_renewal_status,
    renewal_proposal,
    renewal_reason_texts,
    renewal_review_override,
    renewals_daily_run,
)
from portal.exceptions import PermissionDenied
from portal.models import (
    Alert,
    AlertKind,
    AlertOutcome,
    AlertStatus,
    AuditEntry,
    MerchantMembership,
    OrderLine,
    SatisfactionRating,
)
from portal.roles import Role
from tests.factories.portal import CategoryFactory

from .admin_support import contract, detail_url, merchant_user, staff

pytestmark = pytest.mark.django_db

S = ContractStatus
GMV, SAT = Decimal("15"), Decimal("4.8")


@pytest.mark.parametrize(("gmv", "satisfaction", "proposal", "codes"), [
    ("20", "4.9", "renew", ["gmv_met", "satisfaction_met"]),
    ("15", "4.8", "renew", ["gmv_met", "satisfaction_met"]),  # both at the threshold
    ("14.99", "4.9", "non_renew", ["gmv_below", "satisfaction_met"]),
    ("30", "4.79", "non_renew", ["gmv_met", "satisfaction_below"]),
    ("-5", "3.0", "non_renew", ["gmv_below", "satisfaction_below"]),
    ("20", None, "non_renew", ["gmv_met", "satisfaction_missing"]),
    (None, "4.9", "non_renew", ["gmv_missing", "satisfaction_met"]),
    (None, None, "non_renew", ["no_data"]),
    # the annual tail review nominated the merchant: not renewed whatever the figures, and said so
    ("20", "4.9", "non_renew", ["gmv_met", "satisfaction_met", "tail_review_nominated"]),
    ("20", "4.9", "non_renew", ["gmv_met", "satisfaction_met", "tail_review_not_renew"]),
    (None, None, "non_renew", ["no_data", "tail_review_nominated"]),
])
def test_proposal_cases(gmv, satisfaction, proposal, codes):
    tail = codes[-1].removeprefix("tail_review_") if codes[-1].startswith("tail_review_") else ""
    metrics = RenewalMetrics(gmv_yoy=Decimal(gmv) if gmv else None,
                             satisfaction=Decimal(satisfaction) if satisfaction else None, tail_review=tail)
    result, reasons = renewal_proposal(metrics=metrics, gmv_threshold=GMV, satisfaction_threshold=SAT)
    assert result == proposal
    assert [r["code"] for r in reasons] == codes
    with translation.override("en"):
        assert all(renewal_reason_texts(reasons))


def test_reasons_in_both_languages():
    reasons = [{"code": "gmv_below", "value": "12.5", "threshold": "15"}, {"code": "no_data"}]
    with translation.override("en"):
        texts = renewal_reason_texts(reasons)
        assert texts[0] == "GMV grew only 12.5% year on year (at least 15% needed)."
        assert texts[1].startswith("No performance data yet")
    with translation.override("zh-hans"):
        texts = renewal_reason_texts(reasons)
        assert "12.5%" in texts[0] and "15%" in texts[0] and "。" in texts[0]
        assert "暂无经营数据" in texts[1]


@pytest.fixture
def world():
    today = timezone.localdate()
    drafter = staff(Role.LEAD, "drafter@example.com", preferred_language="en")
    signer = staff(Role.LEAD, "signer@example.com", preferred_language="zh-hans")
    due = contract(status=S.ACTIVE, ends_on=today + dt.timedelta(days=60), created_by=drafter,
                   issued_by=drafter, countersigned_by=signer)
    owner = merchant_user(due.merchant, role=MerchantMembership.Role.OWNER, email="owner@example.com",
                          preferred_language="zh-hans")
    admin = merchant_user(due.merchant, role=MerchantMembership.Role.ADMIN, email="admin@example.com",
                          preferred_language="en")
    merchant_user(due.merchant, role=MerchantMembership.Role.FINANCE, email="finance@example.com")
    later = contract(status=S.ACTIVE, ends_on=today + dt.timedelta(days=61))
    return {"due": due, "later": later, "drafter": drafter, "signer": signer, "owner": owner, "admin": admin,
            "today": today}


def test_the_review_opens_60_days_before_the_end_and_marks_the_contract_expiring(world,
                                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        counts = renewals_daily_run()
    assert counts["opened"] == 1 and counts["failed"] == 0
    due, later = world["due"], world["later"]
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == S.EXPIRING and later.status == S.ACTIVE
    review = RenewalReview.objects.get()
    assert review.contract == due and review.ends_on == due.ends_on
    # no performance data yet: non-renewal, said explicitly
    assert review.proposal == review.decision == "non_renew"
    assert review.reasons == [{"code": "no_data"}] and review.gmv_yoy is None and review.satisfaction is None
    assert review.gmv_threshold == Decimal("15.00") and review.satisfaction_threshold == Decimal("4.80")
    assert AuditEntry.objects.filter(action="contracts.contract.renewal_review_opened", target_id=str(due.pk)).exists()
    assert AuditEntry.objects.filter(action="contracts.contract.expiring", target_id=str(due.pk)).exists()


def _trading(merchant, *, year: list[str], year_before: list[str], scores: list[str], today: dt.date) -> None:
    """Order lines of these amounts completed in the last 365 days and in the 365 before, and buyer ratings."""
    now = timezone.now()
    lines = []
    for amounts, days_ago in ((year, 10), (year_before, 400)):
        for amount in amounts:
            on = today - dt.timedelta(days=days_ago)
            lines.append(OrderLine(external_id=f"renewal-{len(lines)}", merchant=merchant, digest="0" * 32,
                                   received_at=now, updated_at=now, category=CategoryFactory(code="renewal-cat"),
                                   amount=Decimal(amount), completed_on=on, settleable_on=on))
    OrderLine.objects.bulk_create(lines)
    SatisfactionRating.objects.bulk_create([
        SatisfactionRating(external_id=f"renewal-s-{i}", merchant=merchant, digest="0" * 32, received_at=now,
                           updated_at=now, rated_on=today - dt.timedelta(days=20), score=Decimal(score))
        for i, score in enumerate(scores)])


def test_the_proposal_reads_the_trading_data_at_the_thresholds(world, django_capture_on_commit_callbacks):
    """GMV 115,000.30 against 100,000.26 (+15.00%) and satisfaction (4.7 + 4.9 + 4.81) / 3 = 4.80: both exactly
    at the thresholds, so renew; a line of more than a year ago counts in the year before, not in this one."""
    _trading(world["due"].merchant, year=["100000.10", "15000.20"], year_before=["100000.26"],
             scores=["4.7", "4.9", "4.81"], today=world["today"])
    with django_capture_on_commit_callbacks(execute=True):
        renewals_daily_run()
    review = RenewalReview.objects.get()
    assert (review.gmv_yoy, review.satisfaction) == (Decimal("15.00"), Decimal("4.80"))
    assert review.proposal == review.decision == "renew"
    assert [r["code"] for r in review.reasons] == ["gmv_met", "satisfaction_met"]


def test_a_tail_review_nomination_proposes_non_renewal(world, django_capture_on_commit_callbacks):
    merchant = world["due"].merchant
    _trading(merchant, year=["130000"], year_before=["100000"], scores=["5"], today=world["today"])
    Alert.objects.create(kind=AlertKind.TAIL_REVIEW, merchant=merchant, as_of=world["today"], score=Decimal("61"),
                         deadline=world["today"], created_at=timezone.now() - dt.timedelta(days=30),
                         data={"rank": 1, "count": 10})
    with django_capture_on_commit_callbacks(execute=True):
        renewals_daily_run()
    review = RenewalReview.objects.get()
    assert review.gmv_yoy == Decimal("30.00") and review.proposal == "non_renew"
    assert [r["code"] for r in review.reasons] == ["gmv_met", "satisfaction_met", "tail_review_nominated"]
    with translation.override("en"):
        assert renewal_reason_texts(review.reasons)[-1].startswith("Nominated for non-renewal")


def test_a_tail_review_decided_renew_weighs_nothing(world, django_capture_on_commit_callbacks):
    merchant = world["due"].merchant
    _trading(merchant, year=["130000"], year_before=["100000"], scores=["5"], today=world["today"])
    Alert.objects.create(kind=AlertKind.TAIL_REVIEW, merchant=merchant, as_of=world["today"], score=Decimal("61"),
                         deadline=world["today"], created_at=timezone.now() - dt.timedelta(days=30),
                         status=AlertStatus.CLOSED, outcome=AlertOutcome.RENEW, closed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        renewals_daily_run()
    assert RenewalReview.objects.get().proposal == "renew"


def test_the_review_days_come_from_the_settings(world, django_capture_on_commit_callbacks):
    settings = ContractSettings.load()
    settings.renewal_review_days = 61
    settings.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert renewals_daily_run()["opened"] == 2


def test_running_again_opens_nothing_twice_and_sends_no_reminder_twice(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        renewals_daily_run()
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        counts = renewals_daily_run()
    assert counts["opened"] == 0 and RenewalReview.objects.count() == 1 and len(mail.outbox) == sent


def test_reminders_go_to_both_sides_in_their_languages(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        renewals_daily_run()
    by_address = {m.to[0]: m for m in mail.outbox}
    # owners and admins of the merchant, and the contract's staff; not the finance user
    assert set(by_address) == {"owner@example.com", "admin@example.com", "drafter@example.com",
                               "signer@example.com"}
    number = world["due"].number
    assert number in by_address["admin@example.com"].subject and "renewal review" in by_address[
        "admin@example.com"].subject
    assert "续约" in by_address["owner@example.com"].subject
    assert "续约" in by_address["signer@example.com"].subject
    # staff read the proposal and why; the merchant does not
    assert "No performance data yet" in by_address["drafter@example.com"].body
    assert "Do not renew" in by_address["drafter@example.com"].body
    assert "No performance data" not in by_address["admin@example.com"].body
    assert "reviewing the renewal" in by_address["admin@example.com"].body
    assert reverse("contracts_admin:detail", args=[world["due"].pk]) in by_address["drafter@example.com"].body
    # the merchant's link is its contract page, in the recipient's language
    assert f"/zh-hans/portal/contracts/{world['due'].pk}/" in by_address["owner@example.com"].body
    assert f"/en/portal/contracts/{world['due'].pk}/" in by_address["admin@example.com"].body


def test_halfway_reminder(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        renewals_daily_run()
    mail.outbox.clear()
    later_day = timezone.now() + dt.timedelta(days=31)
    with django_capture_on_commit_callbacks(execute=True):
        counts = renewals_daily_run(now=later_day)
    # the contract due 61 days out has its review opened that day (past halfway): its first reminder only
    assert counts["reminded"] == 1 and counts["opened"] == 1
    assert RenewalReview.objects.get(contract=world["due"]).reminders_sent == ["opened", "halfway"]
    assert RenewalReview.objects.get(contract=world["later"]).reminders_sent == ["opened"]
    halfway = [m for m in mail.outbox if world["due"].number in m.subject]
    assert len(halfway) == 4


def test_override_by_a_lead_needs_a_reason_and_is_audited(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        renewals_daily_run()
    review = RenewalReview.objects.get()
    lead = world["drafter"]
    with pytest.raises(Exception) as refused:
        renewal_review_override(review=review, actor=lead, decision="renew", reason="  ")
    assert "reason" in str(refused.value)
    with pytest.raises(PermissionDenied):
        renewal_review_override(review=review, actor=staff(Role.COMPLIANCE), decision="renew", reason="Good partner")
    review = renewal_review_override(review=review, actor=lead, decision="renew",
                                     reason="Strategic brand; GMV figures arrive next quarter")
    assert review.decision == "renew" and review.proposal == "non_renew" and review.overridden_by == lead
    entry = AuditEntry.objects.get(action="contracts.contract.renewal_overridden")
    assert entry.actor == lead and entry.data["from"] == "non_renew" and entry.data["to"] == "renew"
    assert entry.data["reason"].startswith("Strategic brand")


def test_override_through_the_admin_page(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        renewals_daily_run()
    due = world["due"]
    client.force_login(world["drafter"])
    page = client.get(detail_url(due))
    html = page.content.decode()
    assert page.context["renewal"].state == "open" and "No performance data yet" in html
    assert page.context["show_override"] is True
    override = reverse("contracts_admin:renewal_override", args=[due.pk])
    client.post(override, {"override-decision": "renew", "override-reason": ""})
    assert RenewalReview.objects.get().decision == "non_renew"
    client.post(override, {"override-decision": "renew", "override-reason": "Top seller in its category"})
    assert RenewalReview.objects.get().decision == "renew"
    page = client.get(detail_url(due))
    assert page.context["show_renewal_draft"] is True
    # compliance sees the review but may not override it
    client.force_login(staff(Role.COMPLIANCE))
    assert client.get(detail_url(due)).context["show_override"] is False


def test_the_term_ends_expired_without_a_signed_renewal(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        renewals_daily_run()
    after = timezone.now() + dt.timedelta(days=61)
    counts = renewals_daily_run(now=after)
    assert counts["expired"] == 1
    due = Contract.objects.get(pk=world["due"].pk)
    assert due.status == S.EXPIRED
    assert RenewalReview.objects.get(contract=due).closed_at is not None
    assert contract_renewal_status(contract=due).state == "expired"


def test_the_last_day_still_binds(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        renewals_daily_run()
    on_the_day = timezone.now() + dt.timedelta(days=60)
    renewals_daily_run(now=on_the_day)
    assert Contract.objects.get(pk=world["due"].pk).status == S.EXPIRING


def test_the_term_ends_renewed_when_a_renewal_was_countersigned(world, django_capture_on_commit_callbacks):
    due = world["due"]
    with django_capture_on_commit_callbacks(execute=True):
        renewals_daily_run()
    renewal = contract(status=S.SIGNED, merchant=due.merchant, kind=ContractKind.RENEWAL, parent=due,
                       starts_on=due.ends_on + dt.timedelta(days=1), ends_on=due.ends_on + dt.timedelta(days=1096))
    assert contract_renewal_status(contract=due).state == "renewal_signed"
    counts = renewals_daily_run(now=timezone.now() + dt.timedelta(days=61))
    assert counts["renewed"] == 1
    due.refresh_from_db()
    assert due.status == S.RENEWED
    status = contract_renewal_status(contract=due)
    assert status.state == "renewed" and renewal.number in status.detail


def test_renewal_status_for_the_merchant_leaves_out_the_proposal(world, django_capture_on_commit_callbacks):
    due = world["due"]
    with translation.override("en"):
        status = contract_renewal_status(contract=world["later"])
        assert status.state == "not_yet" and "opens on" in status.detail
        with django_capture_on_commit_callbacks(execute=True):
            renewals_daily_run()
        due.refresh_from_db()
        staff_view = contract_renewal_status(contract=due)
        merchant_view = contract_renewal_status(contract=due, for_merchant=True)
        assert staff_view.state == merchant_view.state == "open"
        assert staff_view.reasons and staff_view.decision_label == "Do not renew"
        assert merchant_view.reasons == [] and merchant_view.decision_label == ""
        assert "Do not renew" not in merchant_view.detail
    assert contract_renewal_status(contract=contract(status=S.DRAFT)) is None


def test_the_daily_task_is_scheduled_and_runs_the_renewal_work(world, settings, django_capture_on_commit_callbacks):
    from celery.schedules import crontab

    from contracts.tasks import contracts_renewals_daily_task

    entry = settings.CELERY_BEAT_SCHEDULE["contracts-renewals-daily"]
    assert entry["task"] == contracts_renewals_daily_task.name == "contracts.tasks.contracts_renewals_daily_task"
    assert isinstance(entry["schedule"], crontab)
    with django_capture_on_commit_callbacks(execute=True):
        counts = contracts_renewals_daily_task.delay().get()
    assert counts["opened"] == 1


def test_a_contract_marked_expiring_without_a_review_gets_one(world, django_capture_on_commit_callbacks):
    from contracts.services import contract_expiring_mark

    contract_expiring_mark(contract=world["due"], actor=None)
    assert not RenewalReview.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert renewals_daily_run()["opened"] == 1
    assert RenewalReview.objects.get().contract == world["due"]


def test_the_staff_timeline_tells_the_review_in_order(world, django_capture_on_commit_callbacks):
    from contracts.timeline import contract_staff_timeline

    with django_capture_on_commit_callbacks(execute=True):
        renewals_daily_run()
    with translation.override("en"):
        timeline = contract_staff_timeline(contract=world["due"])
    assert [e.event for e in timeline] == ["expiring", "renewal_review_opened"]
    assert timeline[1].label == "Renewal proposal made" and timeline[1].actor_name == "System"
    assert timeline[1].details[0] == "Proposal: Do not renew."
    assert timeline[1].details[1].startswith("No performance data yet")
