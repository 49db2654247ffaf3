"""The deposit screens in a real browser, in both languages: finance proposes a deduction with its evidence and
cannot approve it, management and a second finance user approve it above the threshold; the deposit table and a
new version; a refund approved, sent by bank transfer and recorded; the merchant adds its bank account (masked)
and finance reveals it with a reason. No Content-Security-Policy violation. With SCREENSHOT_DIR set, each page is
saved there as a PNG."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import BankAccount, Deduction, Refund
from billing.services.deposit_tables import deposit_table_defaults_load
from billing.services.refunds import deposit_refund_due
from tests.billing.deposit_world import DepositWorld
from tests.e2e.test_bank_transfer_pages import admin_language, log_in
from tests.factories.onboarding import pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "en": {"why_not": "another person has to approve it", "first": "Approve (first of two)",
           "approve": "Approve and deduct", "approved": "Approved and deducted", "propose": "Propose the deduction",
           "reveal": "Reveal", "add": "Add the account", "recorded": "Refunded"},
    "zh-hans": {"why_not": "须由另一人审批", "first": "审批（两次中的第一次）", "approve": "审批并扣除",
                "approved": "已审批并扣除", "propose": "提出扣除", "reveal": "查看", "add": "添加账户",
                "recorded": "已退款"},
}


def shot(page, name: str, *, admin: bool = True) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if not folder:
        return
    height = page.evaluate("() => document.body.scrollHeight + 40")
    page.set_viewport_size({"width": 1280, "height": max(900, min(height, 4000))})
    Path(folder).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def world(base_data):
    deposit_table_defaults_load()
    w = DepositWorld()
    for user in (w.owner, w.finance_staff, w.finance2, w.management):
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return w


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_deduction_above_the_threshold_is_approved_by_finance_and_management(lang, world, new_context,
                                                                               live_server, tmp_path):
    w, words = world, WORDS[lang]
    admin_language(lang, w.finance_staff, w.finance2, w.management)
    evidence = tmp_path / "complaint.pdf"
    evidence.write_bytes(pdf_bytes("complaint evidence"))

    maker = new_context()
    log_in(maker, live_server, w.finance_staff)
    maker.goto(f"{live_server.url}/admin/billing/deductions/new/?account={w.account.pk}")
    maker.select_option("#id_breach", "counterfeit")
    maker.fill("#id_reference", "CMP-2026-0042")
    maker.fill("#id_description", "假冒品牌商品 / counterfeit branded goods")
    maker.fill("#id_amount", "55000")
    maker.set_input_files("#id_evidence", str(evidence))
    shot(maker, f"deduction-propose-{lang}")
    maker.click("#deduction-form button[type=submit]")
    expect(maker.locator("#deduction-why-not")).to_contain_text(words["why_not"])
    shot(maker, f"deduction-proposed-maker-{lang}")
    deduction = Deduction.objects.get()

    director = new_context()
    log_in(director, live_server, w.management)
    director.goto(f"{live_server.url}/admin/billing/deductions/{deduction.pk}/")
    expect(director.locator("#deduction-approve")).to_have_text(words["first"])
    director.click("#deduction-approve")
    expect(director.locator("#deduction-status")).to_have_attribute("data-status", "proposed")

    second = new_context()
    log_in(second, live_server, w.finance2)
    second.goto(f"{live_server.url}/admin/billing/deductions/{deduction.pk}/")
    shot(second, f"deduction-second-approval-{lang}")
    second.click("#deduction-approve")
    expect(second.locator("#deduction-status")).to_have_attribute("data-status", "approved")
    expect(second.locator("#deduction-deducted")).to_contain_text("55,000.00")
    shot(second, f"deduction-approved-{lang}")
    second.goto(f"{live_server.url}/admin/billing/deductions/")
    shot(second, f"deduction-index-{lang}")


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_deposit_table_and_a_proposed_version(lang, world, new_context, live_server):
    w = world
    admin_language(lang, w.finance2)
    page = new_context()
    log_in(page, live_server, w.finance2)
    page.goto(f"{live_server.url}/admin/billing/deposit-table/")
    expect(page.locator("#deposit-grid")).to_contain_text("100,000.00")
    shot(page, f"deposit-table-{lang}")
    page.click("#deposit-table-propose")
    page.fill("#id_effective_from", (timezone.localdate() + dt.timedelta(days=30)).isoformat())
    page.fill("#id_note", "高风险类目上调 / high-risk categories up")
    page.fill("#id_amount_high_E", "150000")
    shot(page, f"deposit-table-propose-{lang}")
    page.click("#deposit-table-form button[type=submit]")
    expect(page.locator("#deposit-table-state")).to_have_attribute("data-state", "proposed")
    expect(page.locator("#deposit-table-why-not")).to_be_visible()
    shot(page, f"deposit-table-proposed-{lang}")


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_refund_is_approved_sent_and_recorded_and_the_bank_account_stays_masked(lang, world, new_context,
                                                                                   live_server):
    w, words = world, WORDS[lang]
    admin_language(lang, w.finance_staff, w.finance2, w.management)
    # the merchant adds the account its refund goes to
    merchant = new_context("zh-CN" if lang == "zh-hans" else "en-US")
    log_in(merchant, live_server, w.owner)
    merchant.goto(f"{live_server.url}/{lang}/portal/billing/bank-accounts/")
    merchant.fill("#id_holder_name", "张三贸易有限公司")
    merchant.fill("#id_bank_name", "中国建设银行")
    merchant.fill("#id_branch", "福州鼓楼支行")
    merchant.fill("#id_account_number", "6217 0000 1111 2222 333")
    merchant.click(f"#bank-account-form button:has-text('{words['add']}')")
    expect(merchant.locator("#bank-accounts")).to_contain_text("**** **** 2333")
    expect(merchant.locator("body")).not_to_contain_text("6217 0000 1111")
    shot(merchant, f"bank-accounts-merchant-{lang}")
    account = BankAccount.objects.get()

    refund = deposit_refund_due(contract=w.contract, effective_on=dt.date(2026, 9, 30))
    finance = new_context()
    log_in(finance, live_server, w.finance_staff)
    finance.goto(f"{live_server.url}/admin/billing/refunds/{refund.pk}/")
    expect(finance.locator("#refund-amount-now")).to_contain_text("60,000.00")
    shot(finance, f"refund-due-{lang}")
    finance.click("#refund-approve")
    director = new_context()
    log_in(director, live_server, w.management)
    director.goto(f"{live_server.url}/admin/billing/refunds/{refund.pk}/")
    director.click("#refund-approve")
    second = new_context()
    log_in(second, live_server, w.finance2)
    second.goto(f"{live_server.url}/admin/billing/refunds/{refund.pk}/")
    shot(second, f"refund-approved-{lang}")
    second.click("#refund-send")
    expect(second.locator("#refund-status")).to_have_attribute("data-status", "pending")
    second.fill("#id_bank_reference", "CCB20261110-0042")
    shot(second, f"refund-sent-{lang}")
    second.click("#refund-record")
    expect(second.locator("#refund-status")).to_have_attribute("data-status", "succeeded")
    expect(second.locator("#refund-status")).to_contain_text(words["recorded"])
    shot(second, f"refund-recorded-{lang}")
    assert Refund.objects.get().bank_reference == "CCB20261110-0042"

    # finance reveals the number with a reason
    finance.goto(f"{live_server.url}/admin/billing/bank-accounts/{account.pk}/")
    expect(finance.locator("#bank-account-masked")).to_have_text("**** **** 2333")
    finance.fill("#id_reason", f"核对退款 R-{refund.pk} / checking refund")
    finance.click("#bank-account-reveal")
    expect(finance.locator("#bank-account-revealed")).to_have_text("6217000011112222333")
    shot(finance, f"bank-account-revealed-{lang}")
