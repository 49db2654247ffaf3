"""The reconciliation report of a run: the lines, the statements' totals, the payouts and the payout file tie out, and
every planted difference comes back as an exception naming where it is."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import (
    Payout,
    PayoutFile,
    PayoutFileLine,
    SettlementRun,
    Statement,
    StatementLine,
    StatementStatus,
)
from billing.selectors.reconciliation import settlement_run_reconcile
from billing.services.payouts import payout_file_create, payout_mark_paid, settlement_run_approve
from portal.roles import Role
from tests.factories.onboarding import MerchantFactory, staff_user
from tests.factories.settlements import LineSpec, bank_account_for, issued_run, statement_from_spec

pytestmark = pytest.mark.django_db
D = Decimal
S = StatementStatus


@pytest.fixture
def run():
    finance = staff_user(Role.FINANCE)
    run = issued_run(created_by=finance)
    merchants = [MerchantFactory(name=f"对账商家{i}") for i in range(3)]
    for m in merchants:
        bank_account_for(m)
    statements = [
        statement_from_spec(run=run, merchant=merchants[0], spec=LineSpec(
            orders=[("1000.00", "100.00", "45.00"), ("500.00", "0.00", "25.00")], subsidies=["10.00"],
            frozen=["200.00"], released=["30.00"], carried_in="-20.00")),
        statement_from_spec(run=run, merchant=merchants[1], status=S.DISPUTED),
        statement_from_spec(run=run, merchant=merchants[2], spec=LineSpec(
            orders=[("50.00", "0.00", "2.50")], fees=["100.00"], deductions=["10.00"])),
    ]
    return run, statements


def approve_and_send(run):
    run = settlement_run_approve(run=run, actor=staff_user(Role.FINANCE))
    payout_file_create(run=run, actor=staff_user(Role.FINANCE))
    return run


def test_a_run_that_ties_out_has_no_exceptions_and_equal_figures(run):
    run, _statements = run
    run = approve_and_send(run)
    payout_mark_paid(payout=Payout.objects.first(), bank_reference="B-1", actor=staff_user(Role.FINANCE))
    report = settlement_run_reconcile(run=run)
    assert report.exceptions == [] and report.ties_out
    figures = report.figures["CNY"]
    # 1350 + 10 + 30 − 20 = 1350.00 and 950.00 to pay; the third is carried forward (−62.50)
    assert figures["lines"] == figures["statements"] == figures["payouts"] == figures["file"] == D("2300.00")
    assert report.counts == {"statements": 3, "payouts": 2, "files": 1}


def test_a_line_changed_under_a_statement_is_an_exception_on_that_statement():
    # planted in a draft (PostgreSQL refuses any change to an issued statement's lines)
    run = issued_run(status=SettlementRun.Status.BUILT)
    first = statement_from_spec(run=run, merchant=MerchantFactory(), status=S.DRAFT, spec=LineSpec(
        orders=[("1000.00", "100.00", "45.00"), ("500.00", "0.00", "25.00")], subsidies=["10.00"]))
    statement_from_spec(run=run, merchant=MerchantFactory(), status=S.DRAFT)
    line = StatementLine.objects.filter(statement=first, kind="order").first()
    StatementLine.objects.filter(pk=line.pk).update(gmv=line.gmv + D("1.00"), amount=line.amount + D("1.00"))
    report = settlement_run_reconcile(run=run)
    found = {(e.reference, str(e.label)): e for e in report.exceptions}
    assert set(found) == {(first.number, "GMV"), (first.number, "Net payable")}
    assert found[(first.number, "GMV")].difference == D("1.00")
    assert found[(first.number, "Net payable")].expected == first.net_payable + D("1.00")
    assert not report.ties_out


def test_a_payout_a_file_line_and_a_file_total_that_differ_are_each_found(run):
    run, statements = run
    run = approve_and_send(run)
    second = statements[1]
    payout = Payout.objects.get(statement=second)
    Payout.objects.filter(pk=payout.pk).update(amount=payout.amount + D("0.01"))
    PayoutFileLine.objects.filter(payout__statement=statements[0]).update(amount=D("1.00"))
    PayoutFile.objects.filter(run=run).update(payout_count=3)
    report = settlement_run_reconcile(run=run)
    kinds = sorted((e.check, str(e.label)) for e in report.exceptions)
    assert kinds == [("payout_file", "Amount in the payout file"), ("payout_file", "Amount in the payout file"),
                     ("payout_file", "Payout file total"), ("payout_file", "Payouts in the file"),
                     ("payouts", "Payout amount")]
    amount = next(e for e in report.exceptions if e.label == "Payout amount")
    assert (amount.reference, amount.expected, amount.actual) == (second.number, second.net_payable,
                                                                  second.net_payable + D("0.01"))


def test_a_statement_to_pay_without_its_payout_is_found(run):
    run, statements = run
    run = approve_and_send(run)
    first = statements[0]
    PayoutFileLine.objects.filter(payout__statement=first).delete()
    Payout.objects.filter(statement=first).delete()
    report = settlement_run_reconcile(run=run)
    [missing] = [e for e in report.exceptions if e.check == "payouts"]
    assert (str(missing.label), missing.reference, missing.expected) == ("Payout missing", first.number,
                                                                         D("1350.00"))
    assert Statement.objects.get(pk=first.pk).status == S.APPROVED


def test_the_report_costs_the_same_queries_for_more_statements(run, django_assert_num_queries):
    run, _statements = run
    for _i in range(5):
        statement_from_spec(run=run, merchant=MerchantFactory(), status=S.CONFIRMED)
    run = approve_and_send(run)
    with django_assert_num_queries(4):
        small = settlement_run_reconcile(run=run)
    assert small.counts["statements"] == 8
    Statement.objects.filter(run=run).update(status=S.APPROVED)
    for _i in range(20):
        statement_from_spec(run=run, merchant=MerchantFactory(), status=S.APPROVED)
    with django_assert_num_queries(4):
        large = settlement_run_reconcile(run=run)
    assert large.counts["statements"] == 28
