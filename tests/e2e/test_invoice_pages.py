"""The merchant's invoice pages in a real browser, in both languages: the list with what is still to pay, an
invoice with its lines and credit note, the invoice details form refusing a wrong tax ID and saving a right one,
paying by bank transfer (one payment however often it is pressed); finance records a fapiao in the admin and the
merchant downloads it. No page breaks the Content-Security-Policy."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = {
    "zh-hans": {"due": "还需支付", "saved": "开票信息已保存", "check": "校验位不匹配", "fapiao": "下载发票（PDF）"},
    "en": {"due": "Still to pay", "saved": "Invoice details saved", "check": "check character does not match",
           "fapiao": "Download the fapiao (PDF)"},
}


def _login(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_merchant_reads_an_invoice_sets_its_details_and_pays_by_bank_transfer(lang, base_data, new_context,
                                                                                   live_server):
    from billing.models import FeePrice, FeeType, Payment
    from billing.services.invoices import InvoiceLineSpec, credit_note_issue, invoice_issue_for
    from billing.tax_ids import credit_code_check_character
    from tests.factories.billing import BillingWorld

    w = BillingWorld()
    w.owner.email_verified_at = timezone.now()
    w.owner.save(update_fields=["email_verified_at"])
    FeePrice.objects.create(fee_type=FeeType.VAS_ANALYTICS, amount=Decimal("1200"), currency="CNY",
                            effective_from=dt.date(2025, 1, 1))
    invoice = invoice_issue_for(merchant=w.merchant, currency="CNY", lines=[
        InvoiceLineSpec(FeeType.VAS_ANALYTICS, "数据分析服务 2026年3月", unit_price=Decimal("1200"))])
    credit_note_issue(invoice=invoice, amount=Decimal("200"), reason="少一周", actor=None)

    page = new_context()
    _login(page.context, live_server, w.owner)
    base = f"{live_server.url}/{lang}/portal/billing/invoices/"
    page.goto(base)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("#invoices-due")).to_contain_text("¥1,000.00")
    expect(page.locator(f'tr[data-number="{invoice.number}"]')).to_be_visible()
    expect(page.locator("#invoice-profile-missing")).to_be_visible()

    page.locator("#invoice-profile-link").click()
    page.locator("#id_invoice_title").fill("上海云帆贸易有限公司")
    first17 = "91310000MA1FL4XQ3"
    good = first17 + credit_code_check_character(first17)
    wrong = first17 + ("0" if good[-1] != "0" else "1")
    page.locator("#id_tax_id").fill(wrong)
    page.locator("#invoice-profile-form button[type=submit]").click()
    expect(page.locator(".field--invalid")).to_contain_text(TEXT[lang]["check"])
    page.locator("#id_tax_id").fill(good.lower())
    page.locator("#invoice-profile-form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(TEXT[lang]["saved"])
    expect(page.locator("#id_tax_id")).to_have_value(good)

    page.goto(f"{base}{invoice.pk}/")
    expect(page.locator("#invoice-due")).to_have_text("¥1,000.00")
    expect(page.locator("#invoice-lines")).to_contain_text("数据分析服务 2026年3月")
    page.locator("#pay-bank").click()
    page.wait_for_load_state()
    page.goto(f"{base}{invoice.pk}/")
    page.locator("#pay-bank").click()
    page.wait_for_load_state()
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.amount, payment.provider) == (Decimal("1000.00"), "bank_transfer")
    assert re.search(re.escape(payment.reference) + "|/invoices/", page.url)


def test_finance_records_the_fapiao_and_the_merchant_downloads_it(base_data, new_context, live_server, tmp_path):
    from billing.services.invoices import InvoiceLineSpec, invoice_issue_for
    from portal.roles import Role
    from tests.factories.billing import BillingWorld
    from tests.onboarding.admin_support import staff

    w = BillingWorld()
    w.finance.email_verified_at = timezone.now()
    w.finance.save(update_fields=["email_verified_at"])
    invoice = invoice_issue_for(merchant=w.merchant, currency="CNY", lines=[
        InvoiceLineSpec("vas_ads", "广告推广 2026年3月", unit_price=Decimal("5000"))])
    fin = staff(Role.FINANCE)
    pdf = tmp_path / "fapiao.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%fapiao\n%%EOF\n")

    admin = new_context()
    _login(admin.context, live_server, fin)
    admin.goto(f"{live_server.url}/admin/billing/invoices/{invoice.pk}/")
    admin.locator("#fapiao-form #id_number").fill("24312000000012345678")
    admin.locator("#fapiao-form #id_pdf").set_input_files(str(pdf))
    admin.locator("#fapiao-form button[type=submit]").click()
    expect(admin.locator("#fapiao-recorded")).to_contain_text("24312000000012345678")

    merchant = new_context()
    _login(merchant.context, live_server, w.finance)
    merchant.goto(f"{live_server.url}/en/portal/billing/invoices/{invoice.pk}/")
    with merchant.expect_download() as download:
        merchant.get_by_text(TEXT["en"]["fapiao"]).click()
    assert download.value.suggested_filename == f"{invoice.number}-fapiao-24312000000012345678.pdf"
