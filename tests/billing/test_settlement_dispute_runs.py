"""Settlement runs built from real disputes: a statement is issued, the merchant disputes a line through the service,
the next period's run shows the amount frozen and leaves it out of the net, a decision releases it, and the
following run pays it, due on the disputed statement's payout date plus the days it was frozen (§9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing.models import Dispute, Statement, StatementLine
from billing.services.disputes import dispute_decide
from billing.services.statements import settlement_run_issue, statement_dispute
from portal.models import MerchantMembership
from portal.roles import Role
from tests.billing.settlement_world import WEEK1, WEEK2, at, merchant_active, orders, run_built
from tests.factories.commission import table
from tests.factories.onboarding import merchant_user, staff_user

pytestmark = pytest.mark.django_db
D = Decimal
K = StatementLine.Kind
WEEK3 = dt.date(2026, 11, 16)


@pytest.fixture(autouse=True)
def commission_table():
    return table()


def lines_of(statement: Statement, kind: str) -> list[StatementLine]:
    return list(statement.lines.filter(kind=kind).order_by("pk"))


def test_a_disputed_line_is_frozen_on_the_next_run_and_paid_after_release_with_the_days_frozen():
    finance = staff_user(Role.FINANCE)
    c = merchant_active(grade="C")  # apparel 12%
    _m, owner = merchant_user(c.merchant, role=MerchantMembership.Role.OWNER)
    orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["200.00", "300.00"])

    # week 1: built, issued on Tuesday 10 November, disputed on Wednesday (within the 3 days)
    first_run = settlement_run_issue(run=run_built(WEEK1), actor=finance, now=at(dt.date(2026, 11, 10)))
    first = Statement.objects.get(run=first_run, merchant=c.merchant)
    assert (first.status, first.net_payable, first.payout_due_on) == ("issued", D("440.00"), dt.date(2026, 11, 23))
    line = first.lines.filter(kind=K.ORDER, gmv=D("300.00")).get()
    dispute = statement_dispute(statement=first, line=line, amount="80.00", reason="佣金比例不对", actor=owner,
                                now=at(dt.date(2026, 11, 11)))
    first.refresh_from_db()
    assert first.status == "disputed" and dispute.status == Dispute.Status.OPEN

    # week 2: the dispute is still open at the end of the period: shown as frozen, counted as nothing
    orders(c.merchant, day=dt.date(2026, 11, 12), amounts=["100.00"])
    second = Statement.objects.get(run=run_built(WEEK2), merchant=c.merchant)
    [frozen] = lines_of(second, K.FROZEN)
    assert (frozen.amount, frozen.reference, frozen.day) == (D("80.00"), dispute.number, dt.date(2026, 11, 11))
    assert not lines_of(second, K.RELEASED)
    assert (second.frozen, second.released, second.net_payable) == (D("80.00"), D("0"), D("88.00"))

    # decided on Wednesday 18 November, seven days after it was opened: released in full
    decided = dispute_decide(dispute=dispute, actor=finance, outcome="released", note="按合同 5% 重新核算",
                             now=at(dt.date(2026, 11, 18)))
    assert (decided.frozen_days, decided.released_due_on) == (7, dt.date(2026, 11, 30))

    # week 3: nothing frozen any more; the released amount is paid, due 23 November + 7 days
    third = Statement.objects.get(run=run_built(WEEK3), merchant=c.merchant)
    assert not lines_of(third, K.FROZEN)
    [released] = lines_of(third, K.RELEASED)
    assert (released.amount, released.reference, released.day) == (D("80.00"), dispute.number,
                                                                    first.payout_due_on + dt.timedelta(days=7))
    assert (third.frozen, third.released, third.net_payable) == (D("0"), D("80.00"), D("80.00"))

    # a later run never pays it again
    fourth = Statement.objects.get(run=run_built(dt.date(2026, 11, 23)), merchant=c.merchant)
    assert not lines_of(fourth, K.RELEASED) and not lines_of(fourth, K.FROZEN)


def test_an_upheld_dispute_unfreezes_without_paying_and_a_partial_release_pays_its_part():
    finance = staff_user(Role.FINANCE)
    c = merchant_active(grade="C")
    _m, owner = merchant_user(c.merchant, role=MerchantMembership.Role.ADMIN)
    orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["200.00", "300.00"])
    first = Statement.objects.get(
        run=settlement_run_issue(run=run_built(WEEK1), actor=finance, now=at(dt.date(2026, 11, 10))))
    small, big = first.lines.filter(kind=K.ORDER).order_by("gmv")
    upheld = statement_dispute(statement=first, line=small, amount="20.00", reason="x", actor=owner,
                               now=at(dt.date(2026, 11, 10), 15))
    partial = statement_dispute(statement=first, line=big, amount="60.00", reason="y", actor=owner,
                                now=at(dt.date(2026, 11, 12)))
    second = Statement.objects.get(run=run_built(WEEK2))
    assert sorted(line.amount for line in lines_of(second, K.FROZEN)) == [D("20.00"), D("60.00")]
    assert (second.frozen, second.net_payable) == (D("80.00"), D("0"))

    dispute_decide(dispute=upheld, actor=finance, outcome="upheld", note="订单属实", now=at(dt.date(2026, 11, 17)))
    dispute_decide(dispute=partial, actor=finance, outcome="partial", released_amount="25.00", note="部分退回",
                   now=at(dt.date(2026, 11, 20)))
    third = Statement.objects.get(run=run_built(WEEK3))
    [released] = lines_of(third, K.RELEASED)
    assert (released.reference, released.amount, released.day) == (partial.number, D("25.00"),
                                                                    dt.date(2026, 11, 23) + dt.timedelta(days=8))
    assert (third.frozen, third.released, third.net_payable) == (D("0"), D("25.00"), D("25.00"))
