"""Invoices issued at the same moment on PostgreSQL: numbers without a gap and never twice, one invoice per
source. SQLite serialises writers and ignores `select_for_update`, so it cannot show a race."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone, translation

from billing.models import FeeType, Invoice
from billing.services.invoices import InvoiceLineSpec, credit_note_issue, invoice_issue_for
from portal.exceptions import ApplicationError
from tests.factories.onboarding import MerchantFactory
from tests.onboarding.test_concurrency import race

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _issue(merchant, amount="100.00", **kwargs):
    return invoice_issue_for(merchant=merchant, currency="CNY",
                             lines=[InvoiceLineSpec(FeeType.OTHER, "服务费", unit_price=Decimal(amount))], **kwargs)


def test_invoices_issued_at_once_get_consecutive_numbers_without_gap_or_duplicate():
    merchants = [MerchantFactory() for _n in range(8)]
    results = race(*[lambda m=m: _issue(m) for m in merchants])
    assert all(isinstance(r, Invoice) for r in results), results
    year = timezone.localdate().year
    assert sorted(r.sequence for r in results) == list(range(1, 9))
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [f"INV-{year}-{n:06d}" for n in range(1, 9)]


def test_a_rolled_back_issue_gives_its_number_back_while_others_issue():
    merchant = MerchantFactory()

    def failing():
        from django.db import transaction

        with transaction.atomic():
            _issue(merchant)
            raise RuntimeError("the caller's transaction fails after issuing")

    results = race(failing, *[lambda: _issue(merchant)] * 4)
    assert isinstance(results[0], RuntimeError)
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == [1, 2, 3, 4]


def test_the_same_source_issued_at_once_bills_once():
    merchant = MerchantFactory()
    results = race(*[lambda: _issue(merchant, source_key="deduction:42")] * 4)
    assert all(isinstance(r, Invoice) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Invoice.objects.count() == 1 and Invoice.objects.get().sequence == 1


def test_credit_notes_at_once_never_credit_more_than_the_invoice():
    invoice = _issue(MerchantFactory(), amount="1000.00")
    results = race(*[lambda: credit_note_issue(invoice=invoice, amount=Decimal("400.00"), reason="折让",
                                               actor=None)] * 3)
    assert sum(isinstance(r, Invoice) for r in results) == 2
    assert sum(isinstance(r, ApplicationError) for r in results) == 1, results
    assert sorted(Invoice.objects.filter(kind="credit_note").values_list("sequence", flat=True)) == [1, 2]
