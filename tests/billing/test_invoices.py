"""Invoices: issued with the next number of their series and year, the buyer as the billing profile stood, a PDF
rendered after commit, never changed after (PostgreSQL refuses); credit notes; paying one; the fapiao; the fees a
countersigned contract bills (the entry fee waived in the launch window, nothing without a price)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation

from billing.models import BillingProfile, FeeType, Invoice, InvoiceLine, Payment
from billing.receivers import contract_countersigned_received
from billing.services.fees import contract_fees_bill, fee_price_add, fee_price_in_force, priced_invoice_issue
from billing.services.invoices import (
    InvoiceLineSpec,
    credit_note_issue,
    fapiao_record,
    invoice_issue_for,
    invoice_outstanding,
    invoice_payment_open,
)
from billing.services.payments import payment_succeeded
from portal.exceptions import ApplicationError
from portal.models import AuditEntry, CooperationMode
from tests.billing.invoice_support import fee_contract, price
from tests.contracts.pdf_support import pdf_text
from tests.factories.billing import BillingWorld

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
PG = pytest.mark.skipif(connection.vendor != "postgresql", reason="the database triggers are PostgreSQL's")


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def w():
    return BillingWorld()


def _line(amount: str = "1200.00", fee: str = FeeType.VAS_ANALYTICS, **kwargs) -> InvoiceLineSpec:
    return InvoiceLineSpec(fee, "数据分析服务 2026-03", unit_price=Decimal(amount), **kwargs)


def _issue(w, *lines, **kwargs) -> Invoice:
    return invoice_issue_for(merchant=w.merchant, lines=list(lines) or [_line()], currency="CNY",
                             actor=w.finance_staff, **kwargs)


# ---- issuing

def test_invoices_are_numbered_in_sequence_per_series_and_year_with_the_buyer_copied(w):
    BillingProfile.objects.create(merchant=w.merchant, invoice_title="上海云帆贸易有限公司",
                                  tax_id="91310000MA1FL4XQ3J")
    first = _issue(w, _line("100.00"), _line("50.005", quantity=Decimal("2")))
    second = _issue(w)
    assert (first.number, second.number) == (f"INV-{YEAR}-000001", f"INV-{YEAR}-000002")
    assert (first.series, first.year, first.sequence) == ("INV", YEAR, 1)
    assert first.status == Invoice.Status.ISSUED and first.issued_by == w.finance_staff
    assert first.total == Decimal("200.02")  # 100 + 2 × 50.01 (rounded half up to the fen)
    assert [line.amount for line in first.lines.all()] == [Decimal("100.00"), Decimal("100.02")]
    assert (first.buyer_title, first.buyer_tax_id) == ("上海云帆贸易有限公司", "91310000MA1FL4XQ3J")
    assert first.due_on == timezone.localdate() + dt.timedelta(days=15)
    BillingProfile.objects.filter(merchant=w.merchant).update(invoice_title="改名后的公司")
    first.refresh_from_db()
    assert first.buyer_title == "上海云帆贸易有限公司"  # an issued invoice keeps the buyer it was made out to
    assert AuditEntry.objects.filter(action="billing.invoice.issued", target_id=str(first.pk)).count() == 1


def test_without_a_billing_profile_the_buyer_is_the_contracts_registered_name_and_credit_code(w):
    invoice = _issue(w)
    assert invoice.buyer_title == w.contract.merchant_legal_name
    assert invoice.buyer_tax_id == w.contract.merchant_credit_code


def test_the_same_source_bills_once(w):
    first = _issue(w, source_key="deduction:7")
    again = _issue(w, _line("999.00"), source_key="deduction:7")
    assert again.pk == first.pk and again.total == Decimal("1200.00")
    assert Invoice.objects.filter(source_key="deduction:7").count() == 1


@pytest.mark.parametrize("line, message", [
    (InvoiceLineSpec(FeeType.OTHER, "x", unit_price=Decimal("-1")), "cannot be negative"),
    (InvoiceLineSpec(FeeType.OTHER, "x", unit_price=Decimal("1"), quantity=Decimal("0")), "more than zero"),
])
def test_bad_lines_are_refused_and_take_no_number(w, line, message):
    with pytest.raises(ApplicationError, match=message):
        _issue(w, line)
    assert _issue(w).number == f"INV-{YEAR}-000001"


def test_the_pdf_is_rendered_after_commit_with_the_number_buyer_lines_and_total(w, django_capture_on_commit_callbacks):
    BillingProfile.objects.create(merchant=w.merchant, invoice_title="上海云帆贸易有限公司",
                                  tax_id="91310000MA1FL4XQ3J")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invoice = _issue(w, _line("1234.50"))
    assert not invoice.pdf and len(callbacks) == 2  # the PDF, then the merchant's email
    callbacks[0]()
    invoice.refresh_from_db()
    data = invoice.pdf.read()
    assert data.startswith(b"%PDF-") and len(invoice.pdf_sha256) == 64
    text = pdf_text(data)
    for expected in (invoice.number, "上海云帆贸易有限公司", "91310000MA1FL4XQ3J", "数据分析服务", "发票", "Invoice",
                     "1,234.50", "合计"):
        assert expected in text, expected
    from billing.documents import invoice_pdf_build

    name = invoice.pdf.name
    assert invoice_pdf_build(invoice).pdf.name == name  # a retried task writes nothing


# ---- frozen once issued

@PG
def test_postgresql_refuses_to_change_an_issued_invoice_or_its_lines(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = _issue(w)
    invoice.refresh_from_db()
    assert invoice.pdf
    for change in ({"total": Decimal("1.00")}, {"buyer_title": "另一家公司"}, {"number": "INV-X"},
                   {"pdf": "other.pdf"}, {"status": "draft"}):
        with pytest.raises(DatabaseError), transaction.atomic():
            Invoice.objects.filter(pk=invoice.pk).update(**change)
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        InvoiceLine.objects.filter(invoice=invoice).update(amount=Decimal("1.00"))
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        InvoiceLine.objects.create(invoice=invoice, fee_type="other", description="x", unit_price=1, amount=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).delete()
    Invoice.objects.filter(pk=invoice.pk).update(fapiao_number="12345678")  # what finance records later stays writable


# ---- credit notes

def test_credit_notes_never_exceed_what_is_uncredited_and_a_full_credit_credits_the_invoice(w):
    invoice = _issue(w, _line("1000.00"))
    note = credit_note_issue(invoice=invoice, amount=Decimal("300.00"), reason="服务未交付部分", actor=w.finance_staff)
    assert note.kind == Invoice.Kind.CREDIT_NOTE and note.corrects == invoice
    assert note.number == f"CN-{YEAR}-000001" and note.total == Decimal("300.00")
    assert note.lines.get().fee_type == FeeType.VAS_ANALYTICS
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED and invoice_outstanding(invoice) == Decimal("700.00")
    with pytest.raises(ApplicationError, match="cannot exceed"):
        credit_note_issue(invoice=invoice, amount=Decimal("700.01"), reason="太多", actor=w.finance_staff)
    with pytest.raises(ApplicationError, match="why"):
        credit_note_issue(invoice=invoice, amount=Decimal("1"), reason="  ", actor=w.finance_staff)
    credit_note_issue(invoice=invoice, amount=Decimal("700.00"), reason="全部取消", actor=w.finance_staff)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CREDITED and invoice_outstanding(invoice) == 0
    with pytest.raises(ApplicationError, match="Only an issued invoice"):
        credit_note_issue(invoice=invoice, amount=Decimal("1"), reason="再来", actor=w.finance_staff)
    assert Invoice.objects.filter(series="INV").count() == 1  # credit notes have their own series


# ---- paying

def test_paying_an_invoice_reuses_the_open_attempt_and_marks_it_paid(w):
    invoice = _issue(w, _line("1000.00"))
    payment = invoice_payment_open(invoice=invoice, provider="bank_transfer", actor=w.owner)
    assert invoice_payment_open(invoice=invoice, provider="bank_transfer", actor=w.owner) == payment
    assert (payment.purpose, payment.amount, payment.invoice) == (Payment.Purpose.INVOICE, Decimal("1000.00"), invoice)
    payment_succeeded(payment=payment, actor=w.finance_staff)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and invoice.paid_at is not None
    with pytest.raises(ApplicationError, match="nothing left to pay"):
        invoice_payment_open(invoice=invoice, provider="stripe", actor=w.owner)


def test_after_a_partial_credit_the_remainder_is_what_is_paid(w):
    invoice = _issue(w, _line("1000.00"))
    credit_note_issue(invoice=invoice, amount=Decimal("400.00"), reason="折让", actor=w.finance_staff)
    payment = invoice_payment_open(invoice=invoice, provider="stripe", actor=w.owner)
    assert payment.amount == Decimal("600.00")
    payment_succeeded(payment=payment, actor=None)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


# ---- fapiao

def _pdf(name="fapiao.pdf", content=b"%PDF-1.7\n%fapiao\n%%EOF\n"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_finance_records_the_fapiao_number_and_pdf(w):
    invoice = _issue(w)
    with pytest.raises(ApplicationError, match="8 to 20 digits"):
        fapiao_record(invoice=invoice, number="12AB", pdf=_pdf(), actor=w.finance_staff)
    with pytest.raises(ApplicationError, match="not a PDF"):
        fapiao_record(invoice=invoice, number="24312000000012345678", pdf=_pdf(content=b"GIF89a"),
                      actor=w.finance_staff)
    fapiao_record(invoice=invoice, number="2431 2000 0000 1234 5678", pdf=_pdf(), actor=w.finance_staff)
    invoice.refresh_from_db()
    assert invoice.fapiao_number == "24312000000012345678" and invoice.fapiao_recorded_by == w.finance_staff
    assert invoice.fapiao_pdf.read().startswith(b"%PDF-")
    assert AuditEntry.objects.filter(action="billing.invoice.fapiao_recorded", target_id=str(invoice.pk)).exists()


# ---- the fees of a countersigned contract

def test_nothing_is_billed_without_a_price(w):
    contract = fee_contract(merchant=w.merchant)
    assert contract_fees_bill(contract=contract) == []
    assert not Invoice.objects.filter(contract=contract).exists()


def test_the_entry_fee_is_waived_for_a_contract_signed_in_the_launch_window(w):
    price(FeeType.ENTRY, "5000.00")
    contract = fee_contract(merchant=w.merchant, launch_offer=True)
    [invoice] = contract_fees_bill(contract=contract)
    line = invoice.lines.get()
    assert (line.fee_type, line.waived, line.unit_price, line.amount) == (FeeType.ENTRY, True, Decimal("5000.00"),
                                                                         Decimal("0.00"))
    assert line.description == f"入驻费（免收）：合同 {contract.number} 于首发期内签署"  # stored in Chinese, as billed
    assert invoice.total == 0 and invoice.status == Invoice.Status.PAID  # nothing to pay
    assert invoice.source_key == f"contract:{contract.pk}:entry"


def test_a_contract_bills_its_entry_technical_service_and_franchise_fees_once(w):
    price(FeeType.ENTRY, "3000.00", effective_from=dt.date(2025, 1, 1))
    price(FeeType.ENTRY, "5000.00", effective_from=dt.date(2099, 1, 1))  # not yet in force
    contract = fee_contract(merchant=w.merchant, mode=CooperationMode.FRANCHISE, technical_service_fee=Decimal("6000"),
                            franchise_fee=Decimal("20000"))
    invoices = contract_fees_bill(contract=contract)
    assert [(i.lines.get().fee_type, i.total, i.status) for i in invoices] == [
        (FeeType.ENTRY, Decimal("3000.00"), "issued"), (FeeType.TECHNICAL_SERVICE, Decimal("6000.00"), "issued"),
        (FeeType.FRANCHISE, Decimal("20000.00"), "issued")]
    assert "2026-03-02 – 2027-03-01" in invoices[1].lines.get().description
    assert [i.pk for i in contract_fees_bill(contract=contract)] == [i.pk for i in invoices]  # the signal again
    assert Invoice.objects.filter(contract=contract).count() == 3


def test_an_amendment_bills_nothing_and_a_renewal_no_entry_fee(w):
    price(FeeType.ENTRY, "3000.00")
    amendment = fee_contract(merchant=w.merchant, kind="amendment", technical_service_fee=Decimal("6000"),
                             parent=w.contract)
    assert contract_fees_bill(contract=amendment) == []
    renewal = fee_contract(merchant=w.merchant, kind="renewal", technical_service_fee=Decimal("6000"),
                           parent=w.contract)
    assert [i.lines.get().fee_type for i in contract_fees_bill(contract=renewal)] == [FeeType.TECHNICAL_SERVICE]


def test_countersigning_makes_the_deposit_and_the_fees_due(w):
    price(FeeType.ENTRY, "3000.00")
    contract = fee_contract(merchant=w.merchant, technical_service_fee=Decimal("6000"))
    contract_countersigned_received(sender=None, contract_id=contract.pk, kind="contract")
    assert Invoice.objects.filter(contract=contract, status="issued").count() == 2


# ---- the price list

def test_prices_are_effective_dated_and_only_priced_fees_are_billed_on_demand(w):
    fee_price_add(fee_type=FeeType.MEMBERSHIP_GOLD_YEAR, amount=Decimal("9800"), currency="CNY",
                  effective_from=dt.date(2025, 1, 1), actor=w.finance_staff)
    fee_price_add(fee_type=FeeType.MEMBERSHIP_GOLD_YEAR, amount=Decimal("12800"), currency="CNY",
                  effective_from=dt.date(2026, 7, 1), actor=w.finance_staff)
    with pytest.raises(ApplicationError, match="already has a price"):
        fee_price_add(fee_type=FeeType.MEMBERSHIP_GOLD_YEAR, amount=Decimal("1"), currency="CNY",
                      effective_from=dt.date(2026, 7, 1), actor=w.finance_staff)
    with pytest.raises(ApplicationError, match="set in the contract"):
        fee_price_add(fee_type=FeeType.TECHNICAL_SERVICE, amount=Decimal("1"), currency="CNY",
                      effective_from=dt.date(2026, 7, 1), actor=w.finance_staff)
    assert fee_price_in_force(FeeType.MEMBERSHIP_GOLD_YEAR, on=dt.date(2026, 6, 30)).amount == Decimal("9800.00")
    invoice = priced_invoice_issue(merchant=w.merchant, items=[(FeeType.MEMBERSHIP_GOLD_YEAR, Decimal(1))],
                                   actor=w.finance_staff, on=dt.date(2026, 7, 1))
    assert invoice.total == Decimal("12800.00") and invoice.lines.get().price.effective_from == dt.date(2026, 7, 1)
    with pytest.raises(ApplicationError, match="no price yet"):
        priced_invoice_issue(merchant=w.merchant, items=[(FeeType.VAS_ADS, Decimal(1))], actor=w.finance_staff)


def test_a_card_attempt_opened_before_a_credit_note_is_replaced_by_one_for_the_new_amount(w):
    invoice = _issue(w, _line("1000.00"))
    first = invoice_payment_open(invoice=invoice, provider="stripe", actor=w.owner)
    bank = invoice_payment_open(invoice=invoice, provider="bank_transfer", actor=w.owner)
    credit_note_issue(invoice=invoice, amount=Decimal("100.00"), reason="折让", actor=w.finance_staff)
    second = invoice_payment_open(invoice=invoice, provider="stripe", actor=w.owner)
    first.refresh_from_db()
    assert first.status == "canceled" and second.pk != first.pk and second.amount == Decimal("900.00")
    # a bank transfer keeps its reference, whatever the merchant wrote in a transfer already
    assert invoice_payment_open(invoice=invoice, provider="bank_transfer", actor=w.owner).reference == bank.reference


def test_the_later_years_of_the_technical_service_fee_are_billed_once_each_as_they_begin(w):
    from billing.services.fees import technical_service_fees_bill_due
    from contracts.models import Contract

    contract = fee_contract(merchant=w.merchant, technical_service_fee=Decimal("6000"))
    Contract.objects.filter(pk=contract.pk).update(status="active")
    contract_fees_bill(contract=contract)  # the first year, at countersigning
    assert technical_service_fees_bill_due(on=dt.date(2027, 3, 1)) == []
    [second] = technical_service_fees_bill_due(on=dt.date(2027, 3, 2))
    assert second.source_key == f"contract:{contract.pk}:technical_service:2" and second.total == Decimal("6000.00")
    assert "2027-03-02 – 2028-03-01" in second.lines.get().description
    assert technical_service_fees_bill_due(on=dt.date(2027, 6, 1)) == []  # the daily run again
    later = technical_service_fees_bill_due(on=dt.date(2031, 1, 1))  # a missed run catches up, within the term
    assert [i.source_key.rsplit(":", 1)[1] for i in later] == ["3"]
    assert Invoice.objects.filter(contract=contract, lines__fee_type=FeeType.TECHNICAL_SERVICE).count() == 3


def test_the_merchants_payers_are_emailed_an_issued_invoice_and_its_fapiao(w, django_capture_on_commit_callbacks):
    from django.core import mail

    w.owner.preferred_language = "en"
    w.owner.save(update_fields=["preferred_language"])
    with django_capture_on_commit_callbacks(execute=True):
        invoice = _issue(w, _line("1200.00"))
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == sorted(u.email for u in (w.owner, w.member_admin, w.finance))  # not operations
    english = next(m for m in mail.outbox if m.to == [w.owner.email])
    assert english.subject == f"Invoice {invoice.number}: ¥1,200.00 to pay"
    assert f"/en/portal/billing/invoices/{invoice.pk}/" in english.body and "数据分析服务 2026-03" in english.body
    chinese = next(m for m in mail.outbox if m.to == [w.finance.email])
    assert invoice.number in chinese.subject and f"/zh-hans/portal/billing/invoices/{invoice.pk}/" in chinese.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _issue(w, _line("10.00"), source_key="deduction:9")  # the deduction's own email names it
        fapiao_record(invoice=invoice, number="24312000000012345678", pdf=_pdf(), actor=w.finance_staff)
    assert len(mail.outbox) == 3 and all("24312000000012345678" in m.body for m in mail.outbox)
