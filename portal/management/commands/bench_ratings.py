"""Measure the nightly rating recompute for many merchants on the bench database (PostgreSQL).

Seeds (not timed, set-based with generate_series) `--merchants` active merchants with, in the 90-day window,
between 0 and 2 × `--lines-per-merchant` order lines each (some below the 30-order minimum), about one complaint
per 40 lines and one buyer rating per 4 lines, plus lines outside the window. Then times the recompute as of the
bench day: planning the run and its chunks, and every chunk's INSERT … SELECT, shared by `--workers` threads
(each with its own database connection, as Celery workers would). Removes everything it made afterwards, so the
other benches never see these merchants. Prints one JSON line.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections
from django.db.models import Count

from portal.models import Alert, Category, MerchantRating, RatingChunk, RatingModelVersion, RatingRun

AS_OF = dt.date(2027, 3, 1)
PREFIX = "bench-rating-"


class Command(BaseCommand):
    help = "Time the rating recompute over N generated merchants (prints one JSON line; leaves nothing behind)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--merchants", type=int, default=100_000)
        parser.add_argument("--lines-per-merchant", type=int, default=30, help="average order lines in the window")
        parser.add_argument("--chunk-size", type=int, default=5_000)
        parser.add_argument("--workers", type=int, default=2, help="threads sharing the chunks")
        parser.add_argument("--yes-this-is-a-bench-database", action="store_true", dest="confirmed")

    def handle(self, *args, merchants: int, lines_per_merchant: int, chunk_size: int, workers: int,
               confirmed: bool, **options) -> None:
        if settings.SETTINGS_MODULE != "portal.settings.bench" and not confirmed:
            raise CommandError("refusing to run outside portal.settings.bench (pass --yes-this-is-a-bench-database)")
        if connection.vendor != "postgresql":
            raise CommandError("the rating bench runs on PostgreSQL")
        if not RatingModelVersion.objects.filter(approved_at__isnull=False).exists():
            raise CommandError("load the reference data first (manage.py load_demo or load_defaults)")
        self._cleanup()
        try:
            started = time.perf_counter()
            counts = self._seed(merchants, lines_per_merchant)
            prepared = time.perf_counter() - started
            self.stderr.write(f"seeded {counts} in {prepared:.1f} s")
            # the alerts' emails are the mail task's work, queued after each chunk commits and sent by whichever
            # worker takes it; without a broker the bench would send them inline, inside the time of the
            # recompute (some 50,000 mails to the console): here they are left queued, as unsent alerts
            from portal.alerts import services as alert_services

            enqueue, alert_services._emails_enqueue = alert_services._emails_enqueue, lambda: None
            try:
                result = self._measure(chunk_size=chunk_size, workers=workers)
            finally:
                alert_services._emails_enqueue = enqueue
            result["alerts_raised"] = Alert.objects.filter(merchant__name__startswith=PREFIX).count()
            result.update(merchants=merchants, **counts, prepare_seconds=round(prepared, 1), chunk_size=chunk_size,
                          workers=workers, target_seconds=30, ok=result["seconds"] <= 30)
        finally:
            self._cleanup()
        self.stdout.write(json.dumps(result))

    def _seed(self, merchants: int, per_merchant: int) -> dict[str, int]:
        categories = list(Category.objects.order_by("pk").values_list("pk", flat=True)[:8])
        if not categories:
            raise CommandError("no categories: load the reference data first")
        window_end = AS_OF - dt.timedelta(days=1)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO portal_merchant (name, kind, created_at, deposit_currency, grade, status) "
                "SELECT %s || g, 'merchant', now(), '', '', 'active' FROM generate_series(1, %s) g",
                [PREFIX, merchants])
            cursor.execute("SELECT MIN(id), MAX(id) FROM portal_merchant WHERE name LIKE %s", [PREFIX + "%"])
            lo, hi = cursor.fetchone()
            # each merchant: (id * 7919) % (2 × per_merchant + 1) lines in the window, spread over its 90 days
            cursor.execute(
                "INSERT INTO portal_orderline (external_id, digest, version, source, received_at, updated_at, "
                " amount, currency, completed_on, settleable_on, refund_amount, fulfilled, on_time, category_id, "
                " merchant_id) "
                "SELECT %s || m.id || '-' || k, md5(m.id || '-' || k), 1, 'demo', now(), now(), 100 + (k %% 50), "
                " 'CNY', %s::date - ((m.id + k) %% 95)::int, %s::date - ((m.id + k) %% 95)::int + 7, "
                " CASE WHEN (m.id + k) %% 23 = 0 THEN 100 + (k %% 50) ELSE 0 END, (m.id * k) %% 31 <> 0, "
                " (m.id * k) %% 13 <> 0, (%s::bigint[])[1 + (m.id + k) %% %s], m.id "
                "FROM portal_merchant m, LATERAL generate_series(1, (m.id * 7919) %% (2 * %s + 1)) k "
                "WHERE m.id BETWEEN %s AND %s",
                [PREFIX, window_end, window_end, categories, len(categories), per_merchant, lo, hi])
            lines = cursor.rowcount
            cursor.execute(
                "INSERT INTO portal_complaint (external_id, digest, version, source, received_at, updated_at, "
                " merchant_id, order_external_id, received_on, reason) "
                "SELECT %s || 'c-' || id, md5('c' || id), 1, 'demo', now(), now(), merchant_id, external_id, "
                "completed_on + 2, '' FROM portal_orderline WHERE merchant_id BETWEEN %s AND %s AND id %% 40 = 0",
                [PREFIX, lo, hi])
            complaint_count = cursor.rowcount
            cursor.execute(
                "INSERT INTO portal_satisfactionrating (external_id, digest, version, source, received_at, "
                " updated_at, merchant_id, order_external_id, rated_on, score) "
                "SELECT %s || 's-' || id, md5('s' || id), 1, 'demo', now(), now(), merchant_id, external_id, "
                " completed_on + 3, 3 + (id %% 21) / 10.0 FROM portal_orderline "
                "WHERE merchant_id BETWEEN %s AND %s AND id %% 4 = 0",
                [PREFIX, lo, hi])
            rating_count = cursor.rowcount
            cursor.execute("ANALYZE portal_merchant; ANALYZE portal_orderline; ANALYZE portal_complaint; "
                           "ANALYZE portal_satisfactionrating")
        return {"order_lines": lines, "complaints": complaint_count, "buyer_ratings": rating_count}

    def _measure(self, *, chunk_size: int, workers: int) -> dict:
        from portal.ratings.services import rating_chunk_compute, rating_recompute_start

        def compute(chunk_id: int) -> None:
            try:
                rating_chunk_compute(chunk=RatingChunk.objects.get(pk=chunk_id))
            finally:
                connections.close_all()

        started = time.perf_counter()
        run = rating_recompute_start(as_of=AS_OF, chunk_size=chunk_size, enqueue=False)
        planned = time.perf_counter() - started
        chunk_ids = list(run.chunks.order_by("number").values_list("pk", flat=True))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(compute, chunk_ids))
        elapsed = time.perf_counter() - started
        run.refresh_from_db()
        rows = MerchantRating.objects.filter(run=run)
        return {"seconds": round(elapsed, 2), "plan_seconds": round(planned, 2), "chunks": len(chunk_ids),
                "run_status": run.status, "ratings_written": rows.count(),
                "rated": rows.filter(rated=True).count(), "not_rated": rows.filter(rated=False).count(),
                "grades": dict(rows.filter(rated=True).values("grade").annotate(n=Count("id"))
                               .order_by("grade").values_list("grade", "n")),
                "merchants_per_second": round(run.merchant_count / elapsed)}

    def _cleanup(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT MIN(id), MAX(id) FROM portal_merchant WHERE name LIKE %s", [PREFIX + "%"])
            lo, hi = cursor.fetchone()
        runs = RatingRun.objects.filter(as_of=AS_OF)
        MerchantRating.objects.filter(run__in=runs).delete()
        RatingChunk.objects.filter(run__in=runs).delete()
        if lo is None:
            runs.delete()
            return
        with connection.cursor() as cursor:
            for table in ("portal_alert", "portal_merchantrating", "portal_satisfactionrating", "portal_complaint",
                          "portal_orderline"):
                cursor.execute(f"DELETE FROM {table} WHERE merchant_id BETWEEN %s AND %s", [lo, hi])  # noqa: S608
            cursor.execute("DELETE FROM portal_merchant WHERE id BETWEEN %s AND %s AND name LIKE %s",
                           [lo, hi, PREFIX + "%"])
        runs.delete()
