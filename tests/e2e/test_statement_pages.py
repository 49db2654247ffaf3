"""The merchant's statement pages in a real browser, in both languages: the list, a statement with its totals,
lines and commission explanation, disputing a line (a wrong amount refused on the field, then the dispute opened
with a file), the dispute's page, finance asking for evidence in the admin and the merchant's to-do and answer.
Screenshots under $E2E_SCREENSHOTS/statements (default var/screenshots). No page breaks the Content-Security-Policy."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "var/screenshots")) / "statements"
TEXT = {
    "zh-hans": {"confirm": "确认结算单", "cap": "该明细的争议金额最多为", "opened": "已提出", "todo": "补充证据"},
    "en": {"confirm": "Confirm the statement", "cap": "At most", "opened": "opened", "todo": "Send evidence"},
}
EXPLANATION = {"rate": "4.5000", "table_version": 2, "override_id": None, "steps": [
    {"step": "base", "rule": "category_rate", "source": "table", "version": 2, "input": None, "output": "5.0000",
     "detail": {"category": "e2e-apparel"}},
    {"step": "credit", "rule": "credit_discount", "source": "table", "version": 2, "input": "5.0000",
     "output": "4.5000", "detail": {"grade": "A", "discount": "10"}},
]}


def _login(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_merchant_reads_a_statement_and_disputes_a_line(lang, base_data, new_context, live_server):
    from billing.models import CommissionExplanation, Dispute, StatementLine
    from billing.services.disputes import dispute_evidence_request
    from billing.services.statements import statement_issue
    from tests.billing.statement_support import StatementWorld
    from tests.factories.portal import CategoryFactory
    from tests.factories.settlements import order_line_spec, statement_with_lines

    w = StatementWorld()
    w.owner.email_verified_at = timezone.now()
    w.owner.save(update_fields=["email_verified_at"])
    apparel = CategoryFactory(code="e2e-apparel", name_zh="服装鞋帽", name_en="Apparel and shoes")
    explanation = CommissionExplanation.objects.create(digest="e" * 64, rate=Decimal("4.5"), data=EXPLANATION)
    lines = [{**order_line_spec(gmv, rate="4.50", refund=refund, category=apparel), "explanation": explanation}
             for gmv, refund in (("1280.00", "0"), ("356.50", "56.50"), ("89.90", "0"))]
    lines += [{"kind": StatementLine.Kind.SUBSIDY, "amount": Decimal("3.00"), "description": "物流补贴 ¥1/单",
               "reference": "POLICY-LOGISTICS"},
              {"kind": StatementLine.Kind.FEE, "amount": Decimal("-120.00"), "description": "技术服务费 2026年11月",
               "reference": "INV-2026-000042"}]
    statement = statement_with_lines(merchant=w.merchant, run=w.run, lines=lines, number=f"ST-2026W47-{lang[:2]}")
    statement_issue(statement=statement, actor=w.finance_staff, now=timezone.now())

    page = new_context()
    _login(page.context, live_server, w.owner)
    base = f"{live_server.url}/{lang}/portal/billing/statements/"
    page.goto(base)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator(f'tr[data-number="{statement.number}"]')).to_be_visible()
    _shot(page, f"{lang}-1-list")

    page.locator(f'tr[data-number="{statement.number}"] a').click()
    expect(page.locator("#statement-confirm")).to_have_text(TEXT[lang]["confirm"])
    expect(page.locator("#statement-net")).to_have_text(f"¥{statement.net_payable:,.2f}")
    expect(page.locator("#explanation-E1")).to_be_visible()
    _shot(page, f"{lang}-2-statement")

    line = statement.lines.filter(kind=StatementLine.Kind.ORDER).order_by("id").first()
    page.locator(f'tr[data-line="{line.pk}"] .statement-line-action a').click()
    page.locator("#id_amount").fill("99999")
    page.locator("#id_reason").fill("订单已全额退款，佣金不应收取")
    page.locator("#dispute-submit").click()
    expect(page.locator(".field-amount")).to_contain_text(TEXT[lang]["cap"])
    page.locator("#id_amount").fill("57.60")
    page.locator("#id_reason").fill("订单已全额退款，佣金不应收取")
    sample = Path(__file__).resolve().parent / "_refund.pdf"
    sample.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    try:
        page.locator("#id_files").set_input_files(str(sample))
        _shot(page, f"{lang}-3-dispute-form")
        page.locator("#dispute-submit").click()
        expect(page.locator("#dispute-number")).to_be_visible()
    finally:
        sample.unlink()
    dispute = Dispute.objects.get(statement=statement)
    assert dispute.amount == Decimal("57.60") and dispute.evidence.count() == 1
    expect(page.locator(".messages")).to_contain_text(dispute.number)
    _shot(page, f"{lang}-4-dispute")

    dispute_evidence_request(dispute=dispute, actor=w.finance_staff, note="请上传退款完成的凭证截图")
    page.goto(f"{live_server.url}/{lang}/portal/")
    expect(page.get_by_text(TEXT[lang]["todo"]).first).to_be_visible()
    _shot(page, f"{lang}-5-workspace")
    page.goto(f"{base}{statement.pk}/")
    _shot(page, f"{lang}-6-statement-disputed")
