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


class DepositRequirementNotFollowed(Exception):
    """The deposit requirement of these merchants could not follow their new grade (each is logged)."""

    def __init__(self, merchant_ids: list[int]) -> None:
        super().__init__(f"deposit requirement not applied for merchants {merchant_ids}")
        self.merchant_ids = merchant_ids


def merchant_grades_changed_received(sender: Any, *, changes: list[dict], **kwargs: Any) -> None:
    """The deposit requirement follows each new grade (portal/merchants/signals.py): a higher one at once with a
    top-up request, a lower one at the quarterly review. The merchants' deposit accounts are read in one query; a
    merchant without one has nothing to follow. A merchant whose requirement cannot follow is logged and the others
    still follow; the next grade change or the quarterly review applies the table to it."""
    from .models import DepositAccount
    from .services.deposit_tables import deposit_requirement_apply

    to_grade = {change["merchant_id"]: change["to"] for change in changes}
    failed = []
    for account in DepositAccount.objects.filter(merchant_id__in=list(to_grade)).order_by("merchant_id"):
        try:
            deposit_requirement_apply(account=account, actor=None)
        except Exception:
            logger.exception("merchant_grades_changed: the deposit requirement of merchant %s could not follow "
                             "grade %s", account.merchant_id, to_grade[account.merchant_id])
            failed.append(account.merchant_id)
    if failed:
        raise DepositRequirementNotFollowed(failed)
