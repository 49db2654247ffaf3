"""Disputes of statement lines: opened within the time by the roles that may, the amount frozen, evidence asked
for and added, the decision (released, upheld, partly released) with the due date moved by the days frozen, the
withdrawal, and what the next statements get from them (frozen and released lines, each release once)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import Dispute, Statement, StatementLine
from billing.services.disputes import (
    dispute_decide,
    dispute_evidence_add,
    dispute_evidence_request,
    dispute_withdraw,
    disputes_for_statement_build,
)
from billing.services.statements import statement_confirm, statement_dispute, statement_issue
from portal.exceptions import ApplicationError, InvalidTransition, PermissionDenied
from tests.billing.statement_support import StatementWorld
from tests.factories.onboarding import pdf_upload
from tests.factories.settlements import order_line_spec, settlement_run, statement_with_lines

pytestmark = pytest.mark.django_db
S = Statement.Status
D = Dispute.Status
K = StatementLine.Kind
NOW = timezone.make_aware(dt.datetime(2026, 11, 24, 10, 0))  # Tuesday after the week of 16 November


@pytest.fixture
def w():
    return StatementWorld()


def issued(w, merchant=None, lines=None) -> Statement:
    statement = statement_with_lines(merchant=merchant or w.merchant, run=w.run, lines=lines)
    return statement_issue(statement=statement, actor=w.finance_staff, now=NOW)


def order_line(statement) -> StatementLine:
    return statement.lines.filter(kind=K.ORDER).order_by("id").first()


def dispute(w, statement=None, amount="50.00", at=NOW + dt.timedelta(hours=2), actor=None, **kwargs) -> Dispute:
    statement = statement or issued(w)
    return statement_dispute(statement=statement, line=kwargs.pop("line", None) or order_line(statement),
                             amount=amount, reason="佣金按 8% 计算，合同约定 5%", actor=actor or w.finance, now=at,
                             **kwargs)


@pytest.mark.parametrize("member", ["owner", "member_admin", "finance"])
def test_owner_admin_and_finance_dispute_a_line_and_its_amount_is_frozen(w, member):
    statement = issued(w)
    opened = dispute(w, statement, actor=getattr(w, member), files=[pdf_upload("订单截图.pdf")])
    assert opened.status == D.OPEN and opened.amount == Decimal("50.00") and opened.currency == "CNY"
    assert opened.number == f"{statement.number}-D1" and opened.merchant_id == w.merchant.pk
    assert opened.evidence.get().content_type == "application/pdf"
    statement.refresh_from_db()
    # the rest of the statement counts as confirmed; the disputed amount is outside it
    assert statement.status == S.DISPUTED and statement.confirmed_by == getattr(w, member)


def test_operations_and_other_merchants_cannot_dispute(w):
    statement = issued(w)
    for actor in (w.operations, w.other_owner):
        with pytest.raises(PermissionDenied):
            dispute(w, statement, actor=actor)
    assert not Dispute.objects.exists() and Statement.objects.get(pk=statement.pk).status == S.ISSUED


def test_a_dispute_after_the_response_time_or_of_a_confirmed_statement_is_refused(w):
    statement = issued(w)
    with pytest.raises(ApplicationError, match="time to dispute"):
        dispute(w, statement, at=NOW + dt.timedelta(days=3, minutes=1))
    statement_confirm(statement=statement, actor=w.owner, now=NOW)
    with pytest.raises(ApplicationError, match="no longer be confirmed or disputed"):
        dispute(w, statement)
    assert not Dispute.objects.exists()


def test_bad_input_names_the_fields_and_writes_nothing(w):
    statement = issued(w)
    line = order_line(statement)  # GMV 1000
    with pytest.raises(ValidationError) as error:
        statement_dispute(statement=statement, line=line, amount="abc", reason=" ", actor=w.owner, now=NOW)
    assert set(error.value.message_dict) == {"amount", "reason"}
    with pytest.raises(ValidationError, match="At most ¥1,000.00"):
        statement_dispute(statement=statement, line=line, amount="1000.01", reason="x", actor=w.owner, now=NOW)
    with pytest.raises(ValidationError) as error:
        statement_dispute(statement=statement, line=line, amount="10", reason="x", actor=w.owner, now=NOW,
                          files=[SimpleUploadedFile("fake.pdf", b"not a pdf")])
    assert "files" in error.value.message_dict
    other = issued(w, merchant=w.other_merchant)
    with pytest.raises(ApplicationError, match="not on this statement"):
        statement_dispute(statement=statement, line=order_line(other), amount="10", reason="x", actor=w.owner,
                          now=NOW)
    assert not Dispute.objects.exists() and Statement.objects.get(pk=statement.pk).status == S.ISSUED


def test_a_line_is_disputed_once_and_more_lines_can_be_disputed_in_time(w):
    statement = issued(w)
    first = dispute(w, statement)
    with pytest.raises(ApplicationError, match="already disputed"):
        dispute(w, statement)
    second_line = statement.lines.filter(kind=K.ORDER).order_by("id").last()
    second = dispute(w, statement, line=second_line, amount="20.00")
    assert second.number.endswith("-D2") and first.number.endswith("-D1")
    with pytest.raises(IntegrityError), transaction.atomic():  # the database's guard
        Dispute.objects.create(statement=statement, line=second_line, merchant=w.merchant, number="X", amount=1,
                               currency="CNY", reason="x", opened_at=NOW, opened_by=w.owner)


def test_evidence_requested_then_added_puts_it_under_review(w):
    opened = dispute(w)
    with pytest.raises(PermissionDenied):
        dispute_evidence_request(dispute=opened, actor=w.reviewer, note="x")
    with pytest.raises(ValidationError):
        dispute_evidence_request(dispute=opened, actor=w.finance_staff, note=" ")
    waiting = dispute_evidence_request(dispute=opened, actor=w.finance_staff, note="请提供订单退款记录")
    assert waiting.status == D.AWAITING_EVIDENCE and waiting.evidence_request == "请提供订单退款记录"
    with pytest.raises(ValidationError):
        dispute_evidence_add(dispute=waiting, actor=w.owner)
    with pytest.raises(PermissionDenied):
        dispute_evidence_add(dispute=waiting, actor=w.operations, note="x")
    staff_note = dispute_evidence_add(dispute=waiting, actor=w.finance_staff, note="已联系商家", staff=True)
    assert staff_note.status == D.AWAITING_EVIDENCE
    reviewed = dispute_evidence_add(dispute=waiting, actor=w.member_admin, note="退款记录见附件",
                                    files=[pdf_upload("退款.pdf")])
    assert reviewed.status == D.UNDER_REVIEW
    assert [(e.by_staff, e.note) for e in reviewed.evidence.all()] == [(True, "已联系商家"), (False, "退款记录见附件")]


def test_released_is_due_on_the_payout_date_plus_the_days_frozen(w):
    opened = dispute(w, amount="50.00", at=NOW + dt.timedelta(hours=2))  # 24 November
    statement = opened.statement
    decided = dispute_decide(dispute=opened, actor=w.finance_staff, outcome=Dispute.Outcome.RELEASED,
                             note="合同约定 5%，退还差额", now=NOW + dt.timedelta(days=10))  # 4 December
    assert decided.status == D.DECIDED and decided.released_amount == Decimal("50.00")
    assert decided.frozen_days == 10
    assert decided.released_due_on == statement.payout_due_on + dt.timedelta(days=10)
    assert statement.payout_due_on == dt.date(2026, 12, 7) and decided.released_due_on == dt.date(2026, 12, 17)
    # decided once
    with pytest.raises(InvalidTransition):
        dispute_withdraw(dispute=decided, actor=w.owner)
    assert dispute_decide(dispute=decided, actor=w.finance_staff, outcome="upheld", note="x").outcome == "released"


def test_upheld_releases_nothing_and_partial_releases_part(w):
    statement = issued(w)
    upheld = dispute_decide(dispute=dispute(w, statement), actor=w.management, outcome=Dispute.Outcome.UPHELD,
                            note="费率正确", now=NOW + dt.timedelta(days=2))
    assert upheld.released_amount == 0 and upheld.released_due_on is None and upheld.frozen_days == 2
    second = dispute(w, statement, line=statement.lines.order_by("id").last(), amount="40.00")
    for bad in ("40.00", "0", "x"):
        with pytest.raises(ValidationError) as error:
            dispute_decide(dispute=second, actor=w.finance_staff, outcome=Dispute.Outcome.PARTIAL, note="部分",
                           released_amount=bad)
        assert "released_amount" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        dispute_decide(dispute=second, actor=w.finance_staff, outcome="maybe", note="")
    assert set(error.value.message_dict) == {"outcome", "note"}
    with pytest.raises(PermissionDenied):
        dispute_decide(dispute=second, actor=w.owner, outcome=Dispute.Outcome.RELEASED, note="x")
    partial = dispute_decide(dispute=second, actor=w.finance_staff, outcome=Dispute.Outcome.PARTIAL, note="部分",
                             released_amount="15.50", now=NOW)
    assert partial.released_amount == Decimal("15.50") and partial.frozen_days == 0
    assert partial.released_due_on == statement.payout_due_on


def test_withdrawing_the_only_dispute_leaves_the_statement_confirmed_for_good(w):
    opened = dispute(w)
    with pytest.raises(PermissionDenied):
        dispute_withdraw(dispute=opened, actor=w.operations)
    withdrawn = dispute_withdraw(dispute=opened, actor=w.owner, now=NOW + dt.timedelta(days=1))
    assert withdrawn.status == D.WITHDRAWN and withdrawn.released_amount == 0
    assert Statement.objects.get(pk=opened.statement_id).status == S.CONFIRMED
    # confirmed is confirmed: nothing more is disputed on it
    with pytest.raises(ApplicationError, match="no longer"):
        dispute(w, opened.statement, at=NOW + dt.timedelta(days=1, hours=1))


def test_the_next_statements_get_frozen_and_released_lines_each_release_once(w):
    statement = issued(w)
    lines = list(statement.lines.filter(kind=K.ORDER).order_by("id"))
    frozen = dispute(w, statement, line=lines[0], amount="30.00")
    released = dispute(w, statement, line=lines[1], amount="20.00")
    other = dispute(w, issued(w, merchant=w.other_merchant), actor=w.other_owner, amount="5.00")
    # decided during the next week (23–29 November)
    released = dispute_decide(dispute=released, actor=w.finance_staff, outcome="released", note="ok",
                              now=NOW + dt.timedelta(days=2))
    next_end = dt.date(2026, 11, 29)
    got = disputes_for_statement_build(period_end=next_end, merchant_ids=[w.merchant.pk])
    assert set(got) == {w.merchant.pk}
    mine = got[w.merchant.pk]
    assert [(s.kind, s.amount, s.reference) for s in mine.frozen] == [("frozen", Decimal("30.00"), frozen.number)]
    assert [(s.kind, s.amount, s.day) for s in mine.released] == [
        ("released", Decimal("20.00"), released.released_due_on)]
    assert mine.frozen_total == Decimal("30.00") and mine.released_total == Decimal("20.00")
    # by merchant id range (a chunk), both merchants
    both = disputes_for_statement_build(period_end=next_end, first_merchant_id=min(w.merchant.pk, w.other_merchant.pk),
                                        last_merchant_id=max(w.merchant.pk, w.other_merchant.pk))
    assert both[w.other_merchant.pk].frozen[0].reference == other.number
    # the disputed statement's own period gets nothing from its disputes
    assert disputes_for_statement_build(period_end=w.run.period_end, merchant_ids=[w.merchant.pk]) == {}

    # the next statement carries the release; a rebuild of that period sees it again, the week after does not
    next_run = settlement_run(period_start=dt.date(2026, 11, 23))
    spec = mine.released[0]
    statement_with_lines(merchant=w.merchant, run=next_run, lines=[
        {"kind": K.RELEASED, "amount": spec.amount, "day": spec.day, "reference": spec.reference,
         "description": spec.description}])
    assert disputes_for_statement_build(period_end=next_end, merchant_ids=[w.merchant.pk])[w.merchant.pk].released
    later = disputes_for_statement_build(period_end=dt.date(2026, 12, 6), merchant_ids=[w.merchant.pk])
    assert later[w.merchant.pk].released == [] and len(later[w.merchant.pk].frozen) == 1
    third_run = settlement_run(period_start=dt.date(2026, 11, 30))
    with pytest.raises(IntegrityError), transaction.atomic():
        statement_with_lines(merchant=w.merchant, run=third_run, lines=[
            {"kind": K.RELEASED, "amount": spec.amount, "reference": spec.reference}])


def test_the_period_decides_what_is_frozen(w):
    opened = dispute(w, at=NOW)  # 24 November
    decided_at = timezone.make_aware(dt.datetime(2026, 12, 1, 9, 0))
    dispute_decide(dispute=opened, actor=w.finance_staff, outcome="upheld", note="ok", now=decided_at)
    week = disputes_for_statement_build(period_end=dt.date(2026, 11, 29), merchant_ids=[w.merchant.pk])
    assert len(week[w.merchant.pk].frozen) == 1  # still frozen at the end of that week (a rebuild gets the same)
    assert disputes_for_statement_build(period_end=dt.date(2026, 12, 6), merchant_ids=[w.merchant.pk]) == {}


def test_the_statement_stays_as_issued_whatever_the_decision(w):
    opened = dispute(w)
    before = Statement.objects.filter(pk=opened.statement_id).values("net_payable", "frozen", "released").get()
    dispute_decide(dispute=opened, actor=w.finance_staff, outcome="released", note="ok")
    after = Statement.objects.filter(pk=opened.statement_id).values("net_payable", "frozen", "released").get()
    assert before == after


def test_the_order_line_spec_helper_is_consistent():
    spec = order_line_spec("200.00", refund="20.00", rate="6.00")
    assert spec["commission"] == Decimal("10.80") and spec["amount"] == Decimal("169.20")
