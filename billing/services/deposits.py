"""The deposit account's lifecycle: what is required, when it is held in full, when a top-up is due.

awaiting → held (paid in full: the contract becomes active through contracts' `deposit_paid` signal)
held → shortfall (a deduction or a higher requirement: a top-up request) → held (topped up)
any binding state → refund_due (the contract ended) → closed (refunded)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from contracts.models import Contract, ContractKind, ContractStatus
from contracts.signals import deposit_paid
from portal.models import Merchant
from portal.money import round_money
from portal.workflow import row_lock, transition_check

from ..models import BillingSettings, DepositAccount, DepositRequirement, DepositSchedule, TopUpRequest
from .ledger import balance_of

A = DepositAccount.Status
ZERO = Decimal("0")


def deposit_account_for(merchant: Merchant, *, currency: str | None = None) -> DepositAccount:
    account, _created = DepositAccount.objects.get_or_create(
        merchant=merchant, defaults={"currency": (currency or BillingSettings.load().currency).upper()})
    return account


def deposit_schedule_amount(*, risk_class: str, grade: str, on: dt.date) -> tuple[DepositSchedule, Decimal] | None:
    """The amount the approved deposit table in force on `on` gives for a risk class and grade (None when no
    table or no row)."""
    schedule = (DepositSchedule.objects.filter(approved_at__isnull=False, effective_from__lte=on)
                .order_by("-effective_from", "-id").first())
    if schedule is None:
        return None
    row = schedule.rows.filter(risk_class=risk_class, grade=grade).first()
    return (schedule, row.amount) if row else None


def deposit_outstanding(account: DepositAccount) -> Decimal:
    """What the merchant still has to pay to hold the required deposit (0 when held in full)."""
    return max(round_money(account.required_amount - balance_of(account).balance, account.currency), ZERO)


def _requirement_set(account: DepositAccount, *, amount: Decimal, source: str, contract: Contract | None = None,
                     schedule: DepositSchedule | None = None, grade: str = "") -> DepositRequirement | None:
    amount = round_money(amount, account.currency)
    created = DepositRequirement.objects.filter(account=account, contract=contract, source=source).first() \
        if source == DepositRequirement.Source.CONTRACT else None
    if created is not None:
        return None  # the signal came again
    requirement = DepositRequirement.objects.create(account=account, amount=amount, currency=account.currency,
                                                    source=source, contract=contract, schedule=schedule, grade=grade)
    account.required_amount = amount
    fields = ["required_amount", "updated_at"]
    if contract is not None and source == "contract" and contract.kind != ContractKind.AMENDMENT:
        # an amendment changes the amount; the account still holds the deposit of the contract it amends
        account.contract = contract
        fields.append("contract")
    account.save(update_fields=fields)
    return requirement


@transaction.atomic
def deposit_due_for_contract(*, contract: Contract, actor: Any | None = None) -> DepositAccount:
    """A countersigned contract asks for its deposit (contracts' `contract_countersigned`). Idempotent: the
    requirement is recorded once per contract. A deposit already held (a renewal, an amendment that does not
    raise it) activates the contract at once; a higher one asks for a top-up."""
    account = row_lock(deposit_account_for(contract.merchant, currency=contract.currency))
    if account.currency != contract.currency.upper():
        raise ValueError(f"deposit account in {account.currency}, contract {contract.number} in {contract.currency}")
    before = account.required_amount
    requirement = _requirement_set(account, amount=contract.deposit_amount, source=DepositRequirement.Source.CONTRACT,
                                   contract=contract, grade=contract.grade)
    if requirement is None:
        return account
    if account.status in (A.REFUND_DUE, A.CLOSED):
        # a new contract after an ended one: the account starts again
        transition_check(account, target=A.AWAITING).finish(
            actor=actor, action="billing.deposit.reopened", data={"contract": contract.number})
    deposit_account_sync(account=account, actor=actor, previous_required=before)
    return account


def deposit_account_sync(*, account: DepositAccount, actor: Any | None = None,
                         previous_required: Decimal | None = None, now: dt.datetime | None = None) -> DepositAccount:
    """After a payment, deduction or requirement change: move the account to what its ledger says, under the
    caller's lock. Held in full from awaiting → `deposit_paid` for the account's contract after commit."""
    now = now or timezone.now()
    balance = balance_of(account).balance
    held = balance >= account.required_amount
    if account.status == A.AWAITING and held and account.required_amount > 0:
        transition_check(account, target=A.HELD).finish(
            actor=actor, action="billing.deposit.held",
            data={"balance": balance, "required": account.required_amount})
        _deposit_paid_send(account, now)
    elif account.status == A.SHORTFALL and held:
        transition_check(account, target=A.HELD).finish(
            actor=actor, action="billing.deposit.topped_up",
            data={"balance": balance, "required": account.required_amount})
        TopUpRequest.objects.filter(account=account, status__in=[TopUpRequest.Status.OPEN,
                                                                 TopUpRequest.Status.OVERDUE]).update(
            status=TopUpRequest.Status.PAID, closed_at=now)
        _deposit_paid_send(account, now)  # a signed renewal waiting for the deposit becomes active too
    elif account.status == A.HELD and not held:
        top_up_request_open(account=account, reason=TopUpRequest.Reason.REQUIREMENT, actor=actor, now=now)
    elif account.status == A.HELD and held and previous_required is not None:
        _deposit_paid_send(account, now)  # a renewal or amendment whose deposit is already held
    return account


def top_up_request_open(*, account: DepositAccount, reason: str, actor: Any | None = None, deduction=None,
                        now: dt.datetime | None = None) -> TopUpRequest | None:
    """Ask for the shortfall within the top-up period (default 15 days); the account becomes `shortfall`.
    Under the caller's lock on the account. None when nothing is short."""
    now = now or timezone.now()
    short = deposit_outstanding(account)
    if short <= 0:
        return None
    days = BillingSettings.load().top_up_days
    request = TopUpRequest.objects.create(account=account, amount=short, currency=account.currency, reason=reason,
                                          deduction=deduction, due_on=timezone.localdate(now) + dt.timedelta(days=days))
    if account.status == A.HELD:
        transition_check(account, target=A.SHORTFALL).finish(
            actor=actor, action="billing.deposit.shortfall",
            data={"top_up": request.pk, "amount": short, "due_on": request.due_on})
    return request


def _deposit_paid_send(account: DepositAccount, now: dt.datetime) -> None:
    """Tell contracts, after commit, that the deposit of every signed contract of the merchant is held."""
    contract_ids = list(Contract.objects.filter(merchant_id=account.merchant_id, status=ContractStatus.SIGNED)
                        .exclude(kind=ContractKind.AMENDMENT).values_list("pk", flat=True))
    for contract_id in contract_ids:
        transaction.on_commit(lambda cid=contract_id: deposit_paid.send(sender=DepositAccount, contract_id=cid,
                                                                        paid_at=now))
