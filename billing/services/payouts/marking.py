"""Finance records what the bank did with a payout file (BUSINESS_RULES §9 step 5).

- `payout_mark_paid`: one payout in a file was paid; the bank's reference and the day it was paid are kept, its
  statement becomes paid, and the run is closed once every payout of it is paid;
- `payout_file_mark_paid`: every payout of a file still awaiting the bank at once, with the bank's batch reference
  (set-based: one update of the payouts, one of their statements, one audit entry for the file);
- `payout_return`: the bank sent a payout back (a closed or wrong account); it goes into the next file, to the
  merchant's default account as it then stands.

Locks are taken in one order, the run's row and then its payouts' rows, so a payout marked paid while its file is
being marked paid waits for it rather than deadlocking.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, PermissionDenied
from portal.workflow import row_lock, transition_check, transition_run

from ...models import Payout, PayoutFile, PayoutStatus, SettlementRun, Statement, StatementStatus
from ..four_eyes import user_may_approve_money

P = PayoutStatus


def _check_actor(actor: Any) -> None:
    if not user_may_approve_money(actor):
        raise PermissionDenied(_("Only finance or management can record what the bank paid."))


def _bank_reference(value: str) -> str:
    reference = " ".join((value or "").split())
    if not reference:
        raise ValidationError({"bank_reference": [_("Enter the bank's reference of the payment.")]})
    if len(reference) > 100:
        raise ValidationError({"bank_reference": [_("The bank reference is at most 100 characters.")]})
    return reference


def _paid_on(value: dt.date | None, now: dt.datetime) -> dt.date:
    today = timezone.localdate(now)
    paid_on = value or today
    if paid_on > today:
        raise ValidationError({"paid_on": [_("The day it was paid cannot be in the future.")]})
    return paid_on


def _run_close_if_paid(run_id: int, actor: Any) -> SettlementRun:
    run = row_lock(SettlementRun(pk=run_id))
    if run.status == SettlementRun.Status.APPROVED and not Payout.objects.filter(run_id=run_id).exclude(
            status=P.PAID).exists():
        return transition_check(run, target=SettlementRun.Status.CLOSED).finish(
            actor=actor, action="billing.settlement_run.closed",
            data={"payouts": Payout.objects.filter(run_id=run_id).count()})
    return run


@transaction.atomic
def payout_mark_paid(*, payout: Payout, bank_reference: str, actor: Any, paid_on: dt.date | None = None,
                     now: dt.datetime | None = None) -> Payout:
    """The bank paid `payout` (it must be in a payout file). Idempotent for a paid payout."""
    _check_actor(actor)
    now = now or timezone.now()
    reference = _bank_reference(bank_reference)
    day = _paid_on(paid_on, now)
    # the run first, then the payout: the order every service of a run's payouts takes its locks in
    row_lock(SettlementRun(pk=payout.run_id))
    payout = row_lock(payout)
    move = transition_check(payout, target=P.PAID, refused_message=_(
        "The payout is “%(current)s”: only a payout in a payout file can be marked paid."))
    if move.done:
        return payout
    payout = move.finish(actor=actor, action="billing.payout.paid",
                         fields={"bank_reference": reference, "paid_on": day, "paid_at": now, "paid_by": actor},
                         data={"amount": payout.amount, "currency": payout.currency, "bank_reference": reference,
                               "paid_on": day, "file": payout.last_file_id})
    transition_run(instance=Statement(pk=payout.statement_id), target=StatementStatus.PAID, actor=actor,
                   action="billing.statement.paid", data={"payout": payout.reference, "bank_reference": reference})
    _run_close_if_paid(payout.run_id, actor)
    return payout


@transaction.atomic
def payout_file_mark_paid(*, payout_file: PayoutFile, bank_reference: str, actor: Any,
                          paid_on: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Every payout of `payout_file` still awaiting the bank was paid under one bank (batch) reference. Returns
    how many were marked; payouts returned or already paid are left as they are."""
    _check_actor(actor)
    now = now or timezone.now()
    reference = _bank_reference(bank_reference)
    day = _paid_on(paid_on, now)
    row_lock(SettlementRun(pk=payout_file.run_id))
    awaiting = Payout.objects.filter(last_file=payout_file, status=P.IN_FILE)
    ids = list(awaiting.select_for_update().values_list("pk", flat=True))
    if not ids:
        raise ApplicationError(_("No payout of %(file)s is awaiting the bank.") % {"file": payout_file.reference})
    Payout.objects.filter(pk__in=ids).update(status=P.PAID, bank_reference=reference, paid_on=day, paid_at=now,
                                             paid_by=actor, updated_at=now)
    statements = Statement.objects.filter(payout__in=ids, status=StatementStatus.APPROVED).update(
        status=StatementStatus.PAID, updated_at=now)
    audit_entry_create(actor=actor, action="billing.payout_file.paid", target=payout_file,
                       data={"payouts": len(ids), "statements": statements, "bank_reference": reference,
                             "paid_on": day})
    _run_close_if_paid(payout_file.run_id, actor)
    return len(ids)


@transaction.atomic
def payout_return(*, payout: Payout, reason: str, actor: Any) -> Payout:
    """The bank returned `payout`; it is sent again with the next file."""
    _check_actor(actor)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("Say why the bank returned the payout.")]})
    payout = row_lock(payout)
    move = transition_check(payout, target=P.RETURNED, refused_message=_(
        "The payout is “%(current)s”: only a payout in a payout file awaiting the bank can be returned."))
    if move.done:
        return payout
    return move.finish(actor=actor, action="billing.payout.returned", fields={"returned_reason": reason[:300]},
                       data={"reason": reason[:300], "file": payout.last_file_id})
