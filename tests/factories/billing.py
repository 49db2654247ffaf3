"""Builders for billing tests: a countersigned contract without the PDF work (its status is set directly; the
contract tests cover countersigning itself), and the deposit account it asks for."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from billing.models import DepositAccount
from contracts.models import Contract, ContractStatus
from tests.factories.contracts import ContractWorld, draft_contract


def signed_contract(*, merchant=None, deposit: Decimal = Decimal("60000.00"), actor=None,
                    starts_on: dt.date = dt.date(2026, 3, 2), term_months: int = 36, **kwargs) -> Contract:
    """A contract in status "signed" whose deposit billing has made due (as `contract_countersigned` would)."""
    from billing.services.deposits import deposit_due_for_contract
    from portal.models import Merchant, MerchantStatus

    contract = draft_contract(merchant=merchant, deposit=deposit, actor=actor, **kwargs)
    # approval made the merchant "onboarding" (the application tests cover that move)
    Merchant.objects.filter(pk=contract.merchant_id, status=MerchantStatus.APPLICANT).update(
        status=MerchantStatus.ONBOARDING)
    ends_on = dt.date(starts_on.year + term_months // 12, starts_on.month, starts_on.day) - dt.timedelta(days=1)
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.SIGNED, starts_on=starts_on, ends_on=ends_on)
    contract.refresh_from_db()
    deposit_due_for_contract(contract=contract)
    return contract


def deposit_account(contract: Contract) -> DepositAccount:
    return DepositAccount.objects.get(merchant_id=contract.merchant_id)


class BillingWorld(ContractWorld):
    """ContractWorld (staff of every role, a merchant with each member role, another merchant) plus a second finance
    user, management for four-eyes, and a signed contract of the merchant with its deposit due."""

    def __init__(self, *, deposit: Decimal = Decimal("60000.00")):
        super().__init__()
        from portal.roles import Role
        from tests.factories.onboarding import staff_user

        self.finance2 = staff_user(Role.FINANCE, first_name="Zhao", last_name="Finance")
        self.contract = signed_contract(merchant=self.merchant, deposit=deposit, actor=self.lead)
        self.account = deposit_account(self.contract)
