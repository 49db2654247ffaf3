"""Fill a benchmark database with merchants, active contracts and order lines for the settlement run benchmark.

`--merchants` merchants (default 10,000), each with an active platform contract (every grade, a tenth with the
launch offer, a twentieth with a strategic ladder of their own, a fifth enrolled for the logistics subsidy when
the policy item exists), and `--lines` order lines in all (default 1,000,000) whose T falls in the week from
`--period-start` (a Monday; default 2026-06-01): several categories, a refund on every tenth line. Merchants and
contracts are bulk-created with the ORM; the order lines by one INSERT … SELECT generate_series. Idempotent by
count: it tops up to the numbers asked and never deletes. Rows are written straight (no service runs, no audit
entry), so it refuses outside the bench settings unless `--yes-this-is-a-bench-database` is given.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from billing.models import SubsidyEnrolment
from contracts.models import CommissionTableVersion, Contract, ContractLadderBand, ContractTemplateVersion
from portal.models import Category, CooperationMode, Merchant, OrderLine, PolicyItem

MERCHANT_PREFIX = "Bench settlement merchant "
GRADES = ["A", "B", "C", "D", ""]


class Command(BaseCommand):
    help = "Create merchants with active contracts and order lines (set-based) for the settlement benchmark."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--merchants", type=int, default=10_000)
        parser.add_argument("--lines", type=int, default=1_000_000, help="order lines wanted in the week")
        parser.add_argument("--period-start", type=dt.date.fromisoformat, default=dt.date(2026, 6, 1))
        parser.add_argument("--yes-this-is-a-bench-database", action="store_true", dest="confirmed",
                            help="allow running outside the bench settings")

    def handle(self, *args, merchants: int, lines: int, period_start: dt.date, confirmed: bool, **options) -> None:
        if settings.SETTINGS_MODULE != "portal.settings.bench" and not confirmed:
            raise CommandError("refusing to seed outside portal.settings.bench (pass --yes-this-is-a-bench-database)")
        if connection.vendor != "postgresql":
            raise CommandError("the settlement benchmark needs PostgreSQL")
        if merchants <= 0 or lines < 0 or period_start.weekday() != 0:
            raise CommandError("--merchants must be positive, --lines not negative, --period-start a Monday")
        if not CommissionTableVersion.objects.filter(effective_from__lte=period_start).exists():
            raise CommandError("no commission table in effect in the week: load the reference data first (load_demo)")
        categories = list(Category.objects.filter(is_active=True).order_by("sort_order", "code")
                          .values_list("pk", flat=True)[:6])
        if not categories:
            raise CommandError("no categories: load the reference data first (load_demo)")
        started = time.monotonic()
        with transaction.atomic():
            bench = self._merchants(merchants)
            self._contracts(bench)
            self._enrolments(bench)
            self._lines(lines, period_start, categories)
        with connection.cursor() as cursor:
            for model in (Merchant, Contract, OrderLine):
                cursor.execute("VACUUM ANALYZE " + connection.ops.quote_name(model._meta.db_table))
        week = (period_start, period_start + dt.timedelta(days=6))
        total = OrderLine.objects.filter(merchant__name__startswith=MERCHANT_PREFIX,
                                         settleable_on__range=week).count()
        self.stdout.write(self.style.SUCCESS(
            f"{len(bench)} bench settlement merchants with active contracts, {total} order lines in the week of "
            f"{period_start} in {time.monotonic() - started:.1f} s"))

    def _merchants(self, n: int) -> list[int]:
        have = Merchant.objects.filter(name__startswith=MERCHANT_PREFIX).count()
        Merchant.objects.bulk_create(
            [Merchant(name=f"{MERCHANT_PREFIX}{i}", status="active", grade=GRADES[i % len(GRADES)])
             for i in range(have, n)], batch_size=5000)
        return list(Merchant.objects.filter(name__startswith=MERCHANT_PREFIX).order_by("pk")
                    .values_list("pk", flat=True)[:n])

    def _contracts(self, merchant_ids: list[int]) -> None:
        template = ContractTemplateVersion.objects.filter(mode=CooperationMode.PLATFORM).order_by("pk").first()
        if template is None:
            raise CommandError("no platform contract template: load the reference data first (load_demo)")
        have = set(Contract.objects.filter(merchant_id__in=merchant_ids).values_list("merchant_id", flat=True))
        activated = dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC)
        rows = [Contract(number=f"BENCH-S-{pk}", merchant_id=pk, mode=CooperationMode.PLATFORM,
                         template_version=template, merchant_legal_name=f"{MERCHANT_PREFIX}{pk}",
                         status=Contract.Status.ACTIVE, activated_at=activated, launch_offer=index % 10 == 0,
                         strategic=index % 20 == 1)
                for index, pk in enumerate(merchant_ids) if pk not in have]
        contracts = Contract.objects.bulk_create(rows, batch_size=2000)
        ContractLadderBand.objects.bulk_create(
            [ContractLadderBand(contract=c, min_gmv=Decimal(m), rate_percent=Decimal(r))
             for c in contracts if c.strategic for m, r in (("0", "9"), ("500000", "8"))], batch_size=5000)

    def _enrolments(self, merchant_ids: list[int]) -> None:
        item = PolicyItem.objects.filter(code="logistics_subsidy").first()
        if item is None:
            return
        have = set(SubsidyEnrolment.objects.filter(item=item, merchant_id__in=merchant_ids)
                   .values_list("merchant_id", flat=True))
        SubsidyEnrolment.objects.bulk_create(
            [SubsidyEnrolment(merchant_id=pk, item=item, starts_on=dt.date(2026, 1, 1), cross_border=pk % 2 == 0)
             for pk in merchant_ids[::5] if pk not in have], batch_size=5000)

    def _lines(self, n: int, period_start: dt.date, categories: list[int]) -> None:
        week = (period_start, period_start + dt.timedelta(days=6))
        have = OrderLine.objects.filter(merchant__name__startswith=MERCHANT_PREFIX, settleable_on__range=week).count()
        if have >= n:
            return
        with connection.cursor() as cursor:
            # line g goes to the g-th bench merchant (round robin), one of the first categories, a day of the
            # week; amounts between ¥10 and ¥1,009.99, every tenth line refunded by a fifth
            cursor.execute(
                "WITH m AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM portal_merchant"
                "           WHERE name LIKE %s), mc AS (SELECT count(*) AS n FROM m)"
                " INSERT INTO portal_orderline (external_id, merchant_id, digest, version, source, received_at,"
                "   updated_at, category_id, amount, currency, completed_on, settleable_on, refund_amount,"
                "   refunded_on, fulfilled, on_time)"
                " SELECT 'BENCH-S-' || %s || '-' || g, m.id, md5(g::text), 1, 'demo', now(), now(),"
                "   (%s::bigint[])[(1 + (g / 7) %% cardinality(%s::bigint[]))::int],"
                "   round(10 + (g * 7919 %% 100000) / 100.0, 2), 'CNY',"
                "   %s::date + (g %% 7)::int - 8, %s::date + (g %% 7)::int,"
                "   CASE WHEN g %% 10 = 0 THEN round((10 + (g * 7919 %% 100000) / 100.0) / 5, 2) ELSE 0 END,"
                "   CASE WHEN g %% 10 = 0 THEN %s::date + (g %% 7)::int END, g %% 50 <> 0, g %% 20 <> 0"
                " FROM generate_series(%s::bigint, %s::bigint) g CROSS JOIN mc JOIN m ON m.i = g %% mc.n",
                [MERCHANT_PREFIX + "%", period_start.isoformat(), categories, categories, period_start,
                 period_start, period_start, have, n - 1])
