"""The deposit's core: a countersigned contract asks for its deposit; a payment in full makes the contract and the
merchant active once; the ledger is append-only in PostgreSQL; balances are sums."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from billing.models import DepositAccount, LedgerEntry, Payment
from billing.services.deposits import deposit_due_for_contract, deposit_outstanding
from billing.services.ledger import balance_of, ledger_append
from billing.services.payments import deposit_payment_open, payment_succeeded
from contracts.models import ContractStatus
from portal.exceptions import ApplicationError
from portal.models import MerchantStatus
from tests.factories.billing import BillingWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return BillingWorld()


def test_a_signed_contract_asks_for_its_deposit_once(w):
    assert w.account.status == DepositAccount.Status.AWAITING
    assert w.account.required_amount == Decimal("60000.00")
    assert deposit_outstanding(w.account) == Decimal("60000.00")
    deposit_due_for_contract(contract=w.contract)  # the signal again
    assert w.account.requirements.count() == 1


def test_paying_in_full_makes_the_contract_and_merchant_active_once(w, django_capture_on_commit_callbacks):
    payment = deposit_payment_open(account=w.account, provider="bank_transfer", actor=w.owner)
    assert deposit_payment_open(account=w.account, provider="bank_transfer", actor=w.owner) == payment
    with django_capture_on_commit_callbacks(execute=True):
        payment_succeeded(payment=payment, actor=w.finance_staff)
        payment_succeeded(payment=payment, actor=w.finance_staff)  # a second report of the same success
    assert LedgerEntry.objects.filter(account=w.account).count() == 1
    w.account.refresh_from_db()
    assert w.account.status == DepositAccount.Status.HELD
    assert balance_of(w.account).balance == Decimal("60000.00")
    w.contract.refresh_from_db()
    w.merchant.refresh_from_db()
    assert w.contract.status == ContractStatus.ACTIVE
    assert w.merchant.status == MerchantStatus.ACTIVE
    assert Payment.objects.get(pk=payment.pk).status == "succeeded"


def test_a_deduction_or_refund_never_exceeds_what_is_available(w):
    ledger_append(account=w.account, kind="payment", amount=Decimal("1000"), currency="CNY")
    ledger_append(account=w.account, kind="freeze", amount=Decimal("300"), currency="CNY", hold_reference="dp_1")
    with pytest.raises(ApplicationError):
        ledger_append(account=w.account, kind="refund", amount=Decimal("700.01"), currency="CNY")
    ledger_append(account=w.account, kind="refund", amount=Decimal("700"), currency="CNY")
    balance = balance_of(w.account)
    assert (balance.balance, balance.frozen, balance.available) == (Decimal("300"), Decimal("300"), Decimal("0"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database refuses it on PostgreSQL")
def test_the_database_refuses_to_change_or_delete_a_ledger_entry(w):
    entry = ledger_append(account=w.account, kind="payment", amount=Decimal("10"), currency="CNY")
    for change in (lambda: LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("99")),
                   lambda: LedgerEntry.objects.filter(pk=entry.pk).delete()):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("10")


def test_a_deposit_refund_reserves_then_records_and_closes_the_account(w):
    import datetime as dt

    from billing.models import Refund
    from billing.services.refunds import deposit_refund_due, refund_failed, refund_pending, refund_succeeded

    payment_succeeded(payment=deposit_payment_open(account=w.account, provider="bank_transfer"), actor=w.finance2)
    refund = deposit_refund_due(contract=w.contract, effective_on=dt.date(2026, 9, 30))
    assert deposit_refund_due(contract=w.contract, effective_on=dt.date(2026, 9, 30)) == refund  # signal again
    assert (refund.amount, refund.provider) == (Decimal("60000.00"), "bank_transfer")
    refund_pending(refund=refund, actor=w.finance_staff)
    assert balance_of(w.account).available == 0  # reserved: nothing else can take it
    refund_failed(refund=refund, message="account closed")
    assert balance_of(w.account).available == Decimal("60000.00")
    refund_pending(refund=refund, actor=w.finance_staff)  # sent again
    refund_succeeded(refund=refund, actor=w.finance_staff)
    refund_succeeded(refund=refund, actor=w.finance_staff)
    balance = balance_of(w.account)
    assert (balance.balance, balance.frozen, balance.refunded) == (0, 0, Decimal("60000.00"))
    w.account.refresh_from_db()
    assert w.account.status == DepositAccount.Status.CLOSED
    assert Refund.objects.get(pk=refund.pk).status == "succeeded"
    assert LedgerEntry.objects.filter(account=w.account, kind="refund").count() == 1
