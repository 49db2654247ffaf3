"""Issuing a built run (statements issued in one go, respond_by, PDFs after commit), confirming (who may, when),
silence = confirmed, and the database refusing any change to an issued statement or its lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from billing.models import BillingSettings, SettlementRun, Statement, StatementLine
from billing.services.statements import (
    settlement_run_issue,
    statement_confirm,
    statement_issue,
    statements_autoconfirm,
)
from portal.exceptions import ApplicationError, InvalidTransition, PermissionDenied
from portal.models import AuditEntry
from tests.billing.statement_support import StatementWorld
from tests.contracts.pdf_support import pdf_text
from tests.factories.settlements import order_line_spec, settlement_run, statement_with_lines

pytestmark = pytest.mark.django_db
PG = pytest.mark.skipif(connection.vendor != "postgresql", reason="the database triggers are PostgreSQL's")
S = Statement.Status
NOW = timezone.make_aware(dt.datetime(2026, 11, 24, 10, 0))


@pytest.fixture
def w():
    return StatementWorld()


def issued(w, merchant=None, **kwargs) -> Statement:
    statement = statement_with_lines(merchant=merchant or w.merchant, run=w.run, **kwargs)
    return statement_issue(statement=statement, actor=w.finance_staff, now=NOW)


def test_issuing_a_run_issues_its_statements_at_once_with_three_days_to_respond(w, django_capture_on_commit_callbacks):
    first = statement_with_lines(merchant=w.merchant, run=w.run)
    second = statement_with_lines(merchant=w.other_merchant, run=w.run)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = settlement_run_issue(run=w.run, actor=w.finance_staff, now=NOW)
    assert run.status == SettlementRun.Status.ISSUED and run.issued_at == NOW
    for statement in (first, second):
        statement.refresh_from_db()
        assert statement.status == S.ISSUED and statement.issued_at == NOW
        assert statement.respond_by == NOW + dt.timedelta(days=3)
        assert not statement.pdf
    assert len(callbacks) == 2  # the PDFs and the merchants' emails are enqueued after commit
    entry = AuditEntry.objects.get(action="billing.settlement_run.issued")
    assert entry.data["statements"] == 2
    # again: quiet
    assert settlement_run_issue(run=w.run, actor=w.finance_staff).issued_at == NOW


def test_the_response_time_is_a_setting(w):
    settings = BillingSettings.load()
    settings.statement_respond_days = 5
    settings.save()
    assert issued(w).respond_by == NOW + dt.timedelta(days=5)


def test_a_run_still_building_cannot_be_issued_and_only_finance_issues(w):
    building = settlement_run(period_start=dt.date(2026, 11, 23), status=SettlementRun.Status.BUILDING)
    with pytest.raises(InvalidTransition):
        settlement_run_issue(run=building, actor=w.finance_staff)
    with pytest.raises(PermissionDenied):
        settlement_run_issue(run=w.run, actor=w.reviewer)
    statement = statement_with_lines(merchant=w.merchant, run=building)
    with pytest.raises(ApplicationError, match="not built yet"):
        statement_issue(statement=statement, actor=w.finance_staff)
    assert Statement.objects.get(pk=statement.pk).status == S.DRAFT


def test_the_pdf_has_the_figures_in_both_languages_and_is_stored_once(w, django_capture_on_commit_callbacks):
    statement = statement_with_lines(merchant=w.merchant, run=w.run, lines=[
        order_line_spec("1000.00", rate="5.00"), order_line_spec("500.00", refund="100.00", rate="5.00"),
        {"kind": StatementLine.Kind.FEE, "amount": Decimal("-88.00"), "description": "技术服务费 2026",
         "reference": "INV-2026-000001"}])
    with django_capture_on_commit_callbacks(execute=True):
        statement_issue(statement=statement, actor=w.finance_staff, now=NOW)
    statement.refresh_from_db()
    data = statement.pdf.read()
    assert data.startswith(b"%PDF-") and len(statement.pdf_sha256) == 64
    text = pdf_text(data)
    assert statement.number in text and "结算单" in text and "Settlement statement" in text
    assert "¥1,500.00" in text  # GMV
    assert "¥1,242.00" in text  # net payable: 1500 − 100 − 70 (commission 5% of 1000 and of 400) − 88 (fee)
    assert "扣除" in text and "扣款" not in text
    assert "技术服务费 2026" in text and "2026-11-27 10:00" in text  # respond by
    from billing.statement_documents import statement_pdf_build

    name = statement.pdf.name
    assert statement_pdf_build(statement).pdf.name == name  # a retried task writes nothing


@pytest.mark.parametrize("member", ["owner", "member_admin", "finance"])
def test_owner_admin_and_finance_confirm(w, member):
    statement = issued(w)
    user = getattr(w, member)
    statement = statement_confirm(statement=statement, actor=user, now=NOW + dt.timedelta(hours=1))
    assert statement.status == S.CONFIRMED and statement.confirmed_by == user and not statement.confirmed_silently
    assert AuditEntry.objects.filter(action="billing.statement.confirmed", target_id=str(statement.pk)).count() == 1
    # twice: quiet, nothing more written
    statement_confirm(statement=statement, actor=user)
    assert AuditEntry.objects.filter(action="billing.statement.confirmed", target_id=str(statement.pk)).count() == 1


def test_operations_and_other_merchants_cannot_confirm(w):
    statement = issued(w)
    with pytest.raises(PermissionDenied, match="owner, an admin or a finance user"):
        statement_confirm(statement=statement, actor=w.operations)
    with pytest.raises(PermissionDenied):
        statement_confirm(statement=statement, actor=w.other_owner)
    assert Statement.objects.get(pk=statement.pk).status == S.ISSUED


def test_a_draft_cannot_be_confirmed(w):
    statement = statement_with_lines(merchant=w.merchant, run=w.run)
    with pytest.raises(ApplicationError, match="not been issued"):
        statement_confirm(statement=statement, actor=w.owner)


def test_silence_is_confirmation_after_the_response_time(w):
    waiting = issued(w)
    answered = statement_confirm(statement=issued(w, merchant=w.other_merchant), actor=w.other_owner)
    assert statements_autoconfirm(now=NOW + dt.timedelta(days=3)) == 0  # not past respond_by yet
    assert statements_autoconfirm(now=NOW + dt.timedelta(days=3, seconds=1)) == 1
    waiting.refresh_from_db()
    assert waiting.status == S.CONFIRMED and waiting.confirmed_silently and waiting.confirmed_by is None
    assert waiting.confirmed_at == waiting.respond_by
    answered.refresh_from_db()
    assert not answered.confirmed_silently
    entry = AuditEntry.objects.get(action="billing.statement.confirmed_silently")
    assert entry.data["statements"] == [waiting.pk]
    assert statements_autoconfirm(now=NOW + dt.timedelta(days=9)) == 0  # idempotent


def test_the_daily_task_confirms(w):
    from billing.tasks import statements_autoconfirm_task

    statement = statement_with_lines(merchant=w.merchant, run=w.run)
    statement_issue(statement=statement, actor=w.finance_staff, now=timezone.now() - dt.timedelta(days=3, minutes=1))
    assert statements_autoconfirm_task.delay().get() == 1


@PG
def test_the_database_refuses_changes_to_an_issued_statement_and_its_lines(w):
    statement = issued(w)
    line = statement.lines.first()
    for change in (
        lambda: Statement.objects.filter(pk=statement.pk).update(net_payable=Decimal("1.00")),
        lambda: Statement.objects.filter(pk=statement.pk).update(status=S.DRAFT),
        lambda: connection.cursor().execute("DELETE FROM billing_statement WHERE id = %s", [statement.pk]),
        lambda: StatementLine.objects.filter(pk=line.pk).update(amount=Decimal("0.01")),
        lambda: StatementLine.objects.filter(pk=line.pk).delete(),
        lambda: StatementLine.objects.create(statement=statement, kind=StatementLine.Kind.FEE, amount=-1),
    ):
        with pytest.raises(DatabaseError, match="issued"), transaction.atomic():
            change()
    # what may change: its status forward, once its PDF
    Statement.objects.filter(pk=statement.pk).update(pdf="statements/x.pdf", pdf_sha256="a" * 64)
    with pytest.raises(DatabaseError, match="PDF"), transaction.atomic():
        Statement.objects.filter(pk=statement.pk).update(pdf="statements/y.pdf")
    statement_confirm(statement=statement, actor=w.owner)


@PG
def test_a_draft_statement_and_its_lines_may_still_change(w):
    statement = statement_with_lines(merchant=w.merchant, run=w.run)
    StatementLine.objects.filter(statement=statement).update(description="rebuilt")
    StatementLine.objects.create(statement=statement, kind=StatementLine.Kind.FEE, amount=-1)
    Statement.objects.filter(pk=statement.pk).update(net_payable=Decimal("1.00"))
    StatementLine.objects.filter(statement=statement).delete()
    Statement.objects.filter(pk=statement.pk).delete()
