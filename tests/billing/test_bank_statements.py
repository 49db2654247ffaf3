"""Bank statement import: columns found by their Chinese or English headers (or named by finance), rows matched by
the reference in the remark, a preview that writes nothing, fingerprints that make a second import of the same
or an overlapping file change nothing, per-row outcomes, matched rows recorded under the four-eyes rule (the
importer is the maker), and a clear message for every file that cannot be read."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from billing.models import BankStatementImport, BankStatementLine, BillingSettings, Payment
from billing.services.bank_statements import (
    StatementFileError,
    reference_in,
    statement_import,
    statement_preview,
    statement_read,
)
from billing.services.bank_transfers import bank_transfer_confirm, bank_transfer_record
from billing.services.payments import deposit_payment_open
from contracts.models import ContractStatus
from portal.exceptions import PermissionDenied
from tests.factories.billing import BillingWorld
from tests.onboarding.admin_support import english_admin

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def w():
    world = BillingWorld()  # ¥60,000: above the threshold
    world.payment = deposit_payment_open(account=world.account, provider="bank_transfer", actor=world.owner)
    english_admin(world.finance_staff, world.finance2)
    return world


def csv_bytes(rows, *, encoding="gb18030", title=True) -> bytes:
    """A statement as a Chinese bank exports it: a few title lines, the header row, one row per transaction."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    if title:
        writer.writerows([["账号", "1001 2345 6789 0123 456"], ["查询区间", "2026-11-01 至 2026-11-30"], []])
    writer.writerow(["交易日期", "交易流水号", "对方户名", "贷方金额", "借方金额", "币种", "附言"])
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def spaced(reference: str) -> str:
    """How a merchant may type it: lower case, full-width, spaces instead of hyphens."""
    full = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else "　" for c in reference.lower())
    return f"保证金 {full}"


def rows_for(w):
    ref = w.payment.reference
    return [
        ("2026-11-28", "B-1", "上海云帆贸易有限公司", "60,000.00", "", "人民币", f"保证金 {ref}"),
        ("2026/11/28", "B-2", "北京禾润", "1500.00", "", "CNY", "货款 no reference"),
        ("20261129", "B-3", "上海云帆贸易有限公司", "", "200.00", "CNY", "手续费"),
        ("not a date", "B-4", "x", "10", "", "CNY", "x"),
    ]


def test_reference_found_however_it_was_typed():
    assert reference_in("付 ZS-AB2C-D3EF 保证金") == ["ZS-AB2C-D3EF"]
    assert reference_in("zs ab2c d3ef") == ["ZS-AB2C-D3EF"]
    assert reference_in("ＺＳ－ＡＢ２Ｃ－Ｄ３ＥＦ") == ["ZS-AB2C-D3EF"]
    assert reference_in("ZSAB2CD3EF") == ["ZS-AB2C-D3EF"]
    assert reference_in("no reference") == []


def test_the_preview_says_what_each_row_becomes_and_writes_nothing(w):
    parsed = statement_read(content=csv_bytes(rows_for(w)), filename="对账单.csv")
    assert set(parsed.columns) == {"booked_on", "amount", "currency", "payer_name", "remark", "bank_reference"}
    rows = statement_preview(rows=parsed.rows)
    assert [(r.row_number, r.outcome) for r in rows] == [(5, "matched"), (6, "unmatched"), (7, "ignored"),
                                                          (8, "invalid")]
    assert rows[0].payment == w.payment and rows[0].amount == Decimal("60000.00") and rows[0].currency == "CNY"
    assert rows[0].booked_on == dt.date(2026, 11, 28)
    assert "not a date" in rows[3].message
    assert not BankStatementLine.objects.exists()
    assert Payment.objects.get(pk=w.payment.pk).status == "created"


def test_importing_records_matched_rows_and_the_importer_cannot_confirm(w, django_capture_on_commit_callbacks):
    statement, rows = statement_import(content=csv_bytes(rows_for(w)), filename="a.csv", actor=w.finance_staff)
    assert (statement.rows_total, statement.rows_matched, statement.rows_unmatched, statement.rows_duplicate) == \
        (4, 1, 1, 0)
    assert sorted(statement.lines.values_list("outcome", flat=True)) == ["ignored", "matched", "unmatched"]
    payment = Payment.objects.get(pk=w.payment.pk)
    assert (payment.status, payment.recorded_by, payment.bank_reference, payment.received_on) == \
        ("pending", w.finance_staff, "B-1", dt.date(2026, 11, 28))
    assert statement.lines.get(outcome="matched").payment == payment
    with pytest.raises(PermissionDenied):
        bank_transfer_confirm(payment=payment, actor=w.finance_staff)
    with django_capture_on_commit_callbacks(execute=True):
        bank_transfer_confirm(payment=payment, actor=w.finance2)
    w.contract.refresh_from_db()
    assert w.contract.status == ContractStatus.ACTIVE


def test_the_same_file_again_or_an_overlapping_one_changes_nothing_twice(w):
    content = csv_bytes(rows_for(w))
    statement_import(content=content, filename="a.csv", actor=w.finance_staff)
    again, rows = statement_import(content=content, filename="a.csv", actor=w.finance2)
    assert again is None and {r.outcome for r in rows} == {"duplicate", "invalid"}
    assert BankStatementImport.objects.count() == 1 and BankStatementLine.objects.count() == 3
    overlapping = csv_bytes([*rows_for(w)[:2], ("2026-11-30", "B-9", "新商户", "88.00", "", "CNY", "无")],
                            encoding="utf-8", title=False)
    statement, rows = statement_import(content=overlapping, filename="b.csv", actor=w.finance2)
    assert [r.outcome for r in rows] == ["duplicate", "duplicate", "unmatched"]
    assert (statement.rows_total, statement.rows_duplicate, statement.lines.count()) == (3, 2, 1)
    assert Payment.objects.filter(bank_reference="B-1").count() == 1


def test_rows_without_a_bank_reference_are_told_apart_by_their_position(w):
    row = ("2026-11-28", "", "张三", "10.00", "", "CNY", "无附言")
    statement, rows = statement_import(content=csv_bytes([row, row]), filename="a.csv", actor=w.finance_staff)
    assert [r.outcome for r in rows] == ["unmatched", "unmatched"] and statement.lines.count() == 2
    again, rows = statement_import(content=csv_bytes([row, row, row]), filename="b.csv", actor=w.finance_staff)
    assert [r.outcome for r in rows] == ["duplicate", "duplicate", "unmatched"]


def test_a_transfer_recorded_by_hand_is_a_duplicate_in_the_statement(w):
    bank_transfer_record(actor=w.finance_staff, payment=w.payment, amount=Decimal("60000"),
                         received_on=timezone.localdate(), bank_reference="B-1", payer_name="x")
    rows = statement_preview(rows=statement_read(content=csv_bytes(rows_for(w)[:1]), filename="a.csv").rows)
    assert rows[0].outcome == "duplicate" and w.payment.reference in rows[0].message


def test_an_amount_that_differs_is_kept_for_finance_and_a_spaced_reference_matches(w):
    small = BillingWorld(deposit=Decimal("20000.00"))
    other = deposit_payment_open(account=small.account, provider="bank_transfer", actor=small.owner)
    rows = [("2026-11-28", "B-1", "上海云帆", "50000.00", "", "CNY", f"{w.payment.reference}"),
            ("2026-11-28", "B-2", "禾润", "20000.00", "", "CNY", spaced(other.reference))]
    statement, out = statement_import(content=csv_bytes(rows), filename="a.csv", actor=w.finance_staff)
    assert [r.outcome for r in out] == ["amount_mismatch", "matched"]
    assert Payment.objects.get(pk=w.payment.pk).status == "created"
    assert Payment.objects.get(pk=other.pk).status == "succeeded"  # ¥20,000 ≤ threshold: importing confirms
    assert "asks for ¥60,000.00" in out[0].message


def test_an_xlsx_statement_with_numbers_and_dates_in_cells(w):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Booking date", "Amount", "Currency", "Payer", "Remark", "Transaction ID"])
    sheet.append([dt.datetime(2026, 11, 28, 10, 5), 60000.0, "CNY", "Yunfan", f"deposit {w.payment.reference}",
                  "TX-1"])
    sheet.append([dt.date(2026, 11, 29), 0.1 + 0.2, "CNY", "Someone", "other", "TX-2"])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = statement_preview(rows=statement_read(content=buffer.getvalue(), filename="s.xlsx").rows)
    assert [(r.outcome, r.amount) for r in rows] == [("matched", Decimal("60000.00")), ("unmatched", Decimal("0.30"))]


def test_columns_named_by_finance(w):
    content = ("Posting day;In;Notes\n28.11.2026;60000;" + w.payment.reference + "\n").encode()
    with pytest.raises(StatementFileError, match="No header row"):
        statement_read(content=content, filename="x.csv")
    parsed = statement_read(content=content, filename="x.csv",
                            columns={"booked_on": "Posting day", "amount": "In", "remark": "Notes"})
    assert statement_preview(rows=parsed.rows)[0].outcome == "matched"


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"%PDF-1.7\n...", "This is a PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "old Excel file"),
    (b"PK\x03\x04 not really a workbook", "cannot be opened"),
    (b"\xff\xfe\x00\x00\x01binary\x00junk", "neither a readable CSV"),
    ("日期,金额,附言\n".encode(), "no transactions"),
    ("交易日期,贷方金额,对方户名\n2026-11-28,10,x\n".encode(), "no column for: Remark"),
    (b"just,some,words\n1,2,3\n", "No header row"),
])
def test_a_file_that_cannot_be_read_gets_a_clear_message(content, message):
    BillingSettings.load()
    with pytest.raises(StatementFileError, match=message):
        statement_read(content=content, filename="x")


# ---- the admin screens

def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_upload_preview_save_and_record_by_hand_in_the_admin(w):
    client = client_for(w.finance_staff)
    upload = SimpleUploadedFile("对账单.csv", csv_bytes(rows_for(w)), content_type="text/csv")
    response = client.post(reverse("billing_bank:statement_new"), {"file": upload})
    assert response.status_code == 302 and "/statements/preview/" in response["Location"]
    preview = client.get(response["Location"])
    body = preview.content.decode()
    assert preview.status_code == 200 and 'data-outcome="matched"' in body and 'data-outcome="invalid"' in body
    assert not BankStatementLine.objects.exists()
    assert client_for(w.finance2).get(response["Location"]).status_code == 404  # another user's upload
    saved = client.post(response["Location"])
    statement = BankStatementImport.objects.get()
    assert saved["Location"] == reverse("billing_bank:statement", args=[statement.pk])
    detail = client.get(saved["Location"]).content.decode()
    assert 'data-action="record"' in detail and "B-2" in detail
    line = statement.lines.get(outcome="unmatched")
    assert client.get(response["Location"]).status_code == 404  # the pending upload is gone once saved
    # the unmatched ¥1,500 was the deposit of another merchant that forgot the reference
    small = BillingWorld(deposit=Decimal("20000.00"))
    form = client.get(f"{reverse('billing_bank:record')}?amount=1500.00&received_on=2026-11-28&bank_reference=B-2"
                      f"&payer_name=x&line={line.pk}").content.decode()
    assert 'value="B-2"' in form and f'value="{line.pk}"' in form
    client.post(reverse("billing_bank:record"), {
        "merchant": small.merchant.pk, "purpose": "deposit", "amount": "1500.00", "received_on": "2026-11-28",
        "bank_reference": "B-2", "payer_name": "北京禾润", "line": line.pk})
    line.refresh_from_db()
    assert line.outcome == "matched" and line.payment.merchant == small.merchant


def test_a_bad_file_is_a_message_on_the_form(w):
    client = client_for(w.finance_staff)
    response = client.post(reverse("billing_bank:statement_new"),
                           {"file": SimpleUploadedFile("s.pdf", b"%PDF-1.4 x", content_type="application/pdf")})
    assert response.status_code == 200 and "This is a PDF" in response.content.decode()
    assert client_for(w.lead).get(reverse("billing_bank:statement_new")).status_code == 403


def test_an_imports_page_costs_the_same_queries_for_few_or_many_lines(w):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(w.finance_staff)

    def imported(n, start):
        rows = [("2026-11-28", f"R-{start + i}", "x", "10.00", "", "CNY", f"ZS-AAAA-{start + i:04d}")
                for i in range(n)]
        statement, _rows = statement_import(content=csv_bytes(rows), filename="a.csv", actor=w.finance_staff)
        return reverse("billing_bank:statement", args=[statement.pk])

    few, many = imported(1, 0), imported(8, 100)
    client.get(few)
    with CaptureQueriesContext(connection) as one:
        client.get(few)
    with CaptureQueriesContext(connection) as eight:
        body = client.get(many).content.decode()
    assert body.count('data-action="record"') == 8
    assert len(eight) == len(one)
