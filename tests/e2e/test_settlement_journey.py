"""A week's settlement from order lines to the bank's payout file, in a real browser.

The trading platform sends two merchants' order lines through the REST API with its client token; the run of the
week is started and built by the Celery tasks (eager in tests) and issued to the merchants. The owner of the first
merchant logs in, opens the statement from the workspace to-do, reads its lines and totals and disputes one line
with a reason; the second merchant confirms through the service. A finance user logs into the admin, opens the
dispute from the queue and releases it; a second finance user (not the one who started the run) approves the run,
makes the payout file and downloads it as CSV: its total is the sum of the statements' net payable, and the
reconciliation report shows no exception. The journey runs in Chinese; the merchant's statement and dispute pages
are checked in English too. No page breaks the Content-Security-Policy.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import urllib.request
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from billing.models import Dispute, Payout, PayoutFile, SettlementRun, Statement, StatementLine, StatementStatus
from billing.selectors.reconciliation import settlement_run_reconcile
from billing.services.settlements import settlement_run_start
from billing.services.statements import settlement_run_issue, statement_confirm
from billing.tasks import settlement_run_task
from portal.api.services import api_client_token_create
from portal.models import ApiScope, MerchantMembership, OrderLine
from portal.money import format_money
from portal.roles import Role
from tests.factories.commission import contract, table
from tests.factories.onboarding import merchant_user, staff_user
from tests.factories.settlements import bank_account_for

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Settle-journey-2026"  # noqa: S105  (the test accounts' password)
D = Decimal


def t(lang: str, message: str) -> str:
    with translation.override(lang):
        return gettext(message)


def last_week() -> dt.date:
    """The Monday of the last full week (Monday–Sunday) before today."""
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday() + 7)


def api_post(url: str, token: str, rows: list[dict]) -> dict:
    """POST a batch to the live server's endpoint (a real HTTP request, as the trading platform sends it)."""
    request = urllib.request.Request(  # noqa: S310  (the live server's http URL)
        url, data=json.dumps({"rows": rows}).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept-Language": "en"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def with_password(user):
    user.set_password(PASSWORD)
    user.email_verified_at = timezone.now()
    user.save()
    return user


def merchant_login(page, live_server, user, lang: str = "zh-hans") -> None:
    page.goto(f"{live_server.url}/{lang}/accounts/login/?next=/{lang}/portal/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("section.accounts form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/{lang}/portal/$"))


def admin_login(page, live_server, user, next_path: str) -> None:
    page.goto(f"{live_server.url}/admin/login/?next={next_path}")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def test_order_lines_to_payout_file_with_a_released_dispute(base_data, new_context, live_server):
    table()  # the commission table: apparel 12% at grade C
    week = last_week()
    maker = with_password(staff_user(Role.FINANCE, first_name="Zhao", last_name="Maker"))
    approver = with_password(staff_user(Role.FINANCE, first_name="Qian", last_name="Approver"))
    contracts = [contract(grade="C", activated_at=timezone.now() - dt.timedelta(days=200)) for _ in range(2)]
    (a, owner), (b, b_owner) = ((c.merchant, with_password(
        merchant_user(c.merchant, role=MerchantMembership.Role.OWNER, first_name="三", last_name="张")[1]))
        for c in contracts)
    for merchant in (a, b):
        bank_account_for(merchant)

    # the trading platform sends the week's order lines
    _row, token = api_client_token_create(name="Trading platform", scopes=[ApiScope.ORDERS_WRITE],
                                          actor=staff_user(Role.ADMIN))
    day = week + dt.timedelta(days=2)
    rows = [{"external_id": f"E2E-{n}", "merchant": merchant.pk, "category": "apparel", "amount": amount,
             "refund_amount": refund, "refunded_on": day.isoformat() if refund != "0" else None,
             "completed_on": (day - dt.timedelta(days=7)).isoformat(), "settleable_on": day.isoformat()}
            for n, (merchant, amount, refund) in enumerate(
                [(a, "200.00", "0"), (a, "300.00", "0"), (a, "1280.00", "80.00"), (b, "1000.00", "100.00")], 1)]
    answer = api_post(f"{live_server.url}/api/v1/order-lines", token, rows)
    assert (answer["created"], answer["rejected"], answer["errors"]) == (4, 0, [])
    assert OrderLine.objects.filter(merchant=a).count() == 3

    # the week's run, built by its tasks and issued
    run = settlement_run_start(period_start=week, actor=maker)
    settlement_run_task.delay(run.pk)
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.BUILT
    run = settlement_run_issue(run=run, actor=maker)
    statement = Statement.objects.get(run=run, merchant=a)
    # (500 + 1200) × (1 − 12%)
    assert (statement.status, statement.gmv, statement.net_payable) == (StatementStatus.ISSUED, D("1780.00"),
                                                                        D("1496.00"))
    orders = list(statement.lines.filter(kind=StatementLine.Kind.ORDER).order_by("id"))
    assert len(orders) == 3

    # the owner finds the statement in the workspace's to-do, reads it and disputes a line
    page = new_context()
    merchant_login(page, live_server, owner)
    todo = page.locator(".todo-list li[data-todo='billing.statement_to_answer']")
    expect(todo).to_contain_text(statement.number)
    todo.locator(f'a[href="/zh-hans/portal/billing/statements/{statement.pk}/"]').click()
    page.wait_for_url(re.compile(rf"/statements/{statement.pk}/$"))
    expect(page.locator("#statement-net")).to_have_text(format_money(statement.net_payable, "CNY"))
    expect(page.locator("#statement-confirm")).to_have_text("确认结算单")
    for line in orders:
        expect(page.locator(f'tr[data-line="{line.pk}"]')).to_contain_text(line.order_line.external_id)
    disputed = orders[2]
    page.locator(f'tr[data-line="{disputed.pk}"] .statement-line-action a').click()
    page.locator("#id_amount").fill("9.60")
    page.locator("#id_reason").fill("退款 ¥80 的佣金多收了 ¥9.60")
    page.locator("#dispute-submit").click()
    expect(page.locator("#dispute-number")).to_be_visible()
    dispute = Dispute.objects.get(statement=statement)
    assert (dispute.line_id, dispute.amount, dispute.status) == (disputed.pk, D("9.60"), "open")
    assert Statement.objects.get(pk=statement.pk).status == StatementStatus.DISPUTED

    # the key merchant pages in English
    page.goto(f"{live_server.url}/en/portal/billing/statements/{statement.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#statement-net")).to_have_text(format_money(statement.net_payable, "CNY"))
    expect(page.locator(f'tr[data-line="{disputed.pk}"]')).to_contain_text(dispute.number)
    page.goto(f"{live_server.url}/en/portal/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    statement_confirm(statement=Statement.objects.get(run=run, merchant=b), actor=b_owner)

    # finance opens the dispute from the queue and releases it
    finance = new_context()
    admin_login(finance, live_server, approver, "/admin/billing/disputes/")
    finance.locator(f'a[href*="/disputes/{dispute.pk}/"]').first.click()
    expect(finance.locator("#dispute-amount")).to_contain_text(format_money(D("9.60"), "CNY"))
    finance.locator('#dispute-decide-form input[name="outcome"][value="released"]').check()
    finance.locator("#dispute-decide-form textarea").last.fill("核对退款记录属实，全额释放")
    finance.locator("#dispute-decide").click()
    expect(finance.locator("#dispute-status")).to_have_attribute("data-status", "decided")
    dispute.refresh_from_db()
    assert (dispute.outcome, dispute.released_amount) == ("released", D("9.60"))

    # the approver (not the run's maker) approves the run and makes the payout file
    finance.goto(f"{live_server.url}/admin/billing/payouts/runs/{run.pk}/")
    expect(finance.locator("#run-approvals-needed")).to_have_text(
        t("zh-hans", "One, by someone other than who started the run"))
    finance.locator("#run-approve").click()
    expect(finance.locator("#run-status")).to_have_attribute("data-status", "approved")
    finance.locator("#payout-file-create").click()
    expect(finance.locator("#run-payout-files")).to_be_visible()
    payout_file = PayoutFile.objects.get(run=run)
    finance.locator(f"#run-payout-files a[href*='/files/{payout_file.pk}/']").click()
    with finance.expect_download() as download:
        finance.locator("#payout-file-csv").click()
    content = download.value.path().read_bytes().decode("utf-8-sig")
    table_rows = list(csv.reader(io.StringIO(content)))
    header, lines = table_rows[0], table_rows[1:]
    amount_at = header.index(t("zh-hans", "Amount"))
    file_total = sum(D(row[amount_at].replace(",", "").replace("¥", "")) for row in lines)
    net = sum(s.net_payable for s in Statement.objects.filter(run=run))
    assert len(lines) == 2 and file_total == net == payout_file.total == D("2288.00")
    assert Payout.objects.filter(run=run).count() == 2

    # the reconciliation report: no exception
    finance.goto(f"{live_server.url}/admin/billing/payouts/runs/{run.pk}/")
    finance.locator("#run-reconciliation-link").click()
    expect(finance.locator("#reconciliation-ties-out")).to_be_visible()
    expect(finance.locator("#reconciliation-exceptions")).to_have_count(0)
    assert settlement_run_reconcile(run=SettlementRun.objects.get(pk=run.pk)).ties_out
