"""A small settlement world: a commission table, merchants with active contracts, order lines written
directly (as the set-based upsert would), and the policy's logistics subsidy."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from billing.models import SettlementChunk, SettlementRun, SubsidyEnrolment
from billing.services.settlements import settlement_chunk_build, settlement_run_resume, settlement_run_start
from portal.models import Merchant, OrderLine
from portal.models.policy import CalculatorInput, PolicyBlock, PolicyFormula, PolicyKind, PolicyRateBand
from tests.factories.commission import categories, contract
from tests.factories.policy import PolicyItemFactory, PolicyItemVersionFactory

D = Decimal
SH = ZoneInfo("Asia/Shanghai")
WEEK1 = dt.date(2026, 11, 2)  # a Monday
WEEK2 = dt.date(2026, 11, 9)
_seq = itertools.count(1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SH)


def merchant_active(*, grade: str = "C", activated: dt.date = dt.date(2026, 1, 5), **fields):
    """A merchant with an active contract; returns the contract."""
    return contract(grade=grade, activated_at=at(activated), **fields)


def orders(merchant: Merchant, *, day: dt.date, amounts: list[str], category: str = "apparel",
           refunds: list[str] | None = None, currency: str = "CNY") -> list[OrderLine]:
    cat = categories()[category]
    now = timezone.now()
    rows = []
    for index, amount in enumerate(amounts):
        n = next(_seq)
        refund = D(refunds[index]) if refunds else D("0")
        rows.append(OrderLine(
            external_id=f"ORD-{n:07d}", merchant=merchant, digest=f"{n:032x}", version=1, received_at=now,
            updated_at=now, category=cat, amount=D(amount), currency=currency, completed_on=day - dt.timedelta(days=7),
            settleable_on=day, refund_amount=refund, refunded_on=day if refund else None))
    return OrderLine.objects.bulk_create(rows)


def order_change(line: OrderLine, *, refund: str) -> OrderLine:
    """What the upsert does with a changed line: the new content, the version raised."""
    line.refund_amount = D(refund)
    line.refunded_on = line.settleable_on
    line.version += 1
    line.updated_at = timezone.now()
    line.save(update_fields=["refund_amount", "refunded_on", "version", "updated_at"])
    return line


def logistics_subsidy(*, rate: str = "0.5", cap: str = "500000", fresh_rate: str = "1"):
    """The logistics subsidy as the policy defaults have it (per order, fresh food ¥1), with its cap."""
    item = PolicyItemFactory(code="logistics_subsidy", block=PolicyBlock.OPERATIONS, kind=PolicyKind.LOGISTICS,
                             name_en="Logistics subsidy", name_zh="物流补贴")
    version = PolicyItemVersionFactory(item=item, formula=PolicyFormula.PER_UNIT, base_input=CalculatorInput.ORDERS,
                                       rate=D(rate), cap_per_year=D(cap), requires_designated_logistics=True)
    PolicyRateBand.objects.create(version=version, category=categories()["fresh"], rate=D(fresh_rate), sort_order=1)
    PolicyRateBand.objects.create(version=version, cross_border=True, rate=D(fresh_rate), sort_order=2)
    return item


def enrol(merchant: Merchant, item, *, starts_on: dt.date = dt.date(2026, 1, 1), cross_border: bool = False):
    return SubsidyEnrolment.objects.create(merchant=merchant, item=item, starts_on=starts_on,
                                           cross_border=cross_border)


def run_built(period_start: dt.date = WEEK1, *, actor=None, chunk_size: int | None = None, **kwargs) -> SettlementRun:
    """Start the run and build every chunk, as the tasks do."""
    run = settlement_run_start(period_start=period_start, actor=actor, chunk_size=chunk_size, **kwargs)
    for pk in settlement_run_resume(run=run):
        settlement_chunk_build(chunk=SettlementChunk.objects.get(pk=pk))
    run.refresh_from_db()
    return run
