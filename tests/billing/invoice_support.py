"""Builders for the invoice tests: a signed contract with the fee terms a test needs, prices in the list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from billing.models import FeePrice
from contracts.models import Contract, ContractStatus
from portal.models import CooperationMode
from tests.factories.contracts import draft_contract


def fee_contract(*, merchant, technical_service_fee: Decimal = Decimal("0"), franchise_fee: Decimal | None = None,
                 mode: str = CooperationMode.PLATFORM, launch_offer: bool = False, kind: str = "contract",
                 countersigned_at: dt.datetime | None = None, parent=None) -> Contract:
    """A contract in status "signed" with these fee terms (set while it is a draft; its terms freeze after)."""
    contract = draft_contract(merchant=merchant, mode=mode)
    Contract.objects.filter(pk=contract.pk).update(technical_service_fee=technical_service_fee,
                                                   franchise_fee=franchise_fee, kind=kind, parent=parent)
    Contract.objects.filter(pk=contract.pk).update(
        status=ContractStatus.SIGNED, starts_on=dt.date(2026, 3, 2), ends_on=dt.date(2029, 3, 1),
        launch_offer=launch_offer, countersigned_at=countersigned_at or timezone.now())
    contract.refresh_from_db()
    return contract


def price(fee_type: str, amount: str, *, effective_from: dt.date = dt.date(2025, 1, 1)) -> FeePrice:
    return FeePrice.objects.create(fee_type=fee_type, amount=Decimal(amount), currency="CNY",
                                   effective_from=effective_from)
