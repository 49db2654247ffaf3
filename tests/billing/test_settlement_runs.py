"""Settlement runs (BUSINESS_RULES §9): planning, building a chunk set-based, commission per line equal to the
contracts function, reruns, a run killed half way and resumed, a chunk that fails."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing.models import (
    BillingSettings,
    CommissionExplanation,
    SettlementChunk,
    SettlementRun,
    Statement,
    StatementLine,
)
from billing.services.settlements import (
    settlement_chunk_build,
    settlement_period_default,
    settlement_run_resume,
    settlement_run_start,
)
from contracts.commission import commission_rate, commission_rates
from portal.audit import AuditEntry
from portal.exceptions import ApplicationError
from portal.money import round_money
from tests.billing.settlement_world import WEEK1, WEEK2, enrol, logistics_subsidy, merchant_active, orders, run_built
from tests.factories.commission import categories, contract, table

pytestmark = pytest.mark.django_db
D = Decimal
K = StatementLine.Kind


@pytest.fixture(autouse=True)
def commission_table():
    return table(bands=[(None, "0", "12"), (None, "1000", "9")])


# ---------------------------------------------------------------------------- starting a run


def test_a_run_is_planned_in_chunks_by_merchant_id_range():
    contracts = [merchant_active() for _ in range(5)]
    contract(grade="B")  # a draft contract: not settled
    run = settlement_run_start(period_start=WEEK1, actor=None, chunk_size=2)
    assert (run.period_start, run.period_end, run.payout_due_on) == (WEEK1, dt.date(2026, 11, 8),
                                                                    dt.date(2026, 11, 23))
    assert run.status == SettlementRun.Status.BUILDING
    ids = [c.merchant_id for c in contracts]
    chunks = list(run.chunks.values_list("number", "first_merchant_id", "last_merchant_id"))
    assert chunks == [(1, 1, ids[1]), (2, ids[1] + 1, ids[3]), (3, ids[3] + 1, ids[4])]
    assert AuditEntry.objects.filter(action="billing.settlement_run.started").count() == 1


def test_starting_the_same_period_again_returns_its_run():
    merchant_active()
    run = settlement_run_start(period_start=WEEK1, actor=None)
    assert settlement_run_start(period_start=WEEK1, actor=None) == run
    assert SettlementRun.objects.count() == 1 and run.chunks.count() == 1


@pytest.mark.parametrize(("start", "end", "message"), [
    (dt.date(2026, 11, 3), None, "starts on a Monday"),
    (WEEK1, dt.date(2026, 11, 1), "cannot end before it starts"),
    (dt.date(2026, 11, 30), None, "once the period is over"),
    ("2026-11-02", None, "first day of the period"),
])
def test_a_bad_period_is_refused(start, end, message):
    with pytest.raises(ApplicationError, match=message):
        settlement_run_start(period_start=start, period_end=end, actor=None)
    assert not SettlementRun.objects.exists()


def test_an_overlapping_period_is_refused():
    settlement_run_start(period_start=WEEK1, actor=None)
    with pytest.raises(ApplicationError, match="overlaps the run of 2026-11-02"):
        settlement_run_start(period_start=dt.date(2026, 11, 5), period_end=dt.date(2026, 11, 12), actor=None)


def test_the_default_period_is_last_week():
    assert settlement_period_default(today=dt.date(2026, 11, 11)) == (WEEK1, dt.date(2026, 11, 8))
    assert settlement_period_default(today=dt.date(2026, 11, 9)) == (WEEK1, dt.date(2026, 11, 8))


def test_a_run_without_merchants_is_built_at_once():
    run = settlement_run_start(period_start=WEEK1, actor=None)
    assert run.status == SettlementRun.Status.BUILT and not run.chunks.exists()


# ---------------------------------------------------------------------------- building


def test_statement_with_order_lines_commission_and_totals():
    c = merchant_active(grade="A")
    other = merchant_active(grade="C")
    inside = orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["100.00", "250.00"], refunds=["0", "50.00"])
    orders(c.merchant, day=dt.date(2026, 11, 8), amounts=["80.00"], category="3c")
    orders(c.merchant, day=dt.date(2026, 11, 9), amounts=["999.00"])  # next period
    orders(other.merchant, day=dt.date(2026, 11, 5), amounts=["10.00"])
    run = run_built()
    assert run.status == SettlementRun.Status.BUILT and run.built_at is not None
    statement = Statement.objects.get(run=run, merchant=c.merchant)
    assert statement.contract == c and statement.currency == "CNY"
    assert statement.payout_due_on == dt.date(2026, 11, 23)
    lines = {line.order_line_id: line for line in statement.lines.filter(kind=K.ORDER)}
    assert len(lines) == 3
    # apparel 12% (first band), grade A −10% → 10.8%; 3C 5% replaced by the band 12% → 10.8%
    first = lines[inside[0].pk]
    assert (first.gmv, first.refund, first.commission_rate, first.commission, first.amount) == (
        D("100.00"), D("0.00"), D("10.8000"), D("10.80"), D("89.20"))
    second = lines[inside[1].pk]
    assert (second.refund, second.commission, second.amount) == (D("50.00"), D("21.60"), D("178.40"))
    assert second.reference == inside[1].external_id and second.order_version == 1
    assert (statement.order_count, statement.gmv, statement.refunds) == (3, D("430.00"), D("50.00"))
    assert statement.commission == D("10.80") + D("21.60") + D("8.64")
    assert statement.net_payable == D("430.00") - D("50.00") - statement.commission
    assert statement.carried_forward == D("0")
    assert Statement.objects.get(run=run, merchant=other.merchant).gmv == D("10.00")
    assert statement.number == f"ST20261102-{c.merchant_id:06d}"


def test_commission_per_line_equals_the_contracts_function():
    """Each line's rate and commission as `commission_rate` answers for the line, with the previous period's
    GMV choosing the ladder band and the grade at the period start."""
    a = merchant_active(grade="A", launch_offer=True, activated=dt.date(2026, 9, 1))
    b = merchant_active(grade="B")
    billing = BillingSettings.load()
    billing.settlement_late_days = 0  # last week's lines only choose the band here
    billing.save()
    orders(a.merchant, day=dt.date(2026, 10, 28), amounts=["600.00", "600.00"])  # last week: 1,200 → band 9%
    for day in range(2, 9):
        orders(a.merchant, day=dt.date(2026, 11, day), amounts=["99.99", "13.37"], category="fresh")
        orders(b.merchant, day=dt.date(2026, 11, day), amounts=["45.55"], refunds=["0.05"], category="pets")
    run = run_built()
    lines = list(StatementLine.objects.filter(statement__run=run, kind=K.ORDER).select_related(
        "statement", "order_line", "explanation"))
    assert len(lines) == 7 * 3
    previous = {a.merchant_id: D("1200.00"), b.merchant_id: D("0")}
    for line in lines:
        c = a if line.statement.merchant_id == a.merchant_id else b
        expected = commission_rate(contract=c, category=line.category_id, period_gmv=previous[c.merchant_id],
                                   on=line.order_line.settleable_on, grade=c.merchant.grade)
        assert line.commission_rate == expected.rate
        assert line.commission == round_money(expected.rate * (line.gmv - line.refund) / 100, "CNY")
        assert line.explanation.data == expected.as_dict()
    # the launch offer halves a's rate until 2026-12-01: 9% × 0.5 × 0.9
    assert {line.commission_rate for line in lines if line.statement.merchant_id == a.merchant_id} == {D("4.0500")}
    # one explanation per distinct result, shared by the lines
    assert CommissionExplanation.objects.count() == len({id(r) for r in commission_rates(
        [(line.statement.contract_id, line.category_id, previous[line.statement.merchant_id],
          line.order_line.settleable_on, line.statement.merchant.grade) for line in lines])}) == 2


def test_only_active_contracts_and_unsettled_late_lines():
    c = merchant_active()
    draft = contract(grade="C")
    orders(draft.merchant, day=dt.date(2026, 11, 4), amounts=["50.00"])
    late = orders(c.merchant, day=dt.date(2026, 10, 20), amounts=["30.00"])  # reported after its week's run
    orders(c.merchant, day=dt.date(2026, 9, 1), amounts=["70.00"])  # beyond the late window (35 days)
    orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["20.00"], currency="USD")
    run = run_built()
    assert list(Statement.objects.filter(run=run).values_list("merchant_id", flat=True)) == [c.merchant_id]
    assert list(StatementLine.objects.filter(statement__run=run).values_list("order_line_id", flat=True)) == [
        late[0].pk]


def test_a_merchant_without_orders_gets_an_empty_statement():
    c = merchant_active()
    run = run_built()
    statement = Statement.objects.get(run=run)
    assert statement.merchant_id == c.merchant_id
    assert (statement.order_count, statement.gmv, statement.net_payable) == (0, D("0"), D("0"))
    assert run.chunks.get().statements == 1 and run.chunks.get().lines == 0


# ---------------------------------------------------------------------------- reruns and resuming


def test_a_done_chunk_is_never_built_again_and_a_line_is_settled_once():
    c = merchant_active()
    orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["100.00"])
    run = run_built()
    chunk = run.chunks.get()
    assert settlement_chunk_build(chunk=chunk).attempts == 1
    assert run_built() == run
    assert StatementLine.objects.count() == 1
    # the next week's run looks back 35 days, and does not count the line again
    orders(c.merchant, day=dt.date(2026, 11, 10), amounts=["5.00"])
    second = run_built(WEEK2)
    assert list(StatementLine.objects.filter(statement__run=second).values_list("gmv", flat=True)) == [D("5.00")]


def test_a_run_killed_half_way_is_resumed():
    contracts = [merchant_active() for _ in range(5)]
    for c in contracts:
        orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["10.00", "20.00"])
    run = settlement_run_start(period_start=WEEK1, actor=None, chunk_size=2)
    first, second, third = run.chunks.order_by("number")
    settlement_chunk_build(chunk=first)
    # the worker building the second chunk died: the chunk stays running, its transaction left nothing
    SettlementChunk.objects.filter(pk=second.pk).update(status=SettlementChunk.Status.RUNNING, attempts=1)
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.BUILDING
    assert settlement_run_resume(run=run) == [second.pk, third.pk]
    for pk in settlement_run_resume(run=run):
        settlement_chunk_build(chunk=SettlementChunk.objects.get(pk=pk))
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.BUILT
    assert Statement.objects.filter(run=run).count() == 5
    assert StatementLine.objects.filter(statement__run=run).count() == 10
    assert list(run.chunks.order_by("number").values_list("status", "attempts", "statements", "lines")) == [
        ("done", 1, 2, 4), ("done", 2, 2, 4), ("done", 1, 1, 2)]
    assert settlement_run_resume(run=run) == []


def test_a_failing_chunk_writes_nothing_and_is_built_on_resume():
    early = merchant_active()
    orders(early.merchant, day=dt.date(2026, 11, 4), amounts=["10.00"])
    orders(early.merchant, day=dt.date(2025, 12, 30), amounts=["10.00"])  # no commission table then
    run = settlement_run_start(period_start=dt.date(2025, 12, 29), period_end=dt.date(2026, 1, 4), actor=None)
    chunk = run.chunks.get()
    with pytest.raises(ApplicationError, match="No commission table is in effect on 2025-12-30"):
        settlement_chunk_build(chunk=chunk)
    chunk.refresh_from_db()
    assert (chunk.status, chunk.attempts) == (SettlementChunk.Status.FAILED, 1)
    assert "2025-12-30" in chunk.error
    assert not Statement.objects.exists() and not StatementLine.objects.exists()
    table(effective_from=dt.date(2025, 1, 1))
    assert settlement_run_resume(run=run) == [chunk.pk]
    assert settlement_chunk_build(chunk=chunk).status == SettlementChunk.Status.DONE
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.BUILT
    assert Statement.objects.get().order_count == 1


def test_categories_of_the_fixture_exist():
    assert set(categories()) >= {"apparel", "3c", "fresh", "pets"}


# ---------------------------------------------------------------------------- the tasks


def test_the_weekly_task_builds_last_weeks_run(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from billing.tasks import settlement_weekly_task

    c = merchant_active()
    start, end = settlement_period_default()
    orders(c.merchant, day=end, amounts=["10.00"])
    assert settlement_weekly_task.delay().get() == 1
    run = SettlementRun.objects.get()
    assert (run.period_start, run.period_end, run.status) == (start, end, SettlementRun.Status.BUILT)
    assert settlement_weekly_task.delay().get() == 0
    assert Statement.objects.get().gmv == D("10.00")


def test_the_periodic_resume_leaves_a_busy_chunk_and_one_failing_again_and_again(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from django.utils import timezone

    from billing.tasks import settlements_resume_task

    for _ in range(4):
        merchant_active()
    run = settlement_run_start(period_start=WEEK1, actor=None, chunk_size=1)
    busy, stalled, failing, pending = run.chunks.order_by("number")
    now = timezone.now()
    SettlementChunk.objects.filter(pk=busy.pk).update(status="running", attempts=1, started_at=now)
    SettlementChunk.objects.filter(pk=stalled.pk).update(status="running", attempts=1,
                                                          started_at=now - dt.timedelta(minutes=20))
    SettlementChunk.objects.filter(pk=failing.pk).update(status="failed", attempts=3)
    assert settlement_run_resume(run=run, automatic=True) == [stalled.pk, pending.pk]
    assert settlements_resume_task.delay().get() == 2
    assert dict(run.chunks.values_list("number", "status")) == {1: "running", 2: "done", 3: "failed", 4: "done"}
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.BUILDING


def test_the_grade_at_the_period_start_is_the_ratings_then():
    from django.utils import timezone

    from portal.models import MerchantRating, RatingModelVersion
    from portal.ratings.versions import rating_model_defaults_load

    rating_model_defaults_load()
    version = RatingModelVersion.objects.get()
    rated, not_rated, never = merchant_active(grade="C"), merchant_active(grade="A"), merchant_active(grade="A")

    def rating(c, as_of, grade):
        MerchantRating.objects.create(
            merchant=c.merchant, as_of=as_of, model_version=version, window_start=as_of - dt.timedelta(days=90),
            window_end=as_of - dt.timedelta(days=1), order_count=40 if grade else 5, rated=bool(grade),
            score=D("95") if grade else None, grade=grade, computed_at=timezone.now())

    rating(rated, dt.date(2026, 11, 1), "A")
    rating(rated, dt.date(2026, 11, 3), "D")  # after the period start: next period's
    rating(not_rated, dt.date(2026, 11, 1), "")  # N/R counts as C
    for c in (rated, not_rated, never):
        orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["100.00"])
    run = run_built()
    rates = dict(StatementLine.objects.filter(statement__run=run).values_list("statement__merchant_id",
                                                                              "commission_rate"))
    assert rates == {rated.merchant_id: D("10.8000"), not_rated.merchant_id: D("12.0000"),
                     never.merchant_id: D("10.8000")}


def test_a_chunk_is_built_in_the_same_number_of_queries_for_two_merchants_or_six():
    """Set-based: the statements, their lines, commission, subsidies and totals of a chunk take a fixed number of
    queries whatever the number of merchants, contracts, grades, categories and lines in it."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    item = logistics_subsidy()

    def queries(merchants: int) -> tuple[int, int]:
        with transaction.atomic():
            for i in range(merchants):
                c = merchant_active(grade="ABCD"[i % 4])
                enrol(c.merchant, item)
                orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["100.00", "250.00"], refunds=["0", "50.00"])
                orders(c.merchant, day=dt.date(2026, 11, 6), amounts=["80.00"] * (i + 1), category="3c")
            run = settlement_run_start(period_start=WEEK1, actor=None, chunk_size=1000)
            chunk = run.chunks.get()
            with CaptureQueriesContext(connection) as context:
                settlement_chunk_build(chunk=chunk)
            built = Statement.objects.filter(run=run).count()
            transaction.set_rollback(True)
        return len(context), built

    (two, built_two), (six, built_six) = queries(2), queries(6)
    assert (built_two, built_six) == (2, 6)
    assert 0 < two == six, (two, six)
