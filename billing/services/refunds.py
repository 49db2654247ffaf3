"""Deposit refunds at contract end: paid − deducted − refunded − frozen, due within the refund period in PRC working
days (BillingSettings.refund_working_days, default 30, on portal.calendar), without interest. Paid back by a Stripe
refund of the original card payment when there is one, otherwise by bank transfer to the merchant's account."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from contracts.models import Contract
from portal.calendar import add_working_days
from portal.workflow import row_lock, transition_check

from ..models import BankAccount, BillingSettings, DepositAccount, Payment, PaymentStatus, Refund
from .deposits import deposit_account_for
from .ledger import balance_of

A = DepositAccount.Status


def refund_due_date(effective_on: dt.date, *, working_days: int | None = None) -> dt.date:
    """The last day to pay a deposit refund for a contract ending on `effective_on`: the n-th PRC working day
    after it (holidays and adjusted workdays [调休] from the calendar)."""
    days = BillingSettings.load().refund_working_days if working_days is None else working_days
    start = timezone.make_aware(dt.datetime.combine(effective_on, dt.time(12)))
    return timezone.localdate(add_working_days(start, days))


def _original_card_payment(account: DepositAccount) -> Payment | None:
    return (Payment.objects.filter(account=account, provider="stripe", status=PaymentStatus.SUCCEEDED)
            .exclude(stripe_payment_intent_id=None).order_by("id").first())


@transaction.atomic
def deposit_refund_due(*, contract: Contract, effective_on: dt.date, actor: Any | None = None) -> Refund | None:
    """The contract ended (contracts' `contract_terminated`): record the refund due, once per contract. The amount
    is fixed when the refund is sent (deductions and freezes may still change it until then); this row carries
    what is available today. None when the deposit holds nothing."""
    existing = Refund.objects.filter(contract=contract, reason=Refund.Reason.DEPOSIT).first()
    if existing is not None:
        return existing
    account = row_lock(deposit_account_for(contract.merchant, currency=contract.currency))
    if account.contract_id not in (None, contract.pk):
        return None  # an older contract of the merchant: the account now holds a newer one's deposit
    available = balance_of(account).available
    if account.status not in (A.REFUND_DUE, A.CLOSED):
        transition_check(account, target=A.REFUND_DUE if available > 0 else A.CLOSED).finish(
            actor=actor, action="billing.deposit.refund_due" if available > 0 else "billing.deposit.closed",
            data={"contract": contract.number, "available": available})
    if available <= 0:
        return None
    card = _original_card_payment(account)
    bank = BankAccount.objects.filter(merchant=contract.merchant, is_default=True).order_by("-id").first()
    return Refund.objects.create(
        merchant=contract.merchant, reason=Refund.Reason.DEPOSIT, provider="stripe" if card else "bank_transfer",
        account=account, payment=card, contract=contract, bank_account=bank, amount=available,
        currency=account.currency, due_on=refund_due_date(effective_on))
