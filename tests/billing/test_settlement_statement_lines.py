"""What a statement holds besides its orders: a late refund of a settled line, subsidies within the annual cap
across runs, fees and deductions approved for it, and a negative balance carried forward."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing.models import SettlementAdjustment, Statement, StatementLine, SubsidyUsage
from billing.services.settlements import (
    settlement_adjustment_approve,
    settlement_adjustment_propose,
    settlement_adjustment_reject,
)
from billing.services.settlements.subsidies import subsidy_cap_left
from portal.audit import AuditEntry
from portal.exceptions import ApplicationError, PermissionDenied
from tests.billing.settlement_world import (
    WEEK1,
    WEEK2,
    enrol,
    logistics_subsidy,
    merchant_active,
    order_change,
    orders,
    run_built,
)
from tests.factories.commission import staff, table

pytestmark = pytest.mark.django_db
D = Decimal
K = StatementLine.Kind


@pytest.fixture(autouse=True)
def commission_table():
    return table()


def lines_of(statement: Statement, kind: str):
    return list(statement.lines.filter(kind=kind).order_by("pk"))


# ---------------------------------------------------------------------------- a late refund


def test_a_late_refund_of_a_settled_line_is_a_correction_on_the_next_statement():
    c = merchant_active(grade="C")  # apparel 12%
    line = orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["200.00"])[0]
    first = Statement.objects.get(run=run_built())
    assert (first.gmv, first.commission, first.net_payable) == (D("200.00"), D("24.00"), D("176.00"))
    order_change(line, refund="50.00")
    second = Statement.objects.get(run=run_built(WEEK2))
    [change] = lines_of(second, K.ORDER_CHANGE)
    assert (change.order_line_id, change.order_version, change.gmv, change.refund, change.commission_rate,
            change.commission, change.amount) == (line.pk, 2, D("0"), D("50.00"), D("12.0000"), D("-6.00"),
                                                  D("-44.00"))
    assert change.explanation_id == lines_of(first, K.ORDER)[0].explanation_id
    assert (second.gmv, second.refunds, second.commission, second.net_payable, second.carried_forward) == (
        D("0"), D("50.00"), D("-6.00"), D("0"), D("-44.00"))
    # the order is on the first statement once, and the change on the second once
    assert StatementLine.objects.filter(order_line=line).count() == 2


def test_a_change_that_moves_no_money_adds_no_line():
    c = merchant_active()
    line = orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["200.00"])[0]
    run_built()
    line.on_time = False
    line.version = 2
    line.save()
    assert not lines_of(Statement.objects.get(run=run_built(WEEK2)), K.ORDER_CHANGE)


def test_a_settled_line_whose_t_moves_into_a_later_period_is_not_settled_again():
    """T is when the line became settleable; once a statement has settled it, a later T (the platform moved
    the date) changes nothing: the next run neither settles it again nor corrects it, as no money moved."""
    c = merchant_active()
    line = orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["200.00"])[0]
    first = Statement.objects.get(run=run_built())
    assert first.order_count == 1
    line.settleable_on, line.version = dt.date(2026, 11, 11), 2
    line.save(update_fields=["settleable_on", "version"])
    second = Statement.objects.get(run=run_built(WEEK2))
    assert (second.order_count, second.gmv) == (0, D("0"))
    assert StatementLine.objects.filter(order_line=line).count() == 1


# ---------------------------------------------------------------------------- negative balance


def test_a_negative_balance_is_carried_forward_into_the_next_statement():
    c = merchant_active(grade="C")
    line = orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["100.00"])[0]
    run_built()
    order_change(line, refund="100.00")  # refunded in full after it was settled: −88.00 next week
    orders(c.merchant, day=dt.date(2026, 11, 10), amounts=["50.00"])  # +44.00
    second = Statement.objects.get(run=run_built(WEEK2))
    assert (second.net_payable, second.carried_forward) == (D("0"), D("-44.00"))
    orders(c.merchant, day=dt.date(2026, 11, 17), amounts=["100.00"])  # +88.00
    third = Statement.objects.get(run=run_built(dt.date(2026, 11, 16)))
    [carried] = lines_of(third, K.CARRIED_IN)
    assert (carried.amount, carried.reference) == (D("-44.00"), second.number)
    assert (third.carried_in, third.net_payable, third.carried_forward) == (D("-44.00"), D("44.00"), D("0"))


# ---------------------------------------------------------------------------- subsidies


def test_the_logistics_subsidy_per_order_within_the_annual_cap_across_two_runs():
    item = logistics_subsidy(rate="0.5", cap="12.00", fresh_rate="1")
    c = merchant_active()
    other = merchant_active()  # not enrolled: no subsidy
    enrol(c.merchant, item)
    orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["10.00"] * 6, category="apparel")  # 6 × 0.5 = 3.00
    orders(c.merchant, day=dt.date(2026, 11, 5), amounts=["10.00"] * 5, category="fresh",
           refunds=["10.00", "0", "0", "0", "0"])  # 4 not refunded in full × 1 = 4.00
    orders(other.merchant, day=dt.date(2026, 11, 4), amounts=["10.00"])
    first = Statement.objects.get(run=run_built(), merchant=c.merchant)
    subsidies = lines_of(first, K.SUBSIDY)
    assert sorted((s.category.code, s.amount) for s in subsidies) == [("apparel", D("3.00")), ("fresh", D("4.00"))]
    assert first.subsidies == D("7.00")
    # written in the operator's language, with the cap left after it
    assert subsidies[-1].description.endswith("2026年剩余额度：¥5.00")
    version = item.versions.get()
    assert subsidy_cap_left(merchant_id=c.merchant_id, version=version, year=2026) == D("5.00")
    orders(c.merchant, day=dt.date(2026, 11, 10), amounts=["10.00"] * 20)  # 10.00 asked, 5.00 left
    second = Statement.objects.get(run=run_built(WEEK2), merchant=c.merchant)
    [capped] = lines_of(second, K.SUBSIDY)
    assert capped.amount == D("5.00") and second.subsidies == D("5.00")
    usage = SubsidyUsage.objects.get(statement_line=capped)
    assert (usage.orders, usage.capped, usage.year) == (20, True, 2026)
    assert subsidy_cap_left(merchant_id=c.merchant_id, version=version, year=2026) == D("0")
    assert not Statement.objects.get(run=second.run, merchant=other.merchant).lines.filter(kind=K.SUBSIDY).exists()
    orders(c.merchant, day=dt.date(2026, 11, 17), amounts=["10.00"])
    third = Statement.objects.get(run=run_built(dt.date(2026, 11, 16)), merchant=c.merchant)
    assert not lines_of(third, K.SUBSIDY)


def test_a_cross_border_merchant_gets_the_cross_border_rate():
    item = logistics_subsidy(rate="0.5", fresh_rate="1")
    c = merchant_active()
    enrol(c.merchant, item, cross_border=True)
    orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["10.00"] * 3)
    statement = Statement.objects.get(run=run_built())
    assert [s.amount for s in lines_of(statement, K.SUBSIDY)] == [D("3.00")]


# ---------------------------------------------------------------------------- fees and deductions


def test_approved_fees_and_deductions_land_on_the_next_statement_once():
    maker, checker = staff("finance"), staff("finance")
    c = merchant_active()
    orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["1000.00"])  # 880.00
    fee = settlement_adjustment_propose(merchant=c.merchant, kind="fee", amount="100", description="Store design",
                                        actor=maker)
    deduction = settlement_adjustment_propose(merchant=c.merchant, kind="deduction", amount="30.5",
                                              description="Late shipment penalty", reference="ORD-9", actor=maker)
    rejected = settlement_adjustment_propose(merchant=c.merchant, kind="fee", amount="7", description="Typo",
                                             actor=maker)
    pending = settlement_adjustment_propose(merchant=c.merchant, kind="fee", amount="9", description="Later",
                                            actor=maker)
    with pytest.raises(PermissionDenied, match="another person has to approve"):
        settlement_adjustment_approve(adjustment=fee, actor=maker)
    settlement_adjustment_approve(adjustment=fee, actor=checker)
    settlement_adjustment_approve(adjustment=deduction, actor=checker)
    settlement_adjustment_reject(adjustment=rejected, actor=checker)
    statement = Statement.objects.get(run=run_built())
    assert [(line.amount, line.reference) for line in lines_of(statement, K.FEE)] == [
        (D("-100.00"), f"adjustment:{fee.pk}")]
    assert [(line.amount, line.reference) for line in lines_of(statement, K.DEDUCTION)] == [(D("-30.50"), "ORD-9")]
    assert (statement.fees, statement.deductions, statement.net_payable) == (D("100.00"), D("30.50"),
                                                                            D("749.50"))
    fee.refresh_from_db()
    assert fee.status == SettlementAdjustment.Status.SETTLED and fee.statement_line.statement == statement
    pending.refresh_from_db()
    assert pending.status == SettlementAdjustment.Status.PROPOSED
    second = Statement.objects.get(run=run_built(WEEK2))
    assert not second.lines.filter(kind__in=[K.FEE, K.DEDUCTION]).exists()
    assert AuditEntry.objects.filter(action="billing.settlement_adjustment.settled").count() == 2


@pytest.mark.parametrize(("fields", "message"), [
    ({"kind": "bonus"}, "fee or a deduction"), ({"amount": "abc"}, "as a number"), ({"amount": "0"}, "more than"),
    ({"description": "  "}, "what the fee or deduction is for"),
])
def test_a_bad_adjustment_is_refused(fields, message):
    c = merchant_active()
    values = {"kind": "fee", "amount": "10", "description": "Ads"} | fields
    with pytest.raises(ApplicationError, match=message):
        settlement_adjustment_propose(merchant=c.merchant, actor=staff("finance"), **values)
    assert not SettlementAdjustment.objects.exists()


def test_the_week_one_fixture_is_a_monday():
    assert WEEK1.weekday() == 0
