"""The demo billing: loaded by `load_demo` after the contracts demo, through the services, once."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from billing.models import DepositAccount, Invoice, LedgerEntry, Payment
from billing.services.ledger import balance_of
from portal.models import User

pytestmark = pytest.mark.django_db


def test_demo_deposits_payments_deduction_top_up_and_a_transfer_to_confirm():
    call_command("load_demo", stdout=StringIO())
    yunfan = DepositAccount.objects.get(merchant__name="上海云帆宠物用品有限公司")
    kinds = list(LedgerEntry.objects.filter(account=yunfan).order_by("id").values_list("kind", flat=True))
    assert kinds == ["payment", "deduction", "top_up"]
    assert yunfan.status == DepositAccount.Status.HELD
    assert balance_of(yunfan).balance == yunfan.required_amount > 0
    deposit, top_up = Payment.objects.filter(account=yunfan).order_by("id")
    assert (deposit.status, top_up.status, top_up.purpose) == ("succeeded", "succeeded", "top_up")
    # four-eyes above the threshold: recorded by one finance user, confirmed by the other; the top-up (below it)
    # is booked as recorded
    assert deposit.recorded_by_id != deposit.confirmed_by_id

    herun = DepositAccount.objects.get(merchant__name="北京禾润食品有限公司")
    pending = Payment.objects.get(account=herun)
    assert (pending.provider, pending.status, pending.amount) == ("bank_transfer", "created", herun.required_amount)
    assert User.objects.filter(email="finance2@demo.local", groups__name="finance").exists()
    assert Invoice.objects.filter(merchant=yunfan.merchant).exists()

    counts = (LedgerEntry.objects.count(), Payment.objects.count(), User.objects.count(), Invoice.objects.count())
    call_command("load_demo", stdout=StringIO())
    assert (LedgerEntry.objects.count(), Payment.objects.count(), User.objects.count(),
            Invoice.objects.count()) == counts
    assert Decimal(balance_of(herun).balance) == 0
