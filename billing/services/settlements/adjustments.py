"""Fees and deductions for the next statement (`SettlementAdjustment`; operator guide §23).

    settlement_adjustment_propose(...)  finance records the fee or deduction, its amount and why
    settlement_adjustment_approve(...)  a finance or management user who is not the maker approves it; the
                                        next run built puts it on the merchant's statement (once)
    settlement_adjustment_reject(...)   with nothing moved

No money moves here: the statement the adjustment lands on is where it counts. The four-eyes above the
threshold applies when finance approves the run with its adjustments (payouts).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError
from portal.models import Merchant
from portal.money import round_money
from portal.workflow import transition_begin

from ...models import BillingSettings, SettlementAdjustment
from ..four_eyes import approval_step

S = SettlementAdjustment.Status


@transaction.atomic
def settlement_adjustment_propose(*, merchant: Merchant, kind: str, amount: Any, description: str, actor: Any,
                                  reference: str = "", currency: str | None = None) -> SettlementAdjustment:
    if kind not in SettlementAdjustment.Kind.values:
        raise ApplicationError(_("Choose a fee or a deduction."))
    currency = currency or BillingSettings.load().currency
    try:
        value = round_money(Decimal(str(amount)), currency)
    except (InvalidOperation, ApplicationError, ValueError):
        raise ApplicationError(_("Enter the amount as a number, e.g. 5000.00.")) from None
    if value <= 0:
        raise ApplicationError(_("The amount must be more than zero."))
    description = (description or "").strip()
    if not description:
        raise ApplicationError(_("Say what the fee or deduction is for."))
    adjustment = SettlementAdjustment.objects.create(
        merchant=merchant, kind=kind, amount=value, currency=currency, description=description[:300],
        reference=(reference or "").strip()[:64], created_by=actor)
    audit_entry_create(actor=actor, action="billing.settlement_adjustment.proposed", target=adjustment, data={
        "merchant": merchant.pk, "kind": kind, "amount": value, "currency": currency})
    return adjustment


@transaction.atomic
def settlement_adjustment_approve(*, adjustment: SettlementAdjustment, actor: Any) -> SettlementAdjustment:
    move = transition_begin(instance=adjustment, target=S.APPROVED)
    if move.done:
        return move.obj
    obj = move.obj
    # one approval here (never the maker's); the run's approval adds the second above the threshold
    approval_step(actor=actor, maker_id=obj.created_by_id, first_approver_id=None, amount=obj.amount,
                  threshold=obj.amount, currency=obj.currency)
    return move.finish(actor=actor, action="billing.settlement_adjustment.approved",
                       fields={"decided_by": actor, "decided_at": timezone.now()})


@transaction.atomic
def settlement_adjustment_reject(*, adjustment: SettlementAdjustment, actor: Any) -> SettlementAdjustment:
    move = transition_begin(instance=adjustment, target=S.REJECTED)
    if move.done:
        return move.obj
    obj = move.obj
    approval_step(actor=actor, maker_id=obj.created_by_id, first_approver_id=None, amount=obj.amount,
                  threshold=obj.amount, currency=obj.currency)
    return move.finish(actor=actor, action="billing.settlement_adjustment.rejected",
                       fields={"decided_by": actor, "decided_at": timezone.now()})
