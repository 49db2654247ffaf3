"""The merchant's statement pages: the list and a statement with its lines and explanations, confirming, disputing a
line, a dispute's page with evidence and withdrawal, the PDF and CSV, the payouts; another merchant's statement or
dispute is a 404, a draft is never shown, an operations user reads why it cannot answer; the workspace's to-dos;
lists cost the same queries whatever their length."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from billing.models import CommissionExplanation, Dispute, Statement, StatementLine
from billing.services.disputes import dispute_decide, dispute_evidence_request
from billing.services.statements import statement_dispute, statement_issue
from tests.billing.statement_support import StatementWorld
from tests.factories.onboarding import pdf_upload
from tests.factories.settlements import order_line_spec, settlement_run, statement_with_lines

pytestmark = pytest.mark.django_db
S = Statement.Status
K = StatementLine.Kind


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def w():
    return StatementWorld()


def url(name: str, *args, lang: str = "en") -> str:
    with translation.override(lang):
        return reverse(name, args=args or None)


def client_for(user) -> Client:
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    client = Client()
    client.force_login(user)
    return client


EXPLANATION = {"rate": "4.5000", "table_version": 2, "override_id": None, "steps": [
    {"step": "base", "rule": "category_rate", "source": "table", "version": 2, "input": None, "output": "6.0000",
     "detail": {"category": "apparel"}},
    {"step": "credit", "rule": "credit_discount", "source": "table", "version": 2, "input": "5.0000",
     "output": "4.5000", "detail": {"grade": "A", "discount": "10"}},
]}


def issued(w, merchant=None, run=None, lines=None) -> Statement:
    statement = statement_with_lines(merchant=merchant or w.merchant, run=run or w.run, lines=lines)
    return statement_issue(statement=statement, actor=w.finance_staff, now=timezone.now())


def with_explanation(w) -> Statement:
    explanation = CommissionExplanation.objects.create(digest="d" * 64, rate=Decimal("4.5"), data=EXPLANATION)
    spec = order_line_spec("1000.00", rate="4.50")
    return issued(w, lines=[{**spec, "explanation": explanation}, order_line_spec("300.00"),
                            {"kind": K.FEE, "amount": Decimal("-50.00"), "description": "技术服务费",
                             "reference": "INV-2026-000007"}])


def test_the_list_shows_the_merchants_issued_statements_only(w):
    mine = issued(w)
    draft = statement_with_lines(merchant=w.merchant, run=settlement_run(period_start=dt.date(2026, 11, 23),
                                                                          status="building"))
    theirs = issued(w, merchant=w.other_merchant)
    body = client_for(w.finance).get(url("billing:statements")).content.decode()
    assert mine.number in body and draft.number not in body and theirs.number not in body
    assert "answer by" in body


def test_the_detail_shows_totals_lines_and_how_each_rate_came_about(w):
    statement = with_explanation(w)
    response = client_for(w.owner).get(url("billing:statement_detail", statement.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert "¥1,300.00" in body  # GMV
    assert str(statement.net_payable) and f"¥{statement.net_payable:,.2f}" in body
    assert "INV-2026-000007" in body and "技术服务费" in body
    assert 'href="#explanation-E1"' in body and "Credit discount" in body and "Grade A" in body
    assert 'id="statement-confirm"' in body and body.count(">Dispute</a>") == 3


def test_the_detail_in_chinese(w):
    statement = with_explanation(w)
    body = client_for(w.owner).get(url("billing:statement_detail", statement.pk, lang="zh-hans")).content.decode()
    assert "确认结算单" in body and "应付净额" in body and "信用" in body


def test_another_merchants_statement_dispute_and_files_are_404(w):
    theirs = issued(w, merchant=w.other_merchant)
    line = theirs.lines.first()
    dispute = statement_dispute(statement=theirs, line=line, amount="10", reason="x", actor=w.other_owner)
    client = client_for(w.owner)
    for path in (url("billing:statement_detail", theirs.pk), url("billing:statement_pdf", theirs.pk),
                 url("billing:statement_lines_csv", theirs.pk),
                 url("billing:statement_line_dispute", theirs.pk, line.pk),
                 url("billing:dispute_detail", dispute.pk)):
        assert client.get(path).status_code == 404, path
    assert client.post(url("billing:statement_confirm", theirs.pk)).status_code == 404
    assert client.post(url("billing:dispute_withdraw", dispute.pk)).status_code == 404
    assert Statement.objects.get(pk=theirs.pk).status == S.DISPUTED
    assert Dispute.objects.get(pk=dispute.pk).status == Dispute.Status.OPEN


def test_a_draft_is_404(w):
    draft = statement_with_lines(merchant=w.merchant, run=w.run)
    assert client_for(w.owner).get(url("billing:statement_detail", draft.pk)).status_code == 404


def test_confirming_from_the_page(w):
    statement = issued(w)
    response = client_for(w.member_admin).post(url("billing:statement_confirm", statement.pk), follow=True)
    assert "confirmed" in response.content.decode()
    statement.refresh_from_db()
    assert statement.status == S.CONFIRMED and statement.confirmed_by == w.member_admin


def test_operations_reads_why_it_cannot_answer_and_cannot_post(w):
    statement = issued(w)
    client = client_for(w.operations)
    response = client.get(url("billing:statement_detail", statement.pk))
    assert response.status_code == 403 and "read statements" in response.content.decode()
    client.post(url("billing:statement_confirm", statement.pk))
    assert Statement.objects.get(pk=statement.pk).status == S.ISSUED


def test_disputing_a_line_from_its_form(w):
    statement = issued(w)
    line = statement.lines.filter(kind=K.ORDER).first()
    client = client_for(w.finance)
    form = client.get(url("billing:statement_line_dispute", statement.pk, line.pk))
    assert form.status_code == 200 and "At most" not in form.content.decode()
    bad = client.post(url("billing:statement_line_dispute", statement.pk, line.pk),
                      {"amount": "5000", "reason": "太多"})
    assert bad.status_code == 400 and "At most ¥1,000.00" in bad.content.decode()
    response = client.post(url("billing:statement_line_dispute", statement.pk, line.pk),
                           {"amount": "48.50", "reason": "佣金费率应为 5%", "files": [pdf_upload("单据.pdf")]})
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == url("billing:dispute_detail", dispute.pk)
    assert dispute.amount == Decimal("48.50") and dispute.evidence.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert dispute.number in page and "¥48.50" in page and "单据.pdf" in page
    evidence = dispute.evidence.get()
    download = client.get(url("billing:dispute_evidence", dispute.pk, evidence.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")


def test_evidence_asked_for_is_a_todo_and_added_on_the_dispute_page(w):
    statement = issued(w)
    dispute = statement_dispute(statement=statement, line=statement.lines.first(), amount="10", reason="x",
                                actor=w.owner)
    dispute_evidence_request(dispute=dispute, actor=w.finance_staff, note="请上传退款凭证")
    client = client_for(w.owner)
    home = client.get(url("portal:home"))
    keys = [entry["todo"].key for entry in home.context["todos"]]
    assert "billing.dispute_evidence" in keys
    assert "请上传退款凭证" in home.content.decode()
    empty = client.post(url("billing:dispute_detail", dispute.pk), {"note": ""})
    assert empty.status_code == 400 and "Write a note or attach a file" in empty.content.decode()
    client.post(url("billing:dispute_detail", dispute.pk), {"note": "凭证见附件", "files": [pdf_upload()]})
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.UNDER_REVIEW


def test_a_statement_to_check_is_a_todo_until_answered(w):
    statement = issued(w)
    client = client_for(w.owner)
    todos = client.get(url("portal:home")).context["todos"]
    [entry] = [e for e in todos if e["todo"].key == "billing.statement_to_answer"]
    assert statement.number in entry["todo"].title
    client.post(url("billing:statement_confirm", statement.pk))
    todos = client.get(url("portal:home")).context["todos"]
    assert not [e for e in todos if e["todo"].key == "billing.statement_to_answer"]


def test_withdrawing_from_the_page_and_the_decision_shown(w):
    statement = issued(w)
    lines = list(statement.lines.order_by("id"))
    first = statement_dispute(statement=statement, line=lines[0], amount="10", reason="x", actor=w.owner)
    second = statement_dispute(statement=statement, line=lines[1], amount="20", reason="y", actor=w.owner)
    client = client_for(w.owner)
    client.post(url("billing:dispute_withdraw", first.pk))
    assert Dispute.objects.get(pk=first.pk).status == Dispute.Status.WITHDRAWN
    dispute_decide(dispute=second, actor=w.finance_staff, outcome="released", note="核实无误，退还")
    page = client.get(url("billing:dispute_detail", second.pk)).content.decode()
    assert "核实无误，退还" in page and "¥20.00 is released" in page
    payouts = client.get(url("billing:payouts")).content.decode()
    assert statement.number in payouts and second.number in payouts


def test_the_pdf_and_the_csv(w):
    statement = with_explanation(w)
    client = client_for(w.finance)
    assert client.get(url("billing:statement_pdf", statement.pk)).status_code == 404  # not rendered yet
    Statement.objects.filter(pk=statement.pk).update(pdf=Statement.pdf.field.storage.save(
        "statements/t.pdf", ContentFile(b"%PDF-1.7 test")), pdf_sha256="0" * 64)
    pdf = client.get(url("billing:statement_pdf", statement.pk))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    response = client.get(url("billing:statement_lines_csv", statement.pk))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = text.strip().splitlines()
    assert rows[0].startswith("Line,Date,Order") and len(rows) == 4
    assert "INV-2026-000007" in text and "4.5000" in text


def test_lists_cost_the_same_queries_whatever_their_length(w):
    client = client_for(w.owner)
    first = issued(w)
    statement_dispute(statement=first, line=first.lines.first(), amount="1", reason="x", actor=w.owner)
    client.get(url("billing:statement_detail", first.pk))
    with CaptureQueriesContext(connection) as few_list:
        client.get(url("billing:statements"))
    with CaptureQueriesContext(connection) as few_lines:
        client.get(url("billing:statement_detail", first.pk))
    with CaptureQueriesContext(connection) as few_disputes:
        client.get(url("billing:disputes"))
    for week in range(1, 6):
        issued(w, run=settlement_run(period_start=w.run.period_start + dt.timedelta(weeks=week)))
    many = issued(w, run=settlement_run(period_start=w.run.period_start - dt.timedelta(weeks=1)),
                  lines=[order_line_spec("10.00") for _n in range(30)])
    for line in list(many.lines.all())[:5]:
        statement_dispute(statement=many, line=line, amount="1", reason="x", actor=w.owner)
    client.get(url("billing:statements"))  # the site's caches again, after the writes
    with CaptureQueriesContext(connection) as more_list:
        client.get(url("billing:statements"))
    with CaptureQueriesContext(connection) as more_lines:
        client.get(url("billing:statement_detail", many.pk))
    with CaptureQueriesContext(connection) as more_disputes:
        client.get(url("billing:disputes"))
    assert len(more_list) == len(few_list), [q["sql"] for q in more_list.captured_queries]
    assert len(more_lines) == len(few_lines), [q["sql"] for q in more_lines.captured_queries]
    assert len(more_disputes) == len(few_disputes)
