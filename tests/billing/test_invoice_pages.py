"""The merchant's invoice pages and finance's invoice screens: what each shows, paying an invoice (one payment
however often the button is pressed), the invoice details with tax ID checks, the PDFs; another merchant's
invoice is a 404; roles without the capability see why; the list's queries do not grow with its length."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from billing.models import BillingProfile, FeePrice, FeeType, Invoice, Payment
from billing.services.invoices import InvoiceLineSpec, credit_note_issue, invoice_issue_for
from billing.tax_ids import credit_code_check_character
from portal.models import AuditEntry
from portal.roles import Role
from tests.factories.billing import BillingWorld
from tests.onboarding.admin_support import staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def w():
    return BillingWorld()


def url(name: str, lang: str = "en", *args) -> str:
    with translation.override(lang):
        return reverse(name, args=args or None)


def client_for(user) -> Client:
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (ViewTest)", REMOTE_ADDR="198.51.100.4")
    client.force_login(user)
    return client


def issue(merchant, amount: str = "1200.00", fee=FeeType.VAS_ANALYTICS, **kwargs) -> Invoice:
    return invoice_issue_for(merchant=merchant, currency="CNY", actor=None,
                             lines=[InvoiceLineSpec(fee, "数据分析服务 2026-03", unit_price=Decimal(amount))], **kwargs)


def valid_credit_code(first17: str = "91310000MA1FL4XQ3") -> str:
    return first17 + credit_code_check_character(first17)


# ---- merchant: list and detail

def test_the_list_shows_invoices_and_credit_notes_with_what_is_still_to_pay(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(w.merchant, "1000.00")
        credit_note_issue(invoice=invoice, amount=Decimal("250.00"), reason="部分未交付", actor=w.finance_staff)
    issue(w.other_merchant, "777.00")
    response = client_for(w.finance).get(url("billing:invoices"))
    body = response.content.decode()
    assert response.status_code == 200
    assert invoice.number in body and "CN-" in body and "¥777.00" not in body
    assert "¥750.00" in body  # still to pay after the credit note
    assert 'id="invoice-profile-missing"' in body


def test_the_detail_shows_lines_totals_and_pay_buttons_only_to_those_who_may_pay(w):
    invoice = issue(w.merchant, "1000.00")
    body = client_for(w.owner).get(url("billing:invoice_detail", "en", invoice.pk)).content.decode()
    assert "数据分析服务 2026-03" in body and 'id="pay-card"' in body and 'id="pay-bank"' in body
    assert "¥1,000.00" in body
    response = client_for(w.operations).get(url("billing:invoice_detail", "en", invoice.pk))
    assert response.status_code == 403 and "read statements" in response.content.decode()
    zh = client_for(w.owner).get(url("billing:invoice_detail", "zh-hans", invoice.pk)).content.decode()
    assert "还需支付" in zh or "待付" in zh


def test_another_merchants_invoice_its_pdf_and_paying_it_are_404(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        theirs = issue(w.other_merchant)
    client = client_for(w.owner)
    for name in ("billing:invoice_detail", "billing:invoice_pdf", "billing:invoice_fapiao"):
        assert client.get(url(name, "en", theirs.pk)).status_code == 404, name
    assert client.post(url("billing:invoice_pay", "en", theirs.pk), {"method": "stripe"}).status_code == 404
    assert not Payment.objects.filter(invoice=theirs).exists()
    assert client_for(w.other_owner).get(url("billing:invoice_pdf", "en", theirs.pk)).status_code == 200


def test_the_pdf_downloads_for_the_merchant(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(w.merchant)
    response = client_for(w.finance).get(url("billing:invoice_pdf", "en", invoice.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert invoice.number in response["Content-Disposition"]


def test_paying_opens_one_payment_however_often_the_button_is_pressed(w):
    invoice = issue(w.merchant, "1000.00")
    client = client_for(w.finance)
    for _n in range(3):
        response = client.post(url("billing:invoice_pay", "en", invoice.pk), {"method": "bank_transfer"})
        assert response.status_code == 302
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.provider, payment.amount, payment.purpose) == ("bank_transfer", Decimal("1000.00"), "invoice")
    assert payment.reference in response["Location"] or response["Location"].endswith(
        url("billing:invoice_detail", "en", invoice.pk))
    assert client.post(url("billing:invoice_pay", "en", invoice.pk), {"method": "cash"}).status_code == 302
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_operations_users_cannot_pay(w):
    invoice = issue(w.merchant)
    client_for(w.operations).post(url("billing:invoice_pay", "en", invoice.pk), {"method": "stripe"})
    assert not Payment.objects.filter(invoice=invoice).exists()


def test_a_waived_invoice_says_nothing_is_to_pay(w):
    price = FeePrice.objects.create(fee_type=FeeType.ENTRY, amount=Decimal("5000"), currency="CNY",
                                    effective_from=dt.date(2025, 1, 1))
    invoice = invoice_issue_for(merchant=w.merchant, currency="CNY", lines=[
        InvoiceLineSpec(FeeType.ENTRY, "入驻费（免收）", unit_price=price.amount, waived=True, price=price)])
    body = client_for(w.owner).get(url("billing:invoice_detail", "en", invoice.pk)).content.decode()
    assert 'id="invoice-paid"' in body and "every line of this invoice is waived" in body and "Waived" in body
    assert 'id="pay-card"' not in body


def test_the_list_costs_the_same_queries_whatever_its_length(w):
    issue(w.merchant)
    client = client_for(w.finance)
    client.get(url("billing:invoices"))
    with CaptureQueriesContext(connection) as one:
        client.get(url("billing:invoices"))
    for _n in range(5):
        note_target = issue(w.merchant)
    credit_note_issue(invoice=note_target, amount=Decimal("1"), reason="x", actor=None)
    with CaptureQueriesContext(connection) as many:
        client.get(url("billing:invoices"))
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


# ---- merchant: invoice details (title and tax ID)

@pytest.mark.parametrize("tax_id, ok", [
    ("91350100M000100Y43", True),         # a valid unified social credit code
    ("91350100M000100Y44", False),        # wrong check character
    ("310104123456789", True),            # 15 characters (an older taxpayer number)
    ("31010412345678901234", True),       # 20
    ("3101041234567", False),             # 13
    ("3101041234567890-", False),         # not alphanumeric
    ("91350100M000100YI3", False),        # I never appears in a credit code
])
def test_the_tax_id_is_checked(w, tax_id, ok):
    client = client_for(w.finance)
    response = client.post(url("billing:invoice_profile"), {"invoice_title": "上海云帆贸易有限公司", "tax_id": tax_id})
    assert (response.status_code == 302) is ok, response.content.decode()[:300]
    assert BillingProfile.objects.filter(merchant=w.merchant).exists() is ok


def test_saving_the_invoice_details_applies_to_invoices_issued_after(w):
    code = valid_credit_code()
    response = client_for(w.owner).post(url("billing:invoice_profile"), {
        "invoice_title": " 上海云帆贸易  有限公司 ", "tax_id": code.lower(), "email": "ap@yunfan.example"})
    assert response.status_code == 302
    profile = BillingProfile.objects.get(merchant=w.merchant)
    assert (profile.invoice_title, profile.tax_id, profile.updated_by) == ("上海云帆贸易 有限公司", code, w.owner)
    assert AuditEntry.objects.filter(action="billing.billing_profile.saved").count() == 1
    assert issue(w.merchant).buyer_tax_id == code
    page = client_for(w.operations).get(url("billing:invoice_profile")).content.decode()
    assert "disabled" in page and "can pay" in page
    client_for(w.operations).post(url("billing:invoice_profile"), {"invoice_title": "别人", "tax_id": code})
    assert BillingProfile.objects.get(merchant=w.merchant).invoice_title == "上海云帆贸易 有限公司"


# ---- finance (Wagtail admin)

@pytest.fixture
def fin():
    return staff(Role.FINANCE)


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_finance_roles_open_the_invoice_screens(w, fin):
    lead = staff(Role.LEAD)
    management = staff(Role.MANAGEMENT)
    assert admin_client(lead).get(reverse("billing_invoices:index")).status_code == 403
    assert admin_client(management).get(reverse("billing_invoices:index")).status_code == 200
    assert admin_client(management).get(reverse("billing_invoices:create")).status_code == 403
    assert admin_client(fin).get(reverse("billing_invoices:prices")).status_code == 200


def test_finance_adds_a_price_and_bills_a_membership_at_it(w, fin):
    client = admin_client(fin)
    page = client.get(reverse("billing_invoices:create")).content.decode()
    assert 'id="no-prices"' in page
    response = client.post(reverse("billing_invoices:prices"), {
        "fee_type": FeeType.MEMBERSHIP_GOLD_YEAR, "amount": "12800", "currency": "cny",
        "effective_from": timezone.localdate().isoformat()})
    assert response.status_code == 302
    again = client.post(reverse("billing_invoices:prices"), {
        "fee_type": FeeType.MEMBERSHIP_GOLD_YEAR, "amount": "1", "currency": "CNY",
        "effective_from": timezone.localdate().isoformat()})
    assert again.status_code == 400 and "already has a price" in again.content.decode()
    refused = client.post(reverse("billing_invoices:create"), {
        "merchant": w.merchant.pk, "line0-fee_type": FeeType.VAS_ADS, "line0-quantity": "1"})
    assert refused.status_code == 400  # no price: not even offered
    response = client.post(reverse("billing_invoices:create"), {
        "merchant": w.merchant.pk, "line0-fee_type": FeeType.MEMBERSHIP_GOLD_YEAR, "line0-quantity": "2",
        "notes": "2026–2027"})
    assert response.status_code == 302
    invoice = Invoice.objects.get(merchant=w.merchant)
    assert invoice.total == Decimal("25600.00") and invoice.issued_by == fin and invoice.notes == "2026–2027"
    assert response["Location"] == reverse("billing_invoices:detail", args=[invoice.pk])


def test_finance_issues_a_credit_note_and_records_the_fapiao(w, fin, django_capture_on_commit_callbacks):
    invoice = issue(w.merchant, "1000.00")
    client = admin_client(fin)
    page = client.get(reverse("billing_invoices:detail", args=[invoice.pk])).content.decode()
    assert invoice.number in page and 'id="credit-note-form"' in page and 'id="fapiao-form"' in page
    too_much = client.post(reverse("billing_invoices:credit_note", args=[invoice.pk]),
                           {"amount": "1000.01", "reason": "多收"})
    assert too_much.status_code == 400 and "cannot exceed" in too_much.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("billing_invoices:credit_note", args=[invoice.pk]),
                           {"amount": "1000.00", "reason": "取消服务"}).status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CREDITED
    bad = client.post(reverse("billing_invoices:fapiao", args=[invoice.pk]), {
        "number": "12", "pdf": SimpleUploadedFile("f.pdf", b"%PDF-1.7\n", content_type="application/pdf")})
    assert bad.status_code == 400 and "8 to 20 digits" in bad.content.decode()
    ok = client.post(reverse("billing_invoices:fapiao", args=[invoice.pk]), {
        "number": "24312000000012345678",
        "pdf": SimpleUploadedFile("f.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")})
    assert ok.status_code == 302
    download = client_for(w.owner).get(url("billing:invoice_fapiao", "en", invoice.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    assert admin_client(fin).get(reverse("billing_invoices:fapiao_pdf", args=[invoice.pk])).status_code == 200


def test_the_admin_invoice_list_costs_the_same_queries_whatever_its_length(w, fin):
    issue(w.merchant)
    client = admin_client(fin)
    client.get(reverse("billing_invoices:index"))
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("billing_invoices:index")).status_code == 200
    for _n in range(4):
        credit_note_issue(invoice=issue(w.other_merchant), amount=Decimal("1"), reason="x", actor=None)
    with CaptureQueriesContext(connection) as many:
        body = client.get(reverse("billing_invoices:index") + "?status=issued").content.decode()
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]
    assert body.count("INV-") >= 5 and "CN-" not in body.split('id="admin-invoice-list"')[1].split("</table>")[0]
