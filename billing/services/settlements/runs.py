"""Starting a settlement run, planning its chunks, resuming it, and marking it built when every chunk is done."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Contract
from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError
from portal.models import OrderLine
from portal.workflow import row_lock, transition_check

from ...models import BillingSettings, SettlementChunk, SettlementRun, StatementLine

R = SettlementRun.Status
C = SettlementChunk.Status
# the contracts a statement is built for: active (or in their last months), activated
SETTLED_CONTRACT_STATUSES = (Contract.Status.ACTIVE, Contract.Status.EXPIRING)


def _today() -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE))


def settlement_period_default(*, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last full week, Monday to Sunday, before `today` (Asia/Shanghai)."""
    today = today or _today()
    this_monday = today - dt.timedelta(days=today.weekday())
    return this_monday - dt.timedelta(days=7), this_monday - dt.timedelta(days=1)


def settled_merchant_ids(*, first: int | None = None, last: int | None = None) -> list[int]:
    """The merchants a run builds statements for: those with an activated contract that is active or
    expiring, in id order (within [first, last] when given)."""
    contracts = Contract.objects.filter(status__in=SETTLED_CONTRACT_STATUSES, activated_at__isnull=False)
    if first is not None:
        contracts = contracts.filter(merchant_id__gte=first)
    if last is not None:
        contracts = contracts.filter(merchant_id__lte=last)
    return list(contracts.order_by("merchant_id").values_list("merchant_id", flat=True).distinct())


def _plan_chunks(run: SettlementRun) -> list[SettlementChunk]:
    """Chunks of `chunk_size` merchants each, by id range. The ranges touch (each starts after the one before
    ends), so a merchant activated later inside the planned ranges is still in its chunk."""
    ids = settled_merchant_ids()
    chunks = []
    start = 1
    for number, offset in enumerate(range(0, len(ids), run.chunk_size), start=1):
        last = ids[min(offset + run.chunk_size, len(ids)) - 1]
        chunks.append(SettlementChunk(run=run, number=number, first_merchant_id=start, last_merchant_id=last))
        start = last + 1
    return SettlementChunk.objects.bulk_create(chunks)


def _check_period(period_start: Any, period_end: Any) -> tuple[dt.date, dt.date]:
    if not isinstance(period_start, dt.date) or isinstance(period_start, dt.datetime):
        raise ApplicationError(_("Choose the first day of the period."))
    if period_end is None:
        if period_start.weekday() != 0:
            raise ApplicationError(_("A weekly period starts on a Monday; %(day)s is not one.")
                                   % {"day": period_start.isoformat()})
        period_end = period_start + dt.timedelta(days=6)
    if not isinstance(period_end, dt.date) or isinstance(period_end, dt.datetime):
        raise ApplicationError(_("Choose the last day of the period."))
    if period_end < period_start:
        raise ApplicationError(_("The period cannot end before it starts."))
    if period_end >= _today():
        raise ApplicationError(_("The period ends on %(day)s: a run can start once the period is over.")
                               % {"day": period_end.isoformat()})
    return period_start, period_end


def settlement_run_start(*, period_start: dt.date, period_end: dt.date | None = None, actor: Any | None,
                         chunk_size: int | None = None) -> SettlementRun:
    """The run of the period (weekly: Monday to Sunday when `period_end` is not given), created with its chunks
    planned, or the period's run when it already has one (nothing is planned twice: the caller resumes it).
    A period that overlaps another run's is refused, and so is one not yet over. Nothing is built here."""
    period_start, period_end = _check_period(period_start, period_end)
    existing = SettlementRun.objects.filter(period_start=period_start, period_end=period_end).first()
    if existing is not None:
        return existing
    overlapping = SettlementRun.objects.filter(period_start__lte=period_end, period_end__gte=period_start).first()
    if overlapping is not None:
        raise ApplicationError(_("The period overlaps the run of %(start)s – %(end)s.") % {
            "start": overlapping.period_start.isoformat(), "end": overlapping.period_end.isoformat()})
    billing = BillingSettings.load()
    size = chunk_size or billing.settlement_chunk_size
    if not isinstance(size, int) or size < 1:
        raise ApplicationError(_("A chunk holds at least one merchant."))
    _statistics_refresh()
    try:
        with transaction.atomic():
            run = SettlementRun.objects.create(
                period_start=period_start, period_end=period_end, currency=billing.currency, chunk_size=size,
                payout_due_on=period_end + dt.timedelta(days=billing.settlement_payout_days), created_by=actor)
            chunks = _plan_chunks(run)
            audit_entry_create(actor=actor, action="billing.settlement_run.started", target=run, data={
                "period_start": period_start, "period_end": period_end, "chunks": len(chunks), "chunk_size": size})
            if not chunks:
                run = _run_built(run)
    except IntegrityError:
        # the same period started at the same moment by someone else: theirs is the run
        return SettlementRun.objects.get(period_start=period_start, period_end=period_end)
    return run


def _statistics_refresh() -> None:
    """On PostgreSQL, ANALYZE the order lines and the statement lines before a new run plans its chunks: a
    week of order lines loaded in bulk minutes before (the demo month, a catch-up import) is otherwise unknown to
    the planner until autovacuum comes by, and the chunks' queries would be planned for an empty table. A sample
    of 30,000 rows a table: well under a second at a million lines."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {OrderLine._meta.db_table}, {StatementLine._meta.db_table}")


def _run_built(run: SettlementRun) -> SettlementRun:
    """Mark the run built (inside the caller's transaction, which has built the last chunk)."""
    run = row_lock(run)
    move = transition_check(run, target=R.BUILT)
    if move.done:
        return run
    return move.finish(actor=None, action="billing.settlement_run.built", fields={"built_at": timezone.now()},
                       data={"statements": run.statements.count()})


def run_complete_if_done(run: SettlementRun) -> bool:
    """Inside the transaction of a chunk just done: when no other chunk is left, the run is built. The run's
    row lock makes two last chunks finishing together see each other."""
    run = row_lock(run)
    if run.status != R.BUILDING:
        return False
    if run.chunks.exclude(status=C.DONE).exists():
        return False
    _run_built(run)
    return True


# the periodic resume: a chunk running this long has lost its worker (the chunk task's hard time limit is 10
# minutes); a chunk failed this many times waits for someone to look at its error
STALLED_AFTER = dt.timedelta(minutes=15)
AUTOMATIC_ATTEMPTS = 3


def settlement_run_resume(*, run: SettlementRun, automatic: bool = False) -> list[int]:
    """The ids of the run's chunks still to build: pending, failed, or running (a worker that crashed leaves
    its chunk running; its transaction left nothing behind). Done chunks are never rebuilt. A run whose chunks
    are all done is marked built.

    `automatic` (the periodic task): only chunks pending, running for longer than STALLED_AFTER, or failed
    fewer than AUTOMATIC_ATTEMPTS times, so a chunk a worker is building is left to it and a chunk that keeps
    failing waits for finance (the run's page shows its error; resuming there retries it)."""
    if run.status != R.BUILDING:
        return []
    chunks = run.chunks.exclude(status=C.DONE)
    if automatic:
        chunks = chunks.filter(Q(status=C.PENDING)
                               | Q(status=C.RUNNING, started_at__lt=timezone.now() - STALLED_AFTER)
                               | Q(status=C.FAILED, attempts__lt=AUTOMATIC_ATTEMPTS))
    ids = list(chunks.order_by("number").values_list("pk", flat=True))
    if not ids and not run.chunks.exclude(status=C.DONE).exists():
        with transaction.atomic():
            run_complete_if_done(run)
    return ids
