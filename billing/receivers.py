"""billing's reactions to contracts' signals (contracts/signals.py). Each is idempotent: keyed on the contract."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def contract_countersigned_received(sender: Any, *, contract_id: int, kind: str, **kwargs: Any) -> None:
    """The deposit (and the contract's fees) fall due."""
    from contracts.models import Contract

    from .services.deposits import deposit_due_for_contract
    from .services.fees import contract_fees_bill

    contract = Contract.objects.select_related("merchant").get(pk=contract_id)
    deposit_due_for_contract(contract=contract)
    contract_fees_bill(contract=contract)


def contract_terminated_received(sender: Any, *, contract_id: int, effective_on: Any, **kwargs: Any) -> None:
    """The deposit refund falls due within the refund period, net of deductions and frozen sums; a negative
    settlement balance the contract leaves behind is invoiced."""
    from contracts.models import Contract

    from .services.payouts import settlement_balances_invoice_for_contract
    from .services.refunds import deposit_refund_due

    contract = Contract.objects.select_related("merchant").get(pk=contract_id)
    deposit_refund_due(contract=contract, effective_on=effective_on)
    settlement_balances_invoice_for_contract(contract=contract)


def merchant_grade_changed_received(sender: Any, *, merchant_id: int, to_grade: str, as_of: Any = None,
                                    **kwargs: Any) -> None:
    """The deposit requirement follows the new grade (portal/merchants/signals.py): a higher one at once with a
    top-up request, a lower one at the quarterly review. A merchant without a deposit account has nothing to
    follow. An error is logged and re-raised; the next grade change or the quarterly review applies the table."""
    from .models import DepositAccount
    from .services.deposit_tables import deposit_requirement_apply

    account = DepositAccount.objects.filter(merchant_id=merchant_id).first()
    if account is None:
        return
    try:
        deposit_requirement_apply(account=account, actor=None)
    except Exception:
        logger.exception("merchant_grade_changed: the deposit requirement of merchant %s could not follow grade %s",
                         merchant_id, to_grade)
        raise
