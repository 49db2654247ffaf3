"""Bank transfer in a real browser, in both languages: the merchant reads our account details, the amount and the
reference (and the printable copy); one finance user records the receipt and cannot confirm it; a second one
confirms it from the list; the merchant's page then says confirmed and the contract is active. No
Content-Security-Policy violation anywhere. With SCREENSHOT_DIR set, each page is saved there as a PNG."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from playwright.sync_api import expect

from billing.services.payments import deposit_payment_open
from contracts.models import ContractStatus
from tests.factories.billing import BillingWorld

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "en": {"awaiting": "Awaiting your transfer", "received": "Received, awaiting confirmation",
           "confirmed": "Confirmed", "record": "Record the transfer", "blocked": "another finance user confirms it",
           "confirm": "Confirm", "print": "Bank transfer instructions"},
    "zh-hans": {"awaiting": "等待您转账", "received": "已到账，待确认", "confirmed": "已确认",
                "record": "登记转账", "blocked": "须由另一位财务人员确认", "confirm": "确认",
                "print": "银行转账说明"},
}


def shot(page, name: str, *, admin: bool = False) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if not folder:
        return
    selector = "main" if admin else "body"
    height = page.evaluate(f"() => document.querySelector('{selector}').scrollHeight + 200")
    page.set_viewport_size({"width": 1280, "height": max(900, min(height, 5000))})
    Path(folder).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=not admin)
    page.set_viewport_size({"width": 1280, "height": 900})


def log_in(page, live_server, user) -> None:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key,
                               "url": live_server.url}])


def admin_language(lang: str, *users) -> None:
    from wagtail.users.models import UserProfile

    for user in users:
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = lang
        profile.save()


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_transfer_is_shown_recorded_and_confirmed_by_a_second_person(lang, base_data, new_context, live_server):
    words = WORDS[lang]
    w = BillingWorld()
    for user in (w.owner, w.finance_staff, w.finance2):
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    admin_language(lang, w.finance_staff, w.finance2)
    payment = deposit_payment_open(account=w.account, provider="bank_transfer", actor=w.owner)
    locale = "zh-CN" if lang == "zh-hans" else "en-US"
    bank_page = f"{live_server.url}/{lang}/portal/billing/payments/{payment.reference}/bank-transfer/"

    merchant = new_context(locale)
    log_in(merchant, live_server, w.owner)
    merchant.goto(bank_page)
    expect(merchant.locator("#transfer-status")).to_have_text(words["awaiting"])
    expect(merchant.locator("#transfer-reference")).to_have_text(payment.reference)
    expect(merchant.locator("#transfer-amount")).to_have_text("¥60,000.00")
    shot(merchant, f"bank-merchant-awaiting-{lang}")
    merchant.locator("#transfer-print").click()
    expect(merchant.locator("h1")).to_have_text(words["print"])
    shot(merchant, f"bank-merchant-print-{lang}")

    maker = new_context(locale)
    log_in(maker, live_server, w.finance_staff)
    maker.goto(f"{live_server.url}/admin/billing/bank/record/")
    form = maker.locator("#bank-record-form")
    form.locator("#id_reference").fill(payment.reference)
    form.locator("#id_amount").fill("60000.00")
    form.locator("#id_bank_reference").fill("ICBC-20261201-0001")
    form.locator("#id_payer_name").fill("上海云帆贸易有限公司")
    shot(maker, f"bank-admin-record-{lang}", admin=True)
    form.locator("button[type=submit]").click()
    expect(maker.locator("#bank-status")).to_have_attribute("data-status", "pending")
    expect(maker.locator("#bank-confirm-blocked")).to_contain_text(words["blocked"])
    shot(maker, f"bank-admin-detail-maker-{lang}", admin=True)

    merchant.goto(bank_page)
    expect(merchant.locator("#transfer-status")).to_have_text(words["received"])
    shot(merchant, f"bank-merchant-received-{lang}")

    checker = new_context(locale)
    log_in(checker, live_server, w.finance2)
    checker.goto(f"{live_server.url}/admin/billing/bank/")
    row = checker.locator(f"tr[data-reference='{payment.reference}']")
    expect(row).to_be_visible()
    shot(checker, f"bank-admin-pending-{lang}", admin=True)
    row.locator("button[data-action=confirm]").click()
    expect(checker.locator("#bank-pending-empty")).to_be_visible()

    merchant.goto(bank_page)
    expect(merchant.locator("#transfer-status")).to_have_text(words["confirmed"])
    shot(merchant, f"bank-merchant-confirmed-{lang}")
    w.contract.refresh_from_db()
    assert w.contract.status == ContractStatus.ACTIVE


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_bank_statement_is_previewed_then_saved(lang, base_data, new_context, live_server, tmp_path):
    from tests.billing.test_bank_statements import csv_bytes

    w = BillingWorld()
    admin_language(lang, w.finance_staff)
    payment = deposit_payment_open(account=w.account, provider="bank_transfer", actor=w.owner)
    statement = tmp_path / "对账单.csv"
    statement.write_bytes(csv_bytes([
        ("2026-11-28", "ICBC-0001", "上海云帆贸易有限公司", "60,000.00", "", "人民币", f"保证金 {payment.reference}"),
        ("2026-11-28", "ICBC-0002", "北京禾润", "1500.00", "", "CNY", "货款"),
        ("2026-11-29", "ICBC-0003", "", "", "25.00", "CNY", "手续费"),
        ("2026-11-29", "ICBC-0004", "杭州示例", "abc", "", "CNY", "x"),
    ]))
    page = new_context("zh-CN" if lang == "zh-hans" else "en-US")
    log_in(page, live_server, w.finance_staff)
    page.goto(f"{live_server.url}/admin/billing/bank/statements/new/")
    page.locator("#id_file").set_input_files(str(statement))
    shot(page, f"bank-admin-statement-new-{lang}", admin=True)
    page.locator("#bank-statement-form button[type=submit]").click()
    expect(page.locator("tr[data-outcome=matched]")).to_have_count(1)
    expect(page.locator("tr[data-outcome=invalid]")).to_have_count(1)
    shot(page, f"bank-admin-statement-preview-{lang}", admin=True)
    page.locator("#bank-statement-save").click()
    expect(page.locator("tr[data-outcome=unmatched] a[data-action=record]")).to_have_count(1)
    shot(page, f"bank-admin-statement-saved-{lang}", admin=True)
    payment.refresh_from_db()
    assert payment.status == "pending" and payment.bank_reference == "ICBC-0001"
