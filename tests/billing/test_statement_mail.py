"""Emails of statements and disputes: an issued statement goes to the merchant's owner, admin and finance users,
each in their language, after commit, with the link and the time to respond; a dispute that moves (evidence asked
for, evidence added, decided) goes to the merchant's users and the finance user handling it, never to the one who
acted. A failing mail server leaves the transition in place."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from billing.models import Dispute, Statement, StatementLine
from billing.services.disputes import dispute_decide, dispute_evidence_add, dispute_evidence_request
from billing.services.statements import settlement_run_issue, statement_dispute, statement_issue
from tests.billing.statement_support import StatementWorld
from tests.factories.onboarding import staff_user
from tests.factories.settlements import settlement_run, statement_with_lines

pytestmark = pytest.mark.django_db
K = StatementLine.Kind
NOW = timezone.make_aware(dt.datetime(2026, 11, 24, 10, 0))


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("the mail server went away")


@pytest.fixture
def w():
    world = StatementWorld()
    for user, language in ((world.owner, "zh-hans"), (world.member_admin, "en"), (world.finance, "en"),
                           (world.finance_staff, "en")):
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    return world


def by_address(messages=None) -> dict:
    return {message.to[0]: message for message in (mail.outbox if messages is None else messages)}


def issued(w, capture) -> Statement:
    statement = statement_with_lines(merchant=w.merchant, run=w.run)
    with capture(execute=True):
        return statement_issue(statement=statement, actor=w.finance_staff, now=NOW)


def test_an_issued_statement_is_mailed_to_its_responders_each_in_their_language(
        w, django_capture_on_commit_callbacks):
    statement_with_lines(merchant=w.other_merchant, run=w.run)
    statement = statement_with_lines(merchant=w.merchant, run=w.run)
    with django_capture_on_commit_callbacks(execute=True):
        statement_issue(statement=statement, actor=w.finance_staff, now=NOW)
        assert mail.outbox == []  # nothing before commit
    sent = by_address()
    assert set(sent) == {w.owner.email, w.member_admin.email, w.finance.email}  # not operations, not the other
    english, chinese = sent[w.finance.email], sent[w.owner.email]
    assert english.subject == f"Statement {statement.number} is issued: please confirm or dispute it"
    assert f"/en/portal/billing/statements/{statement.pk}/" in english.body
    assert "by Nov. 27, 2026, 10 a.m." in english.body and "counts as confirmed" in english.body
    assert chinese.subject == f"结算单 {statement.number} 已出具：请确认或提出争议"
    assert f"/zh-hans/portal/billing/statements/{statement.pk}/" in chinese.body
    assert "2026年11月27日" in chinese.body and "逾期未答复即视为确认" in chinese.body


def test_issuing_a_run_mails_every_statement_of_it_once(w, django_capture_on_commit_callbacks):
    run = settlement_run(status="built", period_start=dt.date(2026, 11, 9))
    mine = statement_with_lines(merchant=w.merchant, run=run)
    theirs = statement_with_lines(merchant=w.other_merchant, run=run)
    with django_capture_on_commit_callbacks(execute=True):
        settlement_run_issue(run=run, actor=w.finance_staff, now=NOW)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [w.owner.email, w.member_admin.email, w.finance.email, w.other_owner.email])
    assert all(mine.number in m.subject for m in mail.outbox if m.to[0] != w.other_owner.email)
    assert theirs.number in by_address()[w.other_owner.email].subject


def test_nothing_is_mailed_when_the_issue_rolls_back(w, django_capture_on_commit_callbacks):
    statement = statement_with_lines(merchant=w.merchant, run=w.run)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        statement_issue(statement=statement, actor=w.finance_staff, now=NOW)
        raise RuntimeError("the caller failed")
    assert Statement.objects.get(pk=statement.pk).status == "draft" and mail.outbox == []


@override_settings(EMAIL_BACKEND="tests.billing.test_statement_mail.FailingBackend")
def test_a_failing_mail_server_does_not_undo_the_issue_or_the_decision(w, django_capture_on_commit_callbacks):
    statement = issued(w, django_capture_on_commit_callbacks)
    assert Statement.objects.get(pk=statement.pk).status == "issued"
    line = statement.lines.filter(kind=K.ORDER).first()
    opened = statement_dispute(statement=statement, line=line, amount="10", reason="x", actor=w.owner, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        dispute_decide(dispute=opened, actor=w.finance_staff, outcome="released", note="ok", now=NOW)
    assert Dispute.objects.get(pk=opened.pk).status == "decided"


def test_a_dispute_that_moves_is_mailed_to_the_merchant_and_its_handler(w, django_capture_on_commit_callbacks):
    statement = issued(w, django_capture_on_commit_callbacks)
    other_finance = staff_user("finance")
    line = statement.lines.filter(kind=K.ORDER).first()
    opened = statement_dispute(statement=statement, line=line, amount="50.00", reason="佣金比例不对",
                               actor=w.owner, now=NOW)
    mail.outbox.clear()

    # finance asks for evidence: the merchant's users hear it, not the one who asked
    with django_capture_on_commit_callbacks(execute=True):
        dispute_evidence_request(dispute=opened, actor=w.finance_staff, note="Send the order screenshot")
    sent = by_address()
    assert set(sent) == {w.owner.email, w.member_admin.email, w.finance.email}
    assert sent[w.finance.email].subject == f"Dispute {opened.number}: evidence is requested"
    assert "Send the order screenshot" in sent[w.finance.email].body
    assert f"/en/portal/billing/statements/disputes/{opened.pk}/" in sent[w.finance.email].body
    assert "需要提供证据" in sent[w.owner.email].subject and "保持冻结" in sent[w.owner.email].body
    mail.outbox.clear()

    # the merchant adds evidence: the finance user handling it (who asked) and the merchant's other users
    with django_capture_on_commit_callbacks(execute=True):
        dispute_evidence_add(dispute=opened, actor=w.owner, note="截图见附件")
    sent = by_address()
    assert set(sent) == {w.finance_staff.email, w.member_admin.email, w.finance.email}
    assert other_finance.email not in sent
    staff_mail = sent[w.finance_staff.email]
    assert staff_mail.subject == f"Dispute {opened.number}: new evidence"
    assert f"/admin/billing/disputes/{opened.pk}/" in staff_mail.body and "Under review" in staff_mail.body
    mail.outbox.clear()

    # management decides: the merchant's users and the finance user handling it
    with django_capture_on_commit_callbacks(execute=True):
        dispute_decide(dispute=opened, actor=w.management, outcome="released", note="按合同 5% 重新核算",
                       now=NOW + dt.timedelta(days=2))
    sent = by_address()
    assert set(sent) == {w.owner.email, w.member_admin.email, w.finance.email, w.finance_staff.email}
    english = sent[w.finance.email]
    assert english.subject == f"Dispute {opened.number} is decided: Released"
    assert "¥50.00 is released" in english.body and "the 2 days it was frozen" in english.body
    assert "Reasons: 按合同 5% 重新核算" in english.body
    assert "已裁决" in sent[w.owner.email].subject and "已解冻" in sent[w.owner.email].body
    assert w.other_owner.email not in sent


def test_before_anyone_handles_it_every_finance_user_hears_the_merchants_evidence(
        w, django_capture_on_commit_callbacks):
    statement = issued(w, django_capture_on_commit_callbacks)
    other_finance = staff_user("finance")
    opened = statement_dispute(statement=statement, line=statement.lines.filter(kind=K.ORDER).first(),
                               amount="5", reason="x", actor=w.finance, now=NOW)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dispute_evidence_add(dispute=opened, actor=w.finance, note="more")
    assert {w.finance_staff.email, other_finance.email} <= set(by_address())
    assert w.finance.email not in by_address()
