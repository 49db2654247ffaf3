"""The domain events contracts announces to the packages that stand on it (billing). contracts never imports
them: it sends these signals and they react in their own services.

Both are sent with `transaction.on_commit`, once the transition's transaction has committed: a receiver never
sees a contract that rolls back, and may start its own transaction. A receiver that fails does not undo the
transition (it is already committed); it should record its own failure and retry. Receivers connect in their
AppConfig.ready() and must be idempotent (a re-sent event must not bill twice): key what they create on the
contract's id.

contract_countersigned(sender=Contract, contract_id: int, merchant_id: int, kind: str, parent_id: int | None,
                       deposit_amount: Decimal, currency: str, technical_service_fee: Decimal,
                       franchise_fee: Decimal | None, launch_offer: bool, starts_on: date, ends_on: date)
    The operator countersigned: the contract binds both sides (status "signed"). For a contract of kind
    "contract" or "renewal" the deposit and fees fall due; billing asks the merchant to pay them and, once the
    deposit is fully paid, calls `contracts.services.contract_activate(contract=…, actor=…)`, which makes the
    contract and the merchant active. For an "amendment" (kind) the original (`parent_id`) stays in force
    with the amended terms; billing compares the deposit and fees with the original's.

contract_terminated(sender=Contract, contract_id: int, merchant_id: int, side: str, reason: str,
                    effective_on: date, deposit_amount: Decimal, currency: str)
    Either side ended a binding contract (status "terminated"); it stops binding on `effective_on`. Billing
    computes the deposit refund (net of deductions and frozen disputes), due within
    `Contract.deposit_refund_working_days` PRC working days of `effective_on`.

One signal goes the other way, because contracts may not import billing: billing sends it and contracts listens.

deposit_paid(sender=<billing's model>, contract_id: int, paid_at: datetime)
    Sent by billing with `transaction.on_commit` once the deposit a countersigned contract asks for is paid in
    full (card confirmed by Stripe's webhook or read back, or a bank transfer confirmed by finance). contracts'
    receiver (`deposit_paid_received`, connected in ContractsConfig.ready()) makes the contract active through
    `contracts.services.contract_activate`, and with it the merchant. Sending it twice, or for a contract that is
    already active, changes nothing. A receiver error is logged and re-raised: billing keeps its record of the
    payment and may send the signal again.
"""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import Signal

logger = logging.getLogger(__name__)

contract_countersigned = Signal()
contract_terminated = Signal()
deposit_paid = Signal()


def deposit_paid_received(sender: Any, *, contract_id: int, paid_at: Any = None, **_kwargs: Any) -> None:
    """signed → active once billing says the deposit is paid (see `deposit_paid`)."""
    from .models import Contract
    from .services import contract_activate

    contract = Contract.objects.get(pk=contract_id)
    try:
        contract_activate(contract=contract, actor=None, now=paid_at)
    except Exception:
        logger.exception("deposit_paid: contract %s could not be activated", contract.number)
        raise
