"""Builders for statement tests: a settlement run and its statements with their lines written directly (the run
engine's tests build them from order lines), totals summed from the lines as the engine does.

`issued_run`, `statement_from_spec` (lines from a `LineSpec`) and `bank_account_for` serve the tests of what comes
after a run is issued: approval, payouts, reconciliation and the admin lists."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from billing.models import BankAccount, SettlementRun, Statement, StatementLine, StatementStatus
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
        if spec.get("day") is None:
            spec["day"] = run.period_start
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


# ---- approval, payouts and reconciliation

D = Decimal


def issued_run(*, period_start: dt.date = dt.date(2026, 11, 2), status: str = SettlementRun.Status.ISSUED,
               created_by=None, currency: str = "CNY") -> SettlementRun:
    """A run (issued by default) of the first free week from `period_start` on, payout due 15 days after its end,
    started by `created_by` (who then may not approve it)."""
    while SettlementRun.objects.filter(period_start=period_start).exists():
        period_start += dt.timedelta(days=7)
    period_end = period_start + dt.timedelta(days=6)
    return SettlementRun.objects.create(period_start=period_start, period_end=period_end, currency=currency,
                                        payout_due_on=period_end + dt.timedelta(days=15), status=status,
                                        created_by=created_by)


@dataclass
class LineSpec:
    """Lines of a statement: orders as (gmv, refund, commission); the others as amounts (positive figures: fees and
    deductions are taken off, frozen is shown and excluded; carried_in is signed)."""

    orders: list[tuple[str, str, str]] = field(default_factory=list)
    subsidies: list[str] = field(default_factory=list)
    fees: list[str] = field(default_factory=list)
    deductions: list[str] = field(default_factory=list)
    frozen: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    carried_in: str = "0"


def statement_from_spec(*, run: SettlementRun, merchant, contract=None, spec: LineSpec | None = None,
                        status: str = StatementStatus.CONFIRMED, respond_by: dt.datetime | None = None,
                        currency: str = "CNY") -> Statement:
    """A statement of `merchant` in `run` with `spec`'s lines and the totals they add up to, in `status` (confirmed
    by default: what finance approves), issued four days ago with its time to answer passed unless `respond_by`."""
    spec = spec or LineSpec(orders=[("1000.00", "0.00", "50.00")])
    lines: list[StatementLine] = []
    day = run.period_start
    for gmv, refund, commission in spec.orders:
        gmv, refund, commission = D(gmv), D(refund), D(commission)
        lines.append(StatementLine(kind=K.ORDER, day=day, gmv=gmv, refund=refund, commission=commission,
                                   commission_rate=D("5.0000"), amount=gmv - refund - commission,
                                   description="order", reference=f"ORD-{next(_seq)}"))
    for kind, amounts, sign in ((K.SUBSIDY, spec.subsidies, 1), (K.FEE, spec.fees, -1),
                                (K.DEDUCTION, spec.deductions, -1), (K.FROZEN, spec.frozen, 1),
                                (K.RELEASED, spec.released, 1)):
        for amount in amounts:
            lines.append(StatementLine(kind=kind, day=day, amount=sign * D(amount), description=kind,
                                       reference=f"{kind}-{next(_seq)}"))
    if D(spec.carried_in):
        lines.append(StatementLine(kind=K.CARRIED_IN, amount=D(spec.carried_in), description="carried in"))
    counted = [line for line in lines if line.kind != K.FROZEN]
    balance = sum((line.amount for line in counted), D("0"))
    now = timezone.now()
    issued = status != StatementStatus.DRAFT
    statement = Statement.objects.create(
        run=run, merchant=merchant, contract=contract, number=f"ST-{run.period_start:%Y%m%d}-{next(_seq):05d}",
        period_start=run.period_start, period_end=run.period_end, currency=currency, status=StatementStatus.DRAFT,
        order_count=len(spec.orders), gmv=sum((D(o[0]) for o in spec.orders), D("0")),
        refunds=sum((D(o[1]) for o in spec.orders), D("0")), commission=sum((D(o[2]) for o in spec.orders), D("0")),
        subsidies=sum((D(a) for a in spec.subsidies), D("0")), fees=sum((D(a) for a in spec.fees), D("0")),
        deductions=sum((D(a) for a in spec.deductions), D("0")), frozen=sum((D(a) for a in spec.frozen), D("0")),
        released=sum((D(a) for a in spec.released), D("0")), carried_in=D(spec.carried_in),
        net_payable=max(balance, D("0")), carried_forward=min(balance, D("0")), payout_due_on=run.payout_due_on,
        issued_at=now - dt.timedelta(days=4) if issued else None,
        respond_by=respond_by if respond_by is not None else (now - dt.timedelta(days=1) if issued else None),
        confirmed_at=now if status in (StatementStatus.CONFIRMED, StatementStatus.DISPUTED) else None)
    for line in lines:
        line.statement = statement
    StatementLine.objects.bulk_create(lines)
    if status != StatementStatus.DRAFT:  # lines first: PostgreSQL refuses lines of an issued statement
        Statement.objects.filter(pk=statement.pk).update(status=status)
        statement.refresh_from_db()
    return statement


def bank_account_for(merchant, *, number: str = "6222020200112233445", holder: str | None = None) -> BankAccount:
    """The merchant's default bank account (written directly: the bank account tests cover adding one)."""
    BankAccount.objects.filter(merchant=merchant, is_default=True).update(is_default=False)
    return BankAccount.objects.create(merchant=merchant, holder_name=holder or f"{merchant.name} 有限公司",
                                      bank_name="中国工商银行", branch="上海分行", account_number=number,
                                      is_default=True)
