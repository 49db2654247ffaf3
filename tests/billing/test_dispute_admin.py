"""The staff disputes queue and a dispute's page: who may open them, the filters and totals, the actions (ask for
evidence, a staff note, the decision) through their services, refusals as messages; the queue costs the same
queries for 2 or 12 disputes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from billing.models import Dispute
from billing.services.statements import statement_dispute, statement_issue
from portal.models import AuditEntry
from tests.billing.statement_support import StatementWorld
from tests.factories.onboarding import pdf_upload
from tests.factories.settlements import order_line_spec, statement_with_lines
from tests.onboarding.admin_support import english_admin

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def w():
    return StatementWorld()


def staff_client(user) -> Client:
    english_admin(user)
    client = Client()
    client.force_login(user)
    return client


def opened(w, merchant=None, owner=None, amount="30.00", lines=2) -> Dispute:
    statement = statement_with_lines(merchant=merchant or w.merchant, run=w.run,
                                     lines=[order_line_spec("100.00") for _n in range(lines)])
    statement = statement_issue(statement=statement, actor=w.finance_staff, now=timezone.now())
    return statement_dispute(statement=statement, line=statement.lines.first(), amount=amount, reason="费率不对",
                             actor=owner or w.owner, files=[pdf_upload("凭证.pdf")])


def test_only_finance_and_management_open_the_queue(w):
    assert staff_client(w.reviewer).get(reverse("billing_disputes:index")).status_code == 403
    assert staff_client(w.management).get(reverse("billing_disputes:index")).status_code == 200


def test_the_queue_filters_and_totals(w):
    mine = opened(w)
    theirs = opened(w, merchant=w.other_merchant, owner=w.other_owner, amount="5.00")
    client = staff_client(w.finance_staff)
    body = client.get(reverse("billing_disputes:index")).content.decode()
    assert mine.number in body and theirs.number in body and "¥35.00" in body
    filtered = client.get(reverse("billing_disputes:index"), {"merchant": w.other_merchant.name}).content.decode()
    assert theirs.number in filtered and mine.number not in filtered
    export = client.get(reverse("billing_disputes:index"), {"export": "csv"})
    assert export.status_code == 200 and mine.number in b"".join(export.streaming_content).decode("utf-8-sig")


def test_the_page_and_its_actions(w):
    dispute = opened(w)
    client = staff_client(w.finance_staff)
    page = client.get(reverse("billing_disputes:detail", args=[dispute.pk])).content.decode()
    assert "费率不对" in page and "凭证.pdf" in page and "Dispute opened" in page
    evidence = dispute.evidence.get()
    assert client.get(reverse("billing_disputes:evidence", args=[dispute.pk, evidence.pk])).status_code == 200
    assert AuditEntry.objects.filter(action="billing.dispute.evidence_viewed").count() == 1
    client.post(reverse("billing_disputes:request", args=[dispute.pk]), {"note": "请提供物流签收单"})
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.AWAITING_EVIDENCE
    client.post(reverse("billing_disputes:note", args=[dispute.pk]), {"note": "已电话联系"})
    assert dispute.evidence.filter(by_staff=True, note="已电话联系").exists()
    # a partial release without an amount: the message says why, nothing changes
    response = client.post(reverse("billing_disputes:decide", args=[dispute.pk]),
                           {"outcome": "partial", "released_amount": "", "note": "部分"}, follow=True)
    assert "Enter the amount" in response.content.decode()
    assert Dispute.objects.get(pk=dispute.pk).status == Dispute.Status.AWAITING_EVIDENCE
    client.post(reverse("billing_disputes:decide", args=[dispute.pk]),
                {"outcome": "partial", "released_amount": "12.00", "note": "部分成立"})
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.DECIDED and str(dispute.released_amount) == "12.00"
    assert dispute.decided_by == w.finance_staff


def test_the_queue_costs_the_same_queries_whatever_its_length(w):
    client = staff_client(w.finance_staff)
    opened(w)
    opened(w, merchant=w.other_merchant, owner=w.other_owner)
    client.get(reverse("billing_disputes:index"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("billing_disputes:index"))
    statement = statement_with_lines(merchant=w.merchant, run=w.run.__class__.objects.create(
        period_start=w.run.period_start.replace(day=9), period_end=w.run.period_end.replace(day=15),
        payout_due_on=w.run.payout_due_on, status="built"), lines=[order_line_spec("10.00") for _n in range(10)])
    statement = statement_issue(statement=statement, actor=w.finance_staff, now=timezone.now())
    for line in statement.lines.all():
        statement_dispute(statement=statement, line=line, amount="1", reason="x", actor=w.owner)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("billing_disputes:index"))
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
