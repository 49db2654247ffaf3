"""The rating recompute against hand-computed cases and at every boundary (BUSINESS_RULES §8). The same module
runs on SQLite (the ORM path) and on PostgreSQL (the set-based statement): both must give these numbers."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.models import (
    Alert,
    AuditEntry,
    Complaint,
    Merchant,
    MerchantRating,
    MerchantStatus,
    OrderLine,
    RatingChunk,
    RatingModelVersion,
    RatingRun,
    SatisfactionRating,
)
from portal.ratings.compute import WindowCounts, rating_compute, rating_grade
from portal.ratings.services import rating_chunk_compute, rating_recompute_start, rating_run_resume
from portal.ratings.versions import rating_model_defaults
from tests.factories.onboarding import MerchantFactory
from tests.factories.portal import CategoryFactory

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 12, 1)  # window: 2 September – 30 November 2026
IN_WINDOW = dt.date(2026, 11, 15)
_ids = itertools.count(1)
_on_commit = None


def approved_version(*, number=1, effective_from=dt.date(2026, 1, 1), thresholds=(), **changes):
    """A version as change control leaves it: made, its returns thresholds added, then approved."""
    version = RatingModelVersion.objects.create(number=number, effective_from=effective_from,
                                                **{**rating_model_defaults(), **changes})
    for category, full_at, zero_at in thresholds:
        version.returns_thresholds.create(category=category, full_at=full_at, zero_at=zero_at)
    RatingModelVersion.objects.filter(pk=version.pk).update(approved_at=timezone.now())
    return RatingModelVersion.objects.get(pk=version.pk)


@pytest.fixture
def v1():
    return approved_version()


@pytest.fixture
def category():
    return CategoryFactory()


def merchant(**fields):
    return MerchantFactory(status=fields.pop("status", MerchantStatus.ACTIVE), **fields)


def orders(m, n, *, unfulfilled=0, late=0, returned=0, category=None, on=IN_WINDOW):
    """n order lines: the first `unfulfilled` not fulfilled, the next `late` fulfilled but late, the last
    `returned` with a refund."""
    now = timezone.now()
    category = category or CategoryFactory(code="rating-cat")
    rows = []
    for i in range(n):
        rows.append(OrderLine(
            external_id=f"o-{next(_ids)}", merchant=m, digest="0" * 32, received_at=now, updated_at=now,
            category=category, amount=Decimal("100"), completed_on=on, settleable_on=on + dt.timedelta(days=7),
            fulfilled=i >= unfulfilled, on_time=not (unfulfilled <= i < unfulfilled + late),
            refund_amount=Decimal("100") if i >= n - returned else Decimal("0")))
    OrderLine.objects.bulk_create(rows)


def complaints(m, k, *, on=IN_WINDOW):
    now = timezone.now()
    Complaint.objects.bulk_create([Complaint(external_id=f"c-{next(_ids)}", merchant=m, digest="0" * 32,
                                             received_at=now, updated_at=now, received_on=on) for _ in range(k)])


def ratings(m, *scores, on=IN_WINDOW):
    now = timezone.now()
    SatisfactionRating.objects.bulk_create([
        SatisfactionRating(external_id=f"s-{next(_ids)}", merchant=m, digest="0" * 32, received_at=now,
                           updated_at=now, rated_on=on, score=Decimal(s)) for s in scores])


@pytest.fixture(autouse=True)
def _commit_callbacks(django_capture_on_commit_callbacks):
    """The chunks' tasks are enqueued after commit (eager Celery in tests runs them at once)."""
    global _on_commit
    _on_commit = django_capture_on_commit_callbacks


def rate(as_of=AS_OF, **kwargs) -> RatingRun:
    with _on_commit(execute=True):
        run = rating_recompute_start(as_of=as_of, **kwargs)
    run.refresh_from_db()
    return run


def rating_of(m, as_of=AS_OF) -> MerchantRating:
    return MerchantRating.objects.get(merchant=m, as_of=as_of)


def test_hand_computed_case(v1, category):
    """40 lines: 38 fulfilled, 36 of them on time, 2 returned; 1 complaint; ratings 5, 4, 4.5.
    fulfilment 95% → (95−90)×100÷10 = 50; on-time 90% → (90−85)×100÷15 = 33.33; returns 5% → (5−15)×100÷(3−15)
    = 83.33; complaints 2.5% → (2.5−12)×100÷(1−12) = 86.36; satisfaction 4.5 → 75.
    score = (50×30 + 33.33×20 + 83.33×20 + 86.36×20 + 75×10) ÷ 100 = 63.10 → C."""
    m = merchant()
    orders(m, 40, unfulfilled=2, late=2, returned=2, category=category)
    complaints(m, 1)
    ratings(m, "5", "4", "4.5")
    run = rate()
    assert run.status == RatingRun.Status.DONE and run.merchant_count == 1
    r = rating_of(m)
    assert (r.window_start, r.window_end, r.model_version, r.run) == (dt.date(2026, 9, 2), dt.date(2026, 11, 30),
                                                                      v1, run)
    assert (r.order_count, r.fulfilled_count, r.on_time_count, r.returned_count, r.complaint_count,
            r.satisfaction_count) == (40, 38, 36, 2, 1, 3)
    assert [(b["rate"], b["points"], b["weight"]) for b in r.breakdown] == [
        (Decimal("95.0000"), Decimal("50.00"), 30), (Decimal("90.0000"), Decimal("33.33"), 20),
        (Decimal("5.0000"), Decimal("83.33"), 20), (Decimal("2.5000"), Decimal("86.36"), 20),
        (Decimal("4.5000"), Decimal("75.00"), 10)]
    assert (r.rated, r.score, r.grade) == (True, Decimal("63.10"), "C")
    assert (r.returns_full_at, r.returns_zero_at) == (Decimal("3.0000"), Decimal("15.0000"))


@pytest.mark.parametrize(("lines", "complaint_count", "score", "grade"), [
    # complaints 8/123 = 6.5041% → (12−6.5041)×100÷11 = 49.96; score (30+20+20)×100÷100 + 49.96×0.2 + 10 = 89.99
    (123, 8, "89.99", "B"),
    # complaints 13/200 = 6.5% → 50 points; score 70 + 10 + 10 = 90.00
    (200, 13, "90.00", "A"),
    # complaints 4/30 = 13.33% → 0 points (clamped, never negative); score 80.00
    (30, 4, "80.00", "B"),
])
def test_score_and_grade_at_the_cut_offs(v1, category, lines, complaint_count, score, grade):
    m = merchant()
    orders(m, lines, category=category)
    complaints(m, complaint_count)
    ratings(m, "5")
    rate()
    r = rating_of(m)
    assert (r.score, r.grade) == (Decimal(score), grade)
    assert r.complaints_points >= 0


def test_grade_cut_offs_themselves(v1):
    assert [rating_grade(Decimal(s), v1) for s in ("100", "90.00", "89.99", "80.00", "79.99", "60.00", "59.99",
                                                     "0")] == ["A", "A", "B", "B", "C", "C", "D", "D"]


def test_29_orders_are_not_rated_30_are(v1, category):
    m29, m30 = merchant(), merchant()
    orders(m29, 29, category=category)
    orders(m30, 30, category=category)
    run = rate()
    r29, r30 = rating_of(m29), rating_of(m30)
    assert (r29.rated, r29.score, r29.grade, r29.order_count) == (False, None, "", 29)
    assert r29.fulfilment_rate == 100 and r29.fulfilment_points is None and r29.fulfilment_weight == 0
    assert (r30.rated, r30.score, r30.grade) == (True, Decimal("100.00"), "A")
    assert list(run.chunks.values_list("rated_count", "unrated_count")) == [(1, 1)]


def test_a_dimension_exactly_at_60_points(v1, category):
    """48 of 50 fulfilled = 96% → (96−90)×100÷10 = 60.00 points; 47 of 50 = 94% → 40.00."""
    at, below = merchant(), merchant()
    orders(at, 50, unfulfilled=2, category=category)
    orders(below, 50, unfulfilled=3, category=category)
    rate()
    assert rating_of(at).fulfilment_points == Decimal("60.00")
    assert rating_of(below).fulfilment_points == Decimal("40.00")
    # the unfulfilled lines are not on time either: 48/50 = 96% → (96−85)×100÷15 = 73.33
    assert (rating_of(at).on_time_rate, rating_of(at).on_time_points) == (Decimal("96.0000"), Decimal("73.33"))


def test_without_buyer_ratings_the_other_weights_count_in_satisfaction_s_place(v1, category):
    """40 lines, 2 returned (5% → 83.33), nothing else wrong: (100×30 + 100×20 + 83.33×20 + 100×20) ÷ 90 = 96.30."""
    m = merchant()
    orders(m, 40, returned=2, category=category)
    rate()
    r = rating_of(m)
    assert (r.satisfaction_rate, r.satisfaction_points, r.satisfaction_weight) == (None, None, 0)
    assert (r.score, r.grade) == (Decimal("96.30"), "A")


def test_returns_measured_against_the_average_of_the_lines_category_thresholds(category):
    """A version where the category gives 100 at 10% and 0 at 30%. 30 lines in it and 10 elsewhere (3% / 15%):
    thresholds (30×10 + 10×3) ÷ 40 = 8.25 and (30×30 + 10×15) ÷ 40 = 26.25; 8 returned = 20% →
    (20−26.25)×100÷(8.25−26.25) = 34.72."""
    approved_version(thresholds=[(category, 10, 30)])
    m = merchant()
    orders(m, 30, returned=8, category=category)
    orders(m, 10, category=CategoryFactory())
    rate()
    r = rating_of(m)
    assert (r.returns_full_at, r.returns_zero_at) == (Decimal("8.2500"), Decimal("26.2500"))
    assert (r.returns_rate, r.returns_points) == (Decimal("20.0000"), Decimal("34.72"))


def test_the_window_is_the_90_days_before_the_day(v1, category):
    m = merchant()
    orders(m, 30, category=category, on=dt.date(2026, 9, 2))      # first day of the window
    orders(m, 30, unfulfilled=30, category=category, on=dt.date(2026, 9, 1))   # before it
    orders(m, 30, unfulfilled=30, category=category, on=AS_OF)   # the day itself: tomorrow's window
    complaints(m, 5, on=dt.date(2026, 9, 1))
    ratings(m, "1", on=AS_OF)
    rate()
    r = rating_of(m)
    assert (r.order_count, r.fulfilled_count, r.complaint_count, r.satisfaction_count) == (30, 30, 0, 0)
    assert r.score == Decimal("100.00")


def test_only_operating_merchants_are_rated_each_with_its_own_data(v1, category):
    active, requal, suspended = merchant(), merchant(status=MerchantStatus.UNDER_REQUALIFICATION), merchant(
        status=MerchantStatus.SUSPENDED)
    onboarding = merchant(status=MerchantStatus.ONBOARDING)
    supplier = merchant(kind=Merchant.Kind.SUPPLIER)
    orders(active, 30, category=category)
    orders(requal, 30, unfulfilled=30, category=category)
    for m in (onboarding, supplier):
        orders(m, 30, category=category)
    run = rate(chunk_size=1)
    assert run.chunks.count() == 3 and run.merchant_count == 3
    assert set(MerchantRating.objects.values_list("merchant_id", flat=True)) == {active.pk, requal.pk, suspended.pk}
    assert rating_of(active).fulfilment_rate == 100 and rating_of(requal).fulfilment_rate == 0
    assert rating_of(suspended).order_count == 0 and not rating_of(suspended).rated


def test_rerun_of_a_day_replaces_it_history_of_other_days_is_kept(v1, category):
    m = merchant()
    orders(m, 30, category=category)
    rate(as_of=AS_OF - dt.timedelta(days=1))
    rate()
    complaints(m, 3)  # late data for the same window
    rate()
    assert MerchantRating.objects.filter(merchant=m).count() == 2
    assert rating_of(m).complaint_count == 3
    assert rating_of(m, AS_OF - dt.timedelta(days=1)).complaint_count == 0


def test_chunks_shared_by_workers_a_done_chunk_is_never_redone_a_killed_one_resumes(v1, category):
    ms = [merchant() for _ in range(5)]
    for m in ms:
        orders(m, 30, category=category)
    run = rating_recompute_start(as_of=AS_OF, chunk_size=2, enqueue=False)
    chunks = list(run.chunks.order_by("number"))
    assert [(c.merchant_id_from, c.merchant_id_to) for c in chunks] == [
        (ms[0].pk, ms[1].pk), (ms[2].pk, ms[3].pk), (ms[4].pk, ms[4].pk)]
    rating_chunk_compute(chunk=chunks[0])
    first = rating_of(ms[0]).computed_at
    # the worker of chunk 2 dies half way: its chunk stays "running"
    RatingChunk.objects.filter(pk=chunks[1].pk).update(status=RatingChunk.Status.RUNNING, attempts=1)
    # chunk 3 failed (the database went away): the chunk and its run say so
    RatingChunk.objects.filter(pk=chunks[2].pk).update(status=RatingChunk.Status.FAILED, attempts=1,
                                                       error="OperationalError: server closed the connection")
    RatingRun.objects.filter(pk=run.pk).update(status=RatingRun.Status.FAILED)
    with _on_commit(execute=True):
        rating_run_resume(run=run)
    run.refresh_from_db()
    assert run.status == RatingRun.Status.DONE and run.finished_at is not None
    assert rating_of(ms[0]).computed_at == first  # done chunk not redone
    assert list(run.chunks.order_by("number").values_list("status", "attempts", "error")) == [
        ("done", 1, ""), ("done", 2, ""), ("done", 2, "")]
    assert MerchantRating.objects.count() == 5
    assert list(AuditEntry.objects.filter(action__startswith="portal.rating_run.").order_by("id").values_list(
        "action", flat=True)) == ["portal.rating_run.started", "portal.rating_run.resumed", "portal.rating_run.done"]


def test_without_a_model_in_force_there_is_no_run():
    from portal.exceptions import ApplicationError

    with pytest.raises(ApplicationError):
        rating_recompute_start(as_of=AS_OF)
    assert not RatingRun.objects.exists()


def test_a_new_version_applies_from_its_day(v1, category):
    v2 = approved_version(number=2, effective_from=AS_OF, min_orders=50)
    m = merchant()
    orders(m, 40, category=category)
    rate(as_of=AS_OF - dt.timedelta(days=1))
    rate()
    assert rating_of(m, AS_OF - dt.timedelta(days=1)).model_version == v1
    assert (rating_of(m).model_version, rating_of(m).rated) == (v2, False)


def test_python_definition_matches_the_hand_computed_case(v1):
    row = rating_compute(version=v1, counts=WindowCounts(lines=40, fulfilled=38, on_time=36, returned=2,
                                                          complaints=1, satisfaction_count=3,
                                                          satisfaction_sum=Decimal("13.5"), category_lines={1: 40}),
                         thresholds={})
    assert (row["score"], row["grade"]) == (Decimal("63.10"), "C")


def test_the_nightly_beat_task_rates_every_merchant_as_of_today(v1, category, settings):
    from portal.celery import app
    from portal.ratings.tasks import ratings_nightly_task

    entry = settings.CELERY_BEAT_SCHEDULE["portal-ratings-nightly"]
    assert entry["task"] == "portal.ratings.tasks.ratings_nightly_task" and entry["task"] in app.tasks
    m = merchant()
    orders(m, 30, category=category, on=timezone.localdate() - dt.timedelta(days=1))
    with _on_commit(execute=True):
        run_id = ratings_nightly_task.delay().get()
    run = RatingRun.objects.get(pk=run_id)
    assert (run.as_of, run.status) == (timezone.localdate(), RatingRun.Status.DONE)
    assert rating_of(m, timezone.localdate()).score == Decimal("100.00")


def test_a_chunk_is_rated_in_the_same_number_of_queries_for_two_merchants_or_six(v1, category):
    """Set-based: the ratings, the alerts they raise, the grades they move and the audit entries of a chunk take a
    fixed number of queries whatever the number of merchants in it."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    def queries(merchants: int) -> tuple[int, int, int]:
        with transaction.atomic():
            for i in range(merchants):
                m = merchant(grade="B")
                orders(m, 40, unfulfilled=10 + i, late=2, returned=1, category=category)  # a D: alerts, a move
                complaints(m, 3)
                ratings(m, "4.5", "3.0")
            run = rating_recompute_start(as_of=AS_OF, chunk_size=1000, enqueue=False)
            chunk = run.chunks.get()
            with CaptureQueriesContext(connection) as context:
                rating_chunk_compute(chunk=chunk)
            moved = Merchant.objects.exclude(grade="B").count()
            raised = Alert.objects.count()
            transaction.set_rollback(True)
        return len(context), moved, raised

    queries(1)  # the content types of the audit entries' targets are cached from here on
    (two, moved_two, alerts_two), (six, moved_six, alerts_six) = queries(2), queries(6)
    assert (moved_two, moved_six) == (2, 6) and alerts_six == 3 * alerts_two > 0
    assert 0 < two == six, (two, six)
