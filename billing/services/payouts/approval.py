"""Finance approves an issued settlement run (BUSINESS_RULES §9 step 3, §4.3).

What holds:
- only an issued run is approved, and only when none of its statements is still waiting for the merchant: each is
  confirmed, confirmed with disputed lines, or past its time to answer (silence confirms: it is confirmed here by
  `statements.statements_autoconfirm`, as the daily task would);
- whoever started the run never approves it; one approver (finance or management) suffices unless a statement's
  adjustments (subsidies, fees, deductions, released amounts, corrections of settled orders, counted without their
  sign) exceed `BillingSettings.settlement_approval_threshold`: then finance and management both approve, in either
  order (`four_eyes.approval_step`); the first approval changes nothing else;
- the final approval, in one transaction and set-based (one statement update, one insert of payouts, whatever the
  number of statements): the statements become approved, each with a net payable above zero gets its payout (due on
  the statement's payout date), a statement with nothing to pay is settled at once (paid, nothing due), and what
  merchants whose contract has ended still owe is invoiced. A run with no payout at all is closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Abs
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError
from portal.workflow import row_lock, transition_check

from ...models import BillingSettings, Payout, SettlementRun, Statement, StatementLine, StatementStatus
from ..four_eyes import FIRST, approval_step, approvals_needed

R = SettlementRun.Status
S = StatementStatus
K = StatementLine.Kind
ZERO = Decimal("0")
ADJUSTMENT_KINDS = (K.ORDER_CHANGE, K.SUBSIDY, K.FEE, K.DEDUCTION, K.RELEASED)
CONFIRMED_STATES = (S.CONFIRMED, S.DISPUTED)
BLOCKERS_SHOWN = 10


@dataclass(frozen=True)
class LargestAdjustment:
    statement_id: int | None
    statement_number: str
    amount: Decimal


@dataclass(frozen=True)
class ApprovalState:
    """What the run's page shows about approving it."""

    threshold: Decimal
    largest: LargestAdjustment
    approvals_needed: int
    first_approver: Any | None
    blockers: list[str]


def run_adjustments_largest(*, run: SettlementRun) -> LargestAdjustment:
    """The statement of `run` whose adjustments (Σ |amount| of its adjustment lines) are the largest: one grouped
    query."""
    row = (StatementLine.objects.filter(statement__run=run, kind__in=ADJUSTMENT_KINDS).order_by()
           .values("statement_id", "statement__number").annotate(total=Sum(Abs("amount")))
           .order_by("-total", "statement_id").first())
    if not row:
        return LargestAdjustment(statement_id=None, statement_number="", amount=ZERO)
    return LargestAdjustment(statement_id=row["statement_id"], statement_number=row["statement__number"],
                             amount=row["total"] or ZERO)


def _waiting(run: SettlementRun, now: dt.datetime):
    """The statements still waiting for the merchant: issued and within their time to answer (or never issued)."""
    return Statement.objects.filter(run=run).filter(
        Q(status=S.DRAFT) | Q(status=S.ISSUED, respond_by__gte=now) | Q(status=S.ISSUED, respond_by__isnull=True))


def settlement_run_approval_blockers(*, run: SettlementRun, now: dt.datetime | None = None) -> list[str]:
    """Why `run` cannot be approved now (empty when it can): its status, the statements still waiting."""
    now = now or timezone.now()
    if run.status != R.ISSUED:
        return [_("The run is “%(status)s”: only a run issued to merchants is approved.")
                % {"status": run.get_status_display()}]
    waiting = _waiting(run, now)
    count = waiting.count()
    if not count:
        return []
    numbers = list(waiting.order_by("respond_by", "id").values_list("number", "respond_by")[:BLOCKERS_SHOWN])
    blockers = [ngettext("%(count)s statement is still waiting for the merchant's answer.",
                         "%(count)s statements are still waiting for the merchants' answers.", count)
                % {"count": count}]
    for number, respond_by in numbers:
        if respond_by:
            blockers.append(_("%(number)s: the merchant may answer until %(when)s.")
                            % {"number": number,
                               "when": timezone.localtime(respond_by).strftime("%Y-%m-%d %H:%M")})
        else:
            blockers.append(_("%(number)s has not been issued.") % {"number": number})
    return blockers


def settlement_run_approval_state(*, run: SettlementRun, now: dt.datetime | None = None) -> ApprovalState:
    threshold = BillingSettings.load().settlement_approval_threshold
    largest = run_adjustments_largest(run=run)
    first = run.approved_by if run.status == R.ISSUED and run.approved_by_id else None
    return ApprovalState(threshold=threshold, largest=largest,
                         approvals_needed=approvals_needed(largest.amount, threshold), first_approver=first,
                         blockers=settlement_run_approval_blockers(run=run, now=now))


def _payouts_create(run: SettlementRun) -> int:
    """One payout per approved statement with a net payable above zero (set-based)."""
    rows = (Statement.objects.filter(run=run, status=S.APPROVED, net_payable__gt=0)
            .values_list("pk", "merchant_id", "number", "net_payable", "currency", "payout_due_on"))
    payouts = [Payout(run=run, statement_id=pk, merchant_id=merchant_id, reference=f"PO-{number}"[:50],
                      amount=amount, currency=currency, due_on=due_on)
               for pk, merchant_id, number, amount, currency, due_on in rows.iterator(chunk_size=5000)]
    Payout.objects.bulk_create(payouts, batch_size=2000)
    return len(payouts)


@transaction.atomic
def settlement_run_approve(*, run: SettlementRun, actor: Any, note: str = "",
                           now: dt.datetime | None = None) -> SettlementRun:
    """Approve `run` (see the module). Idempotent for an approved or closed run. Raises PermissionDenied for the one
    who started it, for a second approval from the same side, for anyone neither finance nor management;
    ApplicationError listing what still waits; InvalidTransition for a run not issued."""
    from ..statements import statements_autoconfirm
    from .balances import settlement_balances_invoice_for_run

    now = now or timezone.now()
    note = (note or "").strip()[:500]
    run = row_lock(run)
    if run.status in (R.APPROVED, R.CLOSED):
        return run
    move = transition_check(run, target=R.APPROVED)
    threshold = BillingSettings.load().settlement_approval_threshold
    largest = run_adjustments_largest(run=run)
    step = approval_step(actor=actor, maker_id=run.created_by_id, first_approver_id=run.approved_by_id,
                         amount=largest.amount, threshold=threshold, currency=run.currency)
    blockers = settlement_run_approval_blockers(run=run, now=now)
    if blockers:
        raise ApplicationError(_("The run cannot be approved yet."), extra={"blockers": blockers})
    if step == FIRST:
        run.approved_by = actor
        run.save(update_fields=["approved_by", "updated_at"])
        audit_entry_create(actor=actor, action="billing.settlement_run.first_approved", target=run,
                           data={"amount": largest.amount, "statement": largest.statement_number,
                                 "threshold": threshold, "currency": run.currency, "note": note})
        return run
    # silence is confirmation: what the daily task would confirm, confirmed now
    silent = statements_autoconfirm(now=now)
    approved = Statement.objects.filter(run=run, status__in=CONFIRMED_STATES).update(
        status=S.APPROVED, approved_at=now, updated_at=now)
    payouts = _payouts_create(run)
    # nothing to pay out (a zero balance, or a negative one carried forward): settled as approved
    nothing_due = Statement.objects.filter(run=run, status=S.APPROVED, net_payable__lte=0).update(
        status=S.PAID, updated_at=now)
    second = run.approved_by_id is not None and approvals_needed(largest.amount, threshold) == 2
    fields = {"approved_at": now, **({"second_approved_by": actor} if second else {"approved_by": actor})}
    run = move.finish(actor=actor, action="billing.settlement_run.approved", fields=fields,
                      data={"statements": approved, "confirmed_by_silence": silent, "payouts": payouts,
                            "nothing_due": nothing_due, "largest_adjustment": largest.amount,
                            "threshold": threshold, "note": note})
    invoices = settlement_balances_invoice_for_run(run=run, actor=actor)
    if invoices:
        audit_entry_create(actor=actor, action="billing.settlement_run.balances_invoiced", target=run,
                           data={"invoices": [invoice.number for invoice in invoices]})
    if not payouts:
        run = transition_check(run, target=R.CLOSED).finish(actor=actor, action="billing.settlement_run.closed",
                                                             data={"payouts": 0})
    return run
