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
"""

from __future__ import annotations

from django.dispatch import Signal

contract_countersigned = Signal()
contract_terminated = Signal()
