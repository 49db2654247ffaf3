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
