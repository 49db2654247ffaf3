"""Time a settlement run on the bench database: start the run of the week from `--period-start` and build its
chunks with `--workers` processes (as that many Celery workers would, each taking the next chunk), then report the
wall time from start to built, the peak resident memory of every process, the statements and lines written and
the check that the statements' totals equal the sums of their lines. Prints one JSON line.

The week's earlier run, if any, is deleted first (its draft statements, lines, subsidy usage and chunks, with
SQL: only on the bench database), so the benchmark can be repeated. Seed first with `bench_seed_settlements`.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import resource
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections

from billing.models import SettlementChunk, SettlementRun, Statement, StatementLine

TARGET_SECONDS = 30
TARGET_MIB = 500


def _rss_mib(usage) -> float:
    return round(usage.ru_maxrss / 1024, 1)  # Linux: KiB


def _backend_cpu_seconds() -> float:
    """CPU time of this connection's PostgreSQL backend (the database runs on this machine: /proc)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker(queue, results) -> None:
    from billing.services.settlements import settlement_chunk_build

    connections.close_all()
    built = 0
    while True:
        chunk_id = queue.get()
        if chunk_id is None:
            break
        settlement_chunk_build(chunk=SettlementChunk.objects.get(pk=chunk_id))
        built += 1
    database_cpu = _backend_cpu_seconds()
    connections.close_all()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    results.put({"pid": os.getpid(), "chunks": built, "peak_rss_mib": _rss_mib(usage),
                 "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
                 "database_cpu_seconds": round(database_cpu, 2)})


class Command(BaseCommand):
    help = "Time a settlement run over the seeded bench week with N worker processes (prints one JSON line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period-start", type=dt.date.fromisoformat, default=dt.date(2026, 6, 1))
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--chunk-size", type=int, default=None, help="default: the billing settings'")
        parser.add_argument("--yes-this-is-a-bench-database", action="store_true", dest="confirmed",
                            help="allow running outside the bench settings")

    def handle(self, *args, period_start: dt.date, workers: int, chunk_size: int | None, confirmed: bool,
               **options) -> None:
        if settings.SETTINGS_MODULE != "portal.settings.bench" and not confirmed:
            raise CommandError("refusing to run outside portal.settings.bench (pass --yes-this-is-a-bench-database)")
        if connection.vendor != "postgresql":
            raise CommandError("the settlement benchmark needs PostgreSQL")
        from billing.services.settlements import settlement_run_start

        self._forget(period_start)
        started = time.perf_counter()
        run = settlement_run_start(period_start=period_start, actor=None, chunk_size=chunk_size)
        chunk_ids = list(run.chunks.order_by("number").values_list("pk", flat=True))
        planned = time.perf_counter() - started
        connections.close_all()
        context = multiprocessing.get_context("fork")
        queue, results = context.Queue(), context.Queue()
        for chunk_id in chunk_ids:
            queue.put(chunk_id)
        processes = [context.Process(target=_worker, args=(queue, results)) for _ in range(max(1, workers))]
        for process in processes:
            queue.put(None)
            process.start()
        per_worker = [results.get() for _ in processes]
        for process in processes:
            process.join()
        elapsed = time.perf_counter() - started
        run.refresh_from_db()
        failed = [code for code in (p.exitcode for p in processes) if code]
        statements = Statement.objects.filter(run=run).count()
        lines = StatementLine.objects.filter(statement__run=run).count()
        mismatched = self._mismatched(run)
        peak = max([_rss_mib(resource.getrusage(resource.RUSAGE_SELF))] + [w["peak_rss_mib"] for w in per_worker])
        self.stdout.write(json.dumps({
            "period_start": period_start.isoformat(), "status": run.status, "workers": len(processes),
            "chunks": len(chunk_ids), "chunk_size": run.chunk_size, "statements": statements, "lines": lines,
            "order_lines": StatementLine.objects.filter(statement__run=run, kind="order").count(),
            "explanations": StatementLine.objects.filter(statement__run=run).values("explanation_id").distinct()
            .count(), "seconds": round(elapsed, 2), "plan_seconds": round(planned, 2),
            "lines_per_second": round(lines / elapsed) if elapsed else None,
            "parent_peak_rss_mib": _rss_mib(resource.getrusage(resource.RUSAGE_SELF)),
            "workers_peak_rss_mib": [w["peak_rss_mib"] for w in per_worker], "peak_rss_mib": peak,
            "totals_mismatched": mismatched, "worker_failures": failed,
            # the work done, whatever else the machine runs: the workers' CPU and their database backends'; on two
            # idle cores the run takes about the larger of (all of it / 2) and the busiest worker's share
            "workers_cpu_seconds": [w["cpu_seconds"] for w in per_worker],
            "database_cpu_seconds": [w["database_cpu_seconds"] for w in per_worker],
            "idle_two_cores_estimate_seconds": round(max(
                sum(w["cpu_seconds"] + w["database_cpu_seconds"] for w in per_worker) / 2,
                max(w["cpu_seconds"] + w["database_cpu_seconds"] for w in per_worker)), 1),
            "load_1min": round(os.getloadavg()[0], 1),
            "target_seconds": TARGET_SECONDS, "target_mib": TARGET_MIB,
            "ok": run.status == SettlementRun.Status.BUILT and elapsed <= TARGET_SECONDS and peak < TARGET_MIB
            and not mismatched and not failed,
        }))

    def _forget(self, period_start: dt.date) -> None:
        run = SettlementRun.objects.filter(period_start=period_start).first()
        if run is None:
            return
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM billing_subsidyusage WHERE statement_line_id IN (SELECT l.id FROM"
                           " billing_statementline l JOIN billing_statement s ON s.id = l.statement_id"
                           " WHERE s.run_id = %s)", [run.pk])
            cursor.execute("UPDATE billing_settlementadjustment SET statement_line_id = NULL, status = 'approved'"
                           " WHERE statement_line_id IN (SELECT l.id FROM billing_statementline l JOIN"
                           " billing_statement s ON s.id = l.statement_id WHERE s.run_id = %s)", [run.pk])
            cursor.execute("DELETE FROM billing_statementline WHERE statement_id IN (SELECT id FROM billing_statement"
                           " WHERE run_id = %s)", [run.pk])
            cursor.execute("DELETE FROM billing_statement WHERE run_id = %s", [run.pk])
            cursor.execute("DELETE FROM billing_settlementchunk WHERE run_id = %s", [run.pk])
            cursor.execute("DELETE FROM billing_settlementrun WHERE id = %s", [run.pk])
            cursor.execute("VACUUM ANALYZE billing_statementline")

    def _mismatched(self, run: SettlementRun) -> int:
        """Statements whose net payable and carried forward differ from the sum of their lines (frozen count 0)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM billing_statement s LEFT JOIN (SELECT statement_id, sum(amount) AS total"
                "   FROM billing_statementline WHERE kind <> 'frozen' GROUP BY statement_id) l"
                "   ON l.statement_id = s.id"
                " WHERE s.run_id = %s AND s.net_payable + s.carried_forward <> coalesce(l.total, 0)", [run.pk])
            return cursor.fetchone()[0]
