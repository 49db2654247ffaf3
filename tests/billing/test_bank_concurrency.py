"""On PostgreSQL, with real transactions: two finance users confirming the same transfer at the same moment book
it once, and the same bank transaction recorded twice at once is recorded once."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from billing.models import LedgerEntry, Payment
from billing.services.bank_transfers import bank_transfer_confirm, bank_transfer_record
from billing.services.payments import deposit_payment_open
from portal.exceptions import ApplicationError
from tests.factories.billing import BillingWorld
from tests.factories.onboarding import staff_user

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")]


def at_once(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001  (collected for the assertions)
            results[index] = error
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_confirmations_at_once_book_the_money_once():
    from portal.roles import Role

    w = BillingWorld()
    finance3 = staff_user(Role.FINANCE)
    payment = deposit_payment_open(account=w.account, provider="bank_transfer", actor=w.owner)
    bank_transfer_record(actor=w.finance_staff, payment=payment, amount=Decimal("60000"),
                         received_on=timezone.localdate(), bank_reference="B-1", payer_name="x")
    results = at_once(lambda: bank_transfer_confirm(payment=payment, actor=w.finance2),
                      lambda: bank_transfer_confirm(payment=payment, actor=finance3))
    assert all(isinstance(r, Payment) and r.status == "succeeded" for r in results), results
    assert LedgerEntry.objects.filter(payment=payment).count() == 1


def test_one_bank_transaction_recorded_twice_at_once_is_recorded_once():
    w = BillingWorld(deposit=Decimal("20000.00"))
    other = BillingWorld(deposit=Decimal("20000.00"))
    first = deposit_payment_open(account=w.account, provider="bank_transfer", actor=w.owner)
    second = deposit_payment_open(account=other.account, provider="bank_transfer", actor=other.owner)

    def record(payment, actor):
        return lambda: bank_transfer_record(actor=actor, payment=payment, amount=Decimal("20000"),
                                            received_on=timezone.localdate(), bank_reference="SAME-1",
                                            payer_name="x")

    results = at_once(record(first, w.finance_staff), record(second, other.finance_staff))
    assert sum(isinstance(r, Payment) for r in results) == 1
    assert sum(isinstance(r, ApplicationError) for r in results) == 1
    assert Payment.objects.filter(bank_reference="SAME-1").count() == 1
