"""A run built by the engine from order lines, issued to the merchants, approved, paid out through the payout file:
the reconciliation ties out at every step; a balance invoiced at the end of a contract is not carried in again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing.models import Invoice, Payout, SettlementRun, Statement, StatementLine, StatementStatus
from billing.selectors.reconciliation import settlement_run_reconcile
from billing.services.payouts import payout_file_create, payout_file_mark_paid, settlement_run_approve
from billing.services.statements import settlement_run_issue
from portal.roles import Role
from tests.billing.settlement_world import WEEK2, at, merchant_active, order_change, orders, run_built
from tests.factories.commission import staff, table
from tests.factories.settlements import bank_account_for

pytestmark = pytest.mark.django_db
D = Decimal
S = StatementStatus


@pytest.fixture(autouse=True)
def commission_table():
    return table()


def test_built_issued_approved_and_paid_out_the_run_ties_out_at_every_step():
    finance, approver = staff(Role.FINANCE), staff(Role.FINANCE)
    a, b = merchant_active(grade="C"), merchant_active(grade="C")  # apparel 12%
    for c in (a, b):
        bank_account_for(c.merchant)
    orders(a.merchant, day=dt.date(2026, 11, 4), amounts=["200.00", "300.00"])
    orders(b.merchant, day=dt.date(2026, 11, 6), amounts=["1000.00"], refunds=["100.00"])
    run = run_built(actor=finance)
    assert settlement_run_reconcile(run=run).ties_out
    run = settlement_run_issue(run=run, actor=finance, now=at(dt.date(2026, 11, 9)))
    # three days later nobody has answered: approving confirms both by silence
    run = settlement_run_approve(run=run, actor=approver, now=at(dt.date(2026, 11, 13)))
    assert run.status == SettlementRun.Status.APPROVED
    assert set(Statement.objects.filter(run=run).values_list("status", "confirmed_silently")) == {(S.APPROVED, True)}
    report = settlement_run_reconcile(run=run)
    assert report.ties_out
    # 500 − 60 and 900 − 108
    assert report.figures["CNY"]["statements"] == report.figures["CNY"]["payouts"] == D("1232.00")
    [payout_file] = payout_file_create(run=run, actor=finance).files
    payout_file_mark_paid(payout_file=payout_file, bank_reference="ICBC-20261124", actor=finance,
                          paid_on=dt.date(2026, 11, 24))
    report = settlement_run_reconcile(run=SettlementRun.objects.get(pk=run.pk))
    assert report.ties_out and report.figures["CNY"]["file"] == report.figures["CNY"]["paid"] == D("1232.00")
    assert SettlementRun.objects.get(pk=run.pk).status == SettlementRun.Status.CLOSED
    assert Payout.objects.filter(run=run, status="paid").count() == 2


def test_a_balance_invoiced_at_the_end_of_a_contract_is_not_carried_into_a_later_statement():
    finance, approver = staff(Role.FINANCE), staff(Role.FINANCE)
    c = merchant_active(grade="C")
    line = orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["100.00"])[0]
    first = settlement_run_issue(run=run_built(actor=finance), actor=finance, now=at(dt.date(2026, 11, 9)))
    settlement_run_approve(run=first, actor=approver, now=at(dt.date(2026, 11, 13)))
    order_change(line, refund="100.00")  # refunded in full after it was settled: −88.00 next week
    second = settlement_run_issue(run=run_built(WEEK2, actor=finance), actor=finance, now=at(dt.date(2026, 11, 16)))
    owing = Statement.objects.get(run=second)
    assert owing.carried_forward == D("-88.00")
    type(c).objects.filter(pk=c.pk).update(status="terminated")
    settlement_run_approve(run=second, actor=approver, now=at(dt.date(2026, 11, 20)))
    invoice = Invoice.objects.get(source_key=f"statement:{owing.pk}:balance")
    assert invoice.total == D("88.00")
    # the merchant trades again under the same contract (reinstated): the invoiced −88.00 is not carried in
    type(c).objects.filter(pk=c.pk).update(status="active")
    orders(c.merchant, day=dt.date(2026, 11, 17), amounts=["100.00"])
    third = Statement.objects.get(run=run_built(dt.date(2026, 11, 16), actor=finance))
    assert not third.lines.filter(kind=StatementLine.Kind.CARRIED_IN).exists()
    assert (third.carried_in, third.net_payable) == (D("0"), D("88.00"))
