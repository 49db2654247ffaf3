"""The statement import's preview costs the same number of queries for 3 rows as for 15 (deposit and invoice
payments, partial receipts awaiting confirmation, credit notes), and an upload whose preview was left is removed by
the daily run, not only by the next upload."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from billing.models import FeeType, Invoice
from billing.models._storage import private_storage
from billing.services.bank_statements import PENDING_UPLOADS, statement_preview, statement_read
from billing.services.bank_transfers import bank_transfer_due, bank_transfer_record
from billing.services.deposit_daily import deposit_daily_run
from billing.services.invoices import InvoiceLineSpec, credit_note_issue, invoice_issue_for, invoice_payment_open
from billing.services.payments import deposit_payment_open
from tests.billing.test_bank_statements import csv_bytes
from tests.factories.billing import BillingWorld

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _invoice_payment(w, number: int, *, credited: bool = False, partly_received: bool = False):
    invoice = invoice_issue_for(merchant=w.merchant, currency="CNY", lines=[
        InvoiceLineSpec(FeeType.MEMBERSHIP_GOLD_YEAR, f"会员 {number}", unit_price=Decimal("1000.00"))])
    if credited:
        credit_note_issue(invoice=invoice, amount=Decimal("100.00"), reason="折让", actor=w.finance_staff)
    if partly_received:  # ¥300 recorded and awaiting confirmation: the reference asks for the rest
        bank_transfer_record(actor=w.finance_staff, amount=Decimal("300.00"), received_on=timezone.localdate(),
                             bank_reference=f"P-{number}", merchant=w.merchant, purpose="invoice", invoice=invoice,
                             partial=True)
    return invoice_payment_open(invoice=invoice, provider="bank_transfer", actor=w.owner)


def _preview_queries(payments) -> tuple[int, list]:
    rows = [(f"2026-11-{10 + i:02d}", f"S-{p.pk}", "上海云帆贸易有限公司", f"{bank_transfer_due(payment=p):.2f}", "",
             "CNY", f"付款 {p.reference}") for i, p in enumerate(payments)]
    rows += [("2026-11-28", "S-X", "北京禾润", "5.00", "", "CNY", "no reference")]
    parsed = statement_read(content=csv_bytes(rows), filename="statement.csv")
    with CaptureQueriesContext(connection) as queries:
        outcomes = [row.outcome for row in statement_preview(rows=parsed.rows)]
    return len(queries), outcomes


def test_the_preview_costs_the_same_queries_for_few_and_many_rows():
    w = BillingWorld(deposit=Decimal("20000.00"))
    deposit = deposit_payment_open(account=w.account, provider="bank_transfer", actor=w.owner)
    few = [deposit, _invoice_payment(w, 100)]
    few_count, few_outcomes = _preview_queries(few)
    many = few + [_invoice_payment(w, n, credited=n % 3 == 0, partly_received=n % 4 == 0) for n in range(12)]
    many_count, many_outcomes = _preview_queries(many)
    assert few_outcomes == ["matched"] * 2 + ["unmatched"]
    assert many_outcomes == ["matched"] * 14 + ["unmatched"]
    assert many_count == few_count <= 10


def test_what_the_preview_asks_for_is_what_each_payment_asks_for():
    w = BillingWorld(deposit=Decimal("20000.00"))
    partly = _invoice_payment(w, 1, credited=True, partly_received=True)
    assert bank_transfer_due(payment=partly) == Decimal("600.00")  # 1,000 − 100 credited − 300 awaiting
    assert Invoice.objects.get(pk=partly.invoice_id).status == "issued"


def _pending_upload(name: str, *, age: dt.timedelta) -> str:
    storage = private_storage()
    saved = storage.save(f"{PENDING_UPLOADS}/{name}.upload", ContentFile(b"date,amount\n"))
    moment = (timezone.now() - age).timestamp()
    os.utime(storage.path(saved), (moment, moment))
    return saved


def test_the_daily_run_removes_an_abandoned_preview_upload_and_keeps_a_fresh_one():
    storage = private_storage()
    left = _pending_upload("left-yesterday", age=dt.timedelta(hours=25))
    fresh = _pending_upload("being-checked", age=dt.timedelta(minutes=5))
    result = deposit_daily_run()
    assert result["statement_uploads_removed"] == 1
    assert not storage.exists(left) and storage.exists(fresh)
    assert deposit_daily_run()["statement_uploads_removed"] == 0  # idempotent
    storage.delete(fresh)


def test_a_preview_whose_upload_was_removed_says_so_and_asks_for_the_file_again(client):
    from tests.onboarding.admin_support import english_admin

    w = BillingWorld()
    english_admin(w.finance_staff)
    client.force_login(w.finance_staff)
    session = client.session
    session["billing.bank.statements"] = {"gone": {"name": f"{PENDING_UPLOADS}/gone.upload", "filename": "s.csv",
                                                   "columns": {}}}
    session.save()
    response = client.get("/admin/billing/bank/statements/preview/gone/", follow=True)
    assert response.redirect_chain and "upload the statement again" in response.content.decode()
