"""The rating recompute (BUSINESS_RULES §8; operator guide §20): every operating merchant rated as of a day,
set-based, in chunks of merchant ids that several Celery workers share.

    rating_recompute_start(...)   plans a run as of a day (default today) with the model version in force that
                                  day: its chunks are ranges of `chunk_size` merchant ids; after commit one
                                  Celery task per chunk (`portal.ratings.tasks.rating_chunk_task`)
    rating_chunk_compute(...)     rates one chunk in one statement and one transaction (PostgreSQL: INSERT …
                                  SELECT … GROUP BY, `portal.ratings.sql`; SQLite: the ORM's counts and
                                  `portal.ratings.compute`, the same numbers); a done chunk is never redone, a
                                  failed or killed one simply runs again (the day's rows are replaced, not added)
    rating_run_resume(...)        enqueues again the chunks of a run that are not done

Rated merchants: partners of kind merchant that are active, under re-qualification or suspended (suppliers have
their own quarterly score). History is one row per merchant and day; a rerun of the same day replaces it. No
grade, commission or deposit changes here: what a new rating sets off is the alerts' business
(`portal.alerts.services.rating_alerts_raise`) and the grade's (`portal.merchants.services.
merchant_grades_follow_ratings`, which signals billing), both called in each chunk's transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.alerts.services import rating_alerts_raise
from portal.audit import AuditRecord, audit_entries_create
from portal.exceptions import ApplicationError
from portal.merchants.services import merchant_grades_follow_ratings
from portal.models import (
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
from portal.workflow import row_lock, transition_run

from .compute import WindowCounts, rating_compute, rating_window, returns_threshold_map
from .selectors import rating_model_in_force

RATED_STATUSES = [MerchantStatus.ACTIVE.value, MerchantStatus.UNDER_REQUALIFICATION.value,
                  MerchantStatus.SUSPENDED.value]
RATED_KIND = Merchant.Kind.MERCHANT.value
DEFAULT_CHUNK_SIZE = 5000


def rated_merchants():
    return Merchant.objects.filter(kind=RATED_KIND, status__in=RATED_STATUSES)


def _chunk_ranges(chunk_size: int) -> list[tuple[int, int, int]]:
    """(first id, last id, merchants) of consecutive runs of `chunk_size` rated merchants, in one query."""
    placeholders = ", ".join(["%s"] * len(RATED_STATUSES))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MIN(id), MAX(id), COUNT(*) FROM ("  # noqa: S608 (placeholders only; values are bound)
            "  SELECT id, (ROW_NUMBER() OVER (ORDER BY id) - 1) / %s AS bucket FROM portal_merchant"
            f"  WHERE kind = %s AND status IN ({placeholders})"
            ") numbered GROUP BY bucket ORDER BY bucket",
            [chunk_size, RATED_KIND, *RATED_STATUSES])
        return [(int(lo), int(hi), int(n)) for lo, hi, n in cursor.fetchall()]


@transaction.atomic
def rating_recompute_start(*, as_of: dt.date | None = None, actor: Any | None = None,
                           chunk_size: int | None = None, enqueue: bool = True) -> RatingRun:
    """Plan a recompute as of `as_of` (today by default) and, after commit, enqueue a task per chunk (in
    development and tests they run at once). ApplicationError when no rating model is in force that day."""
    as_of = as_of or timezone.localdate()
    chunk_size = chunk_size or DEFAULT_CHUNK_SIZE
    if chunk_size < 1:
        raise ApplicationError(_("A chunk holds at least one merchant."))
    version = rating_model_in_force(on=as_of)
    if version is None:
        raise ApplicationError(_("No approved rating model is in force on %(date)s.") % {"date": as_of.isoformat()})
    ranges = _chunk_ranges(chunk_size)
    run = RatingRun.objects.create(as_of=as_of, model_version=version, chunk_size=chunk_size,
                                   merchant_count=sum(n for _lo, _hi, n in ranges), started_at=timezone.now(),
                                   started_by=actor if getattr(actor, "pk", None) else None)
    RatingChunk.objects.bulk_create([
        RatingChunk(run=run, number=i, merchant_id_from=lo, merchant_id_to=hi)
        for i, (lo, hi, _n) in enumerate(ranges, start=1)])
    from portal.audit import audit_entry_create

    audit_entry_create(actor=actor, action="portal.rating_run.started", target=run,
                       data={"as_of": as_of, "model_version": version.number, "chunks": len(ranges),
                             "merchants": run.merchant_count})
    if not ranges:
        _run_finish(run)
    elif enqueue:
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int, only_pending: bool = False) -> None:
    from .tasks import rating_chunk_task

    chunks = RatingChunk.objects.filter(run_id=run_id).exclude(status=RatingChunk.Status.DONE)
    for chunk_id in chunks.order_by("number").values_list("pk", flat=True):
        rating_chunk_task.delay(chunk_id)


def rating_run_resume(*, run: RatingRun, actor: Any | None = None) -> RatingRun:
    """Enqueue again every chunk of `run` that is not done (after a crash or a failure)."""
    with transaction.atomic():
        run = row_lock(run)
        if run.status == RatingRun.Status.DONE:
            return run
        if run.status == RatingRun.Status.FAILED:
            run = transition_run(instance=run, target=RatingRun.Status.RUNNING, actor=actor,
                                 action="portal.rating_run.resumed", fields={"finished_at": None})
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _window_counts(*, version: RatingModelVersion, lo: int, hi: int,
                   window: tuple[dt.date, dt.date]) -> dict[int, WindowCounts]:
    """The ORM path (SQLite): each rated merchant's counts in the window, in four grouped queries."""
    ids = list(rated_merchants().filter(pk__range=(lo, hi)).values_list("pk", flat=True))
    counts = {pk: WindowCounts() for pk in ids}
    lines = (OrderLine.objects.filter(merchant_id__gte=lo, merchant_id__lte=hi, completed_on__range=window)
             .values("merchant_id", "category_id")
             .annotate(n=Count("id"), n_fulfilled=Count("id", filter=Q(fulfilled=True)),
                       n_on_time=Count("id", filter=Q(fulfilled=True, on_time=True)),
                       n_returned=Count("id", filter=Q(refund_amount__gt=0))))
    for row in lines:
        c = counts.get(row["merchant_id"])
        if c is None:
            continue
        c.lines += row["n"]
        c.fulfilled += row["n_fulfilled"]
        c.on_time += row["n_on_time"]
        c.returned += row["n_returned"]
        c.category_lines[row["category_id"]] = c.category_lines.get(row["category_id"], 0) + row["n"]
    for row in (Complaint.objects.filter(merchant_id__gte=lo, merchant_id__lte=hi, received_on__range=window)
                .values("merchant_id").annotate(n=Count("id"))):
        if row["merchant_id"] in counts:
            counts[row["merchant_id"]].complaints = row["n"]
    # scores summed here from their exact decimals (SQLite's SUM would add them as floats)
    for row in (SatisfactionRating.objects.filter(merchant_id__gte=lo, merchant_id__lte=hi, rated_on__range=window)
                .values("merchant_id", "score").annotate(n=Count("id"))):
        c = counts.get(row["merchant_id"])
        if c is not None:
            c.satisfaction_count += row["n"]
            c.satisfaction_sum += row["score"] * row["n"]
    return counts


def _chunk_rate_orm(*, chunk: RatingChunk, run: RatingRun, version: RatingModelVersion, now) -> tuple[int, int]:
    window = rating_window(version=version, as_of=run.as_of)
    counts = _window_counts(version=version, lo=chunk.merchant_id_from, hi=chunk.merchant_id_to, window=window)
    thresholds = returns_threshold_map(version)
    rows = [MerchantRating(merchant_id=pk, as_of=run.as_of, model_version=version, run=run, window_start=window[0],
                           window_end=window[1], computed_at=now,
                           **rating_compute(version=version, counts=c, thresholds=thresholds))
            for pk, c in counts.items()]
    MerchantRating.objects.filter(merchant_id__in=list(counts), as_of=run.as_of).delete()
    MerchantRating.objects.bulk_create(rows, batch_size=1000)
    rated = sum(1 for r in rows if r.rated)
    return rated, len(rows) - rated


def _chunk_rate_sql(*, chunk: RatingChunk, run: RatingRun, version: RatingModelVersion, now) -> tuple[int, int]:
    from .sql import CHUNK_RATE, chunk_parameters

    params = chunk_parameters(version=version, lo=chunk.merchant_id_from, hi=chunk.merchant_id_to, as_of=run.as_of,
                              window=rating_window(version=version, as_of=run.as_of), run_id=run.pk, now=now,
                              kind=RATED_KIND, statuses=RATED_STATUSES)
    with connection.cursor() as cursor:
        cursor.execute(CHUNK_RATE, params)
        flags = [row[0] for row in cursor.fetchall()]
    rated = sum(1 for f in flags if f)
    return rated, len(flags) - rated


def rating_chunk_compute(*, chunk: RatingChunk) -> RatingChunk:
    """Rate the merchants of one chunk (one transaction). Quiet for a done chunk; a failure marks the chunk and
    its run failed, keeps the error, and is raised again (the task retries transient ones)."""
    with transaction.atomic():
        chunk = row_lock(chunk)
        if chunk.status == RatingChunk.Status.DONE:
            return chunk
        RatingChunk.objects.filter(pk=chunk.pk).update(status=RatingChunk.Status.RUNNING,
                                                       attempts=chunk.attempts + 1, error="")
    try:
        with transaction.atomic():
            chunk = row_lock(chunk, queryset=RatingChunk.objects.select_related("run__model_version"))
            if chunk.status == RatingChunk.Status.DONE:
                return chunk
            run = chunk.run
            version = (RatingModelVersion.objects.prefetch_related("returns_thresholds")
                       .get(pk=run.model_version_id))
            now = timezone.now()
            rate = _chunk_rate_sql if connection.vendor == "postgresql" else _chunk_rate_orm
            rated, unrated = rate(chunk=chunk, run=run, version=version, now=now)
            # the chunk's audit entries go last: the chain's lock is then held only until the commit, and the
            # workers' chunks do not wait for each other
            audit: list[AuditRecord] = []
            rating_alerts_raise(run=run, lo=chunk.merchant_id_from, hi=chunk.merchant_id_to, now=now, audit=audit)
            merchant_grades_follow_ratings(as_of=run.as_of, merchant_id_from=chunk.merchant_id_from,
                                           merchant_id_to=chunk.merchant_id_to, audit=audit)
            RatingChunk.objects.filter(pk=chunk.pk).update(status=RatingChunk.Status.DONE, rated_count=rated,
                                                           unrated_count=unrated, finished_at=now, error="")
            audit_entries_create(audit)
    except Exception as exc:
        with transaction.atomic():
            RatingChunk.objects.filter(pk=chunk.pk).update(status=RatingChunk.Status.FAILED,
                                                           error=f"{type(exc).__name__}: {exc}"[:2000])
            _run_fail(chunk.run_id)
        raise
    _run_finish_if_complete(chunk.run_id)
    chunk.refresh_from_db()
    return chunk


def _run_fail(run_id: int) -> None:
    run = row_lock(RatingRun(pk=run_id))
    if run.status == RatingRun.Status.RUNNING:
        transition_run(instance=run, target=RatingRun.Status.FAILED, actor=None, action="portal.rating_run.failed",
                       fields={"finished_at": timezone.now()})


@transaction.atomic
def _run_finish_if_complete(run_id: int) -> None:
    run = row_lock(RatingRun(pk=run_id))
    if run.status == RatingRun.Status.DONE:
        return
    if run.chunks.exclude(status=RatingChunk.Status.DONE).exists():
        return
    _run_finish(run)


def _run_finish(run: RatingRun) -> None:
    totals = run.chunks.aggregate(rated=Sum("rated_count"), unrated=Sum("unrated_count"))
    transition_run(instance=run, target=RatingRun.Status.DONE, actor=None, action="portal.rating_run.done",
                   fields={"finished_at": timezone.now()},
                   data={"rated": totals["rated"] or 0, "not_rated": totals["unrated"] or 0})
