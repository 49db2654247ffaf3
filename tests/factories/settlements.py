"""Builders for statement tests: a settlement run and its statements with their lines written directly (the run
engine's tests build them from order lines), totals summed from the lines as the engine does."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from billing.models import SettlementRun, Statement, StatementLine
from portal.models import Category
from tests.factories.portal import CategoryFactory

_seq = itertools.count(1)
K = StatementLine.Kind

MONDAY = dt.date(2026, 11, 16)


def settlement_run(*, period_start: dt.date = MONDAY, status: str = SettlementRun.Status.BUILT) -> SettlementRun:
    period_end = period_start + dt.timedelta(days=6)
    run, _created = SettlementRun.objects.get_or_create(
        period_start=period_start, period_end=period_end,
        defaults={"payout_due_on": period_end + dt.timedelta(days=15), "status": status})
    return run


def order_line_spec(gmv: str, *, rate: str = "5.00", refund: str = "0", category: Category | None = None,
                    day: dt.date | None = None, description: str = "") -> dict:
    gmv_d, refund_d, rate_d = Decimal(gmv), Decimal(refund), Decimal(rate)
    commission = ((gmv_d - refund_d) * rate_d / 100).quantize(Decimal("0.01"))
    return {"kind": K.ORDER, "gmv": gmv_d, "refund": refund_d, "commission_rate": rate_d, "commission": commission,
            "amount": gmv_d - refund_d - commission, "category": category, "day": day,
            "description": description}


TOTAL_OF_KIND = {K.SUBSIDY: "subsidies", K.FEE: "fees", K.DEDUCTION: "deductions", K.RELEASED: "released",
                 K.CARRIED_IN: "carried_in", K.FROZEN: "frozen"}


def statement_with_lines(*, merchant, run: SettlementRun | None = None, lines: list[dict] | None = None,
                         contract=None, status: str = Statement.Status.DRAFT, number: str | None = None) -> Statement:
    """A statement of `merchant` in `run` (a built run of the week of 16 November 2026 by default) with `lines`
    (dicts of StatementLine fields; `order_line_spec` for orders), its totals summed from them."""
    run = run or settlement_run()
    lines = lines if lines is not None else [order_line_spec("1000.00"), order_line_spec("500.00", refund="100.00")]
    category = None
    for spec in lines:
        if spec.get("kind", K.ORDER) == K.ORDER and spec.get("category") is None:
            category = category or CategoryFactory()
            spec["category"] = category
        spec.setdefault("day", run.period_start)
    totals = {"order_count": 0, "gmv": Decimal(0), "refunds": Decimal(0), "commission": Decimal(0),
              **{field: Decimal(0) for field in TOTAL_OF_KIND.values()}}
    for spec in lines:
        kind = spec.get("kind", K.ORDER)
        if kind in (K.ORDER, K.ORDER_CHANGE):
            totals["order_count"] += 1 if kind == K.ORDER else 0
            totals["gmv"] += spec.get("gmv", 0)
            totals["refunds"] += spec.get("refund", 0)
            totals["commission"] += spec.get("commission", 0)
        else:
            totals[TOTAL_OF_KIND[kind]] += abs(Decimal(spec["amount"]))
    net = sum((Decimal(spec["amount"]) for spec in lines if spec.get("kind", K.ORDER) != K.FROZEN), Decimal(0))
    statement = Statement.objects.create(
        run=run, merchant=merchant, contract=contract, number=number or f"ST-{run.period_start:%G%V}-{next(_seq):05d}",
        period_start=run.period_start, period_end=run.period_end, currency="CNY", payout_due_on=run.payout_due_on,
        net_payable=max(net, Decimal(0)), carried_forward=min(net, Decimal(0)), **totals)
    StatementLine.objects.bulk_create([StatementLine(statement=statement, **spec) for spec in lines])
    if status != Statement.Status.DRAFT:
        Statement.objects.filter(pk=statement.pk).update(status=status)
        statement.refresh_from_db()
    return statement
