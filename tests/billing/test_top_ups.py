"""Top-ups after a deduction: reminders on the configured days before the deadline (each once), overdue the day after
with a suspension review and an email to finance and the recruitment leads; overdue refunds alert finance once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from billing.models import BillingSettings, Refund, TopUpRequest
from billing.services.deductions import deduction_approve, deduction_propose
from billing.services.deposit_daily import (
    refunds_overdue_alert_run,
    reminder_days,
    top_up_overdue_run,
    top_up_reminders_run,
)
from portal.models import AuditEntry
from tests.billing.deposit_world import DepositWorld, evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return DepositWorld()


@pytest.fixture
def top_up(w):
    deduction = deduction_propose(account=w.account, breach="counterfeit", reference="CMP-1", description="x",
                                  evidence=evidence(), amount="5000", actor=w.finance_staff)
    deduction_approve(deduction=deduction, actor=w.finance2)
    mail.outbox.clear()
    return TopUpRequest.objects.get(account=w.account)


def run_on(top_up, days_left, capture):
    with capture(execute=True):
        return top_up_reminders_run(today=top_up.due_on - dt.timedelta(days=days_left))


def test_reminder_days_are_read_leniently():
    assert reminder_days("7,3,1") == [7, 3, 1]
    assert reminder_days(" 1， 3 ,x,,0,7,7") == [7, 3, 1]
    assert reminder_days("") == []


def test_each_reminder_goes_out_once_on_its_day(w, top_up, django_capture_on_commit_callbacks):
    sent = [run_on(top_up, left, django_capture_on_commit_callbacks) for left in (8, 7, 7, 5, 3, 2, 1, 1, 0)]
    assert sent == [0, 1, 0, 0, 1, 0, 1, 0, 0]
    top_up.refresh_from_db()
    assert top_up.reminders_sent == [7, 3, 1]
    # to the merchant's payers, three reminders each
    assert len(mail.outbox) == 3 * 3
    assert {address for m in mail.outbox for address in m.to} == {w.owner.email, w.member_admin.email,
                                                                  w.finance.email}
    assert "¥5,000.00" in mail.outbox[0].body


def test_a_missed_day_is_caught_up_by_one_reminder_not_a_burst(w, top_up, django_capture_on_commit_callbacks):
    assert run_on(top_up, 2, django_capture_on_commit_callbacks) == 1
    top_up.refresh_from_db()
    assert top_up.reminders_sent == [7, 3]
    assert len(mail.outbox) == 3  # one email per payer


def test_the_reminder_days_are_a_setting(w, top_up, django_capture_on_commit_callbacks):
    settings = BillingSettings.load()
    settings.top_up_reminder_days = "10"
    settings.save()
    assert run_on(top_up, 10, django_capture_on_commit_callbacks) == 1
    assert run_on(top_up, 7, django_capture_on_commit_callbacks) == 0


def test_a_paid_top_up_is_not_reminded(w, top_up, django_capture_on_commit_callbacks):
    TopUpRequest.objects.filter(pk=top_up.pk).update(status="paid")
    assert run_on(top_up, 7, django_capture_on_commit_callbacks) == 0


def test_the_day_after_the_deadline_the_top_up_is_overdue_and_a_suspension_review_opens(
        w, top_up, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert top_up_overdue_run(today=top_up.due_on) == 0  # the deadline day itself is still in time
        assert top_up_overdue_run(today=top_up.due_on + dt.timedelta(days=1)) == 1
        assert top_up_overdue_run(today=top_up.due_on + dt.timedelta(days=2)) == 0
    top_up.refresh_from_db()
    assert top_up.status == "overdue"
    review = AuditEntry.objects.get(action="billing.deposit.suspension_review_opened")
    assert review.target_id == str(w.account.pk) and review.data["top_up"] == top_up.pk
    recipients = {address for m in mail.outbox for address in m.to}
    assert recipients == {w.finance_staff.email, w.finance2.email, w.lead.email, w.lead2.email}
    assert w.merchant.name in mail.outbox[0].subject


def test_an_overdue_top_up_paid_later_closes(w, top_up):
    from billing.services.payments import payment_create, payment_succeeded

    top_up_overdue_run(today=top_up.due_on + dt.timedelta(days=1))
    payment = payment_create(merchant=w.merchant, purpose="top_up", provider="bank_transfer",
                             amount=Decimal("5000.00"), currency="CNY", account=w.account, top_up=top_up)
    payment_succeeded(payment=payment, actor=w.finance2)
    top_up.refresh_from_db()
    w.account.refresh_from_db()
    assert (top_up.status, w.account.status) == ("paid", "held")


def test_an_overdue_refund_alerts_finance_once(w, django_capture_on_commit_callbacks):
    refund = Refund.objects.create(merchant=w.merchant, provider="bank_transfer", account=w.account,
                                   amount=Decimal("100.00"), currency="CNY", due_on=dt.date(2026, 11, 30))
    with django_capture_on_commit_callbacks(execute=True):
        assert refunds_overdue_alert_run(today=dt.date(2026, 11, 30)) == 0  # due today: not yet overdue
        assert refunds_overdue_alert_run(today=dt.date(2026, 12, 1)) == 1
        assert refunds_overdue_alert_run(today=dt.date(2026, 12, 2)) == 0
    refund.refresh_from_db()
    assert refund.overdue_alerted_at is not None
    assert {address for m in mail.outbox for address in m.to} == {w.finance_staff.email, w.finance2.email}
    assert f"R-{refund.pk}" in mail.outbox[0].subject


def test_a_refunded_refund_raises_no_alert(w):
    Refund.objects.create(merchant=w.merchant, provider="bank_transfer", account=w.account, amount=Decimal("1"),
                          currency="CNY", due_on=dt.date(2026, 11, 1), status="succeeded")
    assert refunds_overdue_alert_run(today=dt.date(2026, 12, 1)) == 0


def test_the_daily_task_runs_every_step():
    from billing.tasks import deposit_daily_task

    assert deposit_daily_task.delay().get() == {"top_up_reminders": 0, "top_ups_overdue": 0, "refunds_overdue": 0,
                                             "statement_uploads_removed": 0}
