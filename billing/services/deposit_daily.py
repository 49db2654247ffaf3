"""The deposit's daily run (Celery beat, `billing.tasks.deposit_daily_task`; operator guide §18):

- top-up reminders: on each of the days before the deadline in `BillingSettings.top_up_reminder_days` (7, 3, 1 by
  default) the merchant is reminded, each reminder once (a day the run missed is caught up by the next reminder,
  never sent as a burst);
- overdue top-ups: the day after the deadline the request becomes overdue, a suspension review is opened (an
  audit event on the merchant's deposit) and finance and the recruitment leads are emailed;
- overdue refunds: a deposit refund not paid back by its due date alerts finance, once.

Each step is idempotent: running it twice a day changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from portal.audit import audit_entry_create
from portal.money import format_money
from portal.roles import Role
from portal.workflow import row_lock, transition_check

from ..models import BillingSettings, Refund, RefundStatus, TopUpRequest
from .deposit_mail import deposit_mail_queue, merchant_payers, staff_with_roles

T = TopUpRequest.Status


def reminder_days(raw: str) -> list[int]:
    """"7,3,1" → [7, 3, 1]; blanks and non-numbers are ignored."""
    days = set()
    for part in (raw or "").replace("，", ",").split(","):
        part = part.strip()
        if part.isdigit() and int(part) > 0:
            days.add(int(part))
    return sorted(days, reverse=True)


def _first_path(*names: str, args: tuple = ()) -> str:
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return "/"


def _top_up_context(top_up: TopUpRequest) -> dict[str, Any]:
    return {"top_up": top_up, "merchant": top_up.account.merchant,
            "amount": format_money(top_up.amount, top_up.currency), "due_on": top_up.due_on,
            "days_left": max((top_up.due_on - timezone.localdate()).days, 0)}


def top_up_reminders_run(*, today: dt.date | None = None) -> int:
    """Remind the merchants of open top-up requests; returns how many reminders were queued."""
    today = today or timezone.localdate()
    days = reminder_days(BillingSettings.load().top_up_reminder_days)
    if not days:
        return 0
    queued = 0
    window_end = today + dt.timedelta(days=max(days))
    for top_up_id in (TopUpRequest.objects.filter(status=T.OPEN, due_on__gte=today, due_on__lte=window_end)
                      .values_list("pk", flat=True)):
        with transaction.atomic():
            top_up = row_lock(TopUpRequest(pk=top_up_id))
            if top_up.status != T.OPEN:
                continue
            left = (top_up.due_on - today).days
            due = [d for d in days if d >= left and d not in top_up.reminders_sent]
            if not due:
                continue
            top_up.reminders_sent = sorted({*top_up.reminders_sent, *due}, reverse=True)
            top_up.save(update_fields=["reminders_sent"])
            audit_entry_create(actor=None, action="billing.top_up.reminded", target=top_up,
                               data={"days_left": left, "reminder": min(due)})

            def build(pk=top_up_id):
                t = TopUpRequest.objects.select_related("account__merchant").get(pk=pk)
                return (merchant_payers(t.account.merchant_id), _top_up_context(t),
                        lambda user: _first_path("billing:overview", "portal:home"))

            deposit_mail_queue(event="top_up_reminder", build=build)
            queued += 1
    return queued


def top_up_overdue_run(*, today: dt.date | None = None) -> int:
    """Open requests past their deadline become overdue; a suspension review opens; staff are told."""
    today = today or timezone.localdate()
    moved = 0
    for top_up_id in TopUpRequest.objects.filter(status=T.OPEN, due_on__lt=today).values_list("pk", flat=True):
        with transaction.atomic():
            top_up = row_lock(TopUpRequest(pk=top_up_id), queryset=TopUpRequest.objects.select_related(
                "account__merchant"))
            if top_up.status != T.OPEN:
                continue
            transition_check(top_up, target=T.OVERDUE).finish(
                actor=None, action="billing.top_up.overdue", data={"due_on": top_up.due_on, "amount": top_up.amount})
            audit_entry_create(actor=None, action="billing.deposit.suspension_review_opened",
                               target=top_up.account,
                               data={"top_up": top_up.pk, "amount": top_up.amount, "due_on": top_up.due_on,
                                     "merchant": top_up.account.merchant_id})

            def build(pk=top_up_id):
                t = TopUpRequest.objects.select_related("account__merchant").get(pk=pk)
                return (staff_with_roles([Role.FINANCE, Role.LEAD]), _top_up_context(t),
                        lambda user: _staff_deposit_path(t))

            deposit_mail_queue(event="top_up_overdue", build=build)
            moved += 1
    return moved


def _staff_deposit_path(top_up: TopUpRequest) -> str:
    try:
        return reverse("billing_finance:deposit", args=[top_up.account_id])
    except NoReverseMatch:
        return _first_path("billing_deductions:index")


OPEN_REFUND = [RefundStatus.CREATED, RefundStatus.PENDING, RefundStatus.FAILED]


def refunds_overdue_alert_run(*, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Alert finance, once per refund, of every refund past its due date and not yet paid back."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    alerted = 0
    for refund_id in (Refund.objects.filter(status__in=OPEN_REFUND, due_on__lt=today, overdue_alerted_at=None)
                      .values_list("pk", flat=True)):
        with transaction.atomic():
            refund = row_lock(Refund(pk=refund_id))
            if refund.overdue_alerted_at is not None or refund.status not in OPEN_REFUND:
                continue
            refund.overdue_alerted_at = now
            refund.save(update_fields=["overdue_alerted_at", "updated_at"])
            audit_entry_create(actor=None, action="billing.refund.overdue_alerted", target=refund,
                               data={"due_on": refund.due_on, "status": refund.status, "amount": refund.amount})

            def build(pk=refund_id):
                r = Refund.objects.select_related("merchant").get(pk=pk)
                context = {"refund": r, "merchant": r.merchant, "amount": format_money(r.amount, r.currency),
                           "due_on": r.due_on, "status": r.get_status_display()}
                return (staff_with_roles([Role.FINANCE]), context,
                        lambda user: _first_path_args("billing_refunds:detail", r.pk))

            deposit_mail_queue(event="refund_overdue", build=build)
            alerted += 1
    return alerted


def _first_path_args(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return "/admin/"


def deposit_daily_run(*, today: dt.date | None = None) -> dict[str, int]:
    from .bank_statements import statement_uploads_abandoned_remove

    return {"top_up_reminders": top_up_reminders_run(today=today),
            "top_ups_overdue": top_up_overdue_run(today=today),
            "refunds_overdue": refunds_overdue_alert_run(today=today),
            "statement_uploads_removed": statement_uploads_abandoned_remove()}
