"""Measure the set-based commission function over many order lines on the bench database.

Creates (not timed) a realistic mix of `--contracts` contracts inside one transaction that is rolled back at the
end, so nothing stays behind: platform contracts with and without the launch offer, joint-operation contracts
with and without adjustments, strategic contracts with their own ladder, a few approved overrides, a second
commission table effective mid-year with a GMV ladder, merchants of every grade. Then builds `--lines` order
lines (contract, one of its categories, the previous month's GMV of that contract and category, a day of the
year, the grade at the period start) and times `commission_rates` over them (timed: the queries, the stacking,
the result list). Prints one JSON line.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from contracts.commission import CommissionLine, commission_rates
from contracts.commission.tables import commission_table_freeze
from contracts.models import (
    CommissionOverride,
    CommissionSchedule,
    CommissionScheduleBand,
    CommissionScheduleRate,
    CommissionTableVersion,
    Contract,
    ContractLadderBand,
    ContractTemplateVersion,
)
from portal.models import Category, CooperationMode, Merchant, MerchantGrade, User

YEAR = 2027
EXTRA_CATEGORY = {"code": "bench-beauty", "name_zh": "美妆（压测）", "name_en": "Beauty (bench)"}


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time commission_rates over N generated order lines (prints one JSON line; changes nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lines", type=int, default=1_000_000, help="order lines to rate")
        parser.add_argument("--contracts", type=int, default=2_000, help="contracts to spread them over")
        parser.add_argument("--seed", type=int, default=2027)
        parser.add_argument("--yes-this-is-a-bench-database", action="store_true", dest="confirmed",
                            help="allow running outside the bench settings")

    def handle(self, *args, lines: int, contracts: int, seed: int, confirmed: bool, **options) -> None:
        if settings.SETTINGS_MODULE != "portal.settings.bench" and not confirmed:
            raise CommandError("refusing to run outside portal.settings.bench (pass --yes-this-is-a-bench-database)")
        if lines < 1 or contracts < 1:
            raise CommandError("--lines and --contracts must be at least 1")
        result: dict = {}
        try:
            with transaction.atomic():
                self._run(result, lines=lines, n_contracts=contracts, rng=random.Random(seed))  # noqa: S311 (bench data, not secrets)
                raise _Rollback
        except _Rollback:
            pass
        self.stdout.write(json.dumps(result))

    def _run(self, result: dict, *, lines: int, n_contracts: int, rng: random.Random) -> None:
        started = time.perf_counter()
        categories = self._categories()
        contract_ids = self._contracts(n_contracts, categories, rng)
        self._tables()
        order_lines = self._lines(lines, contract_ids, rng)
        prepared = time.perf_counter() - started
        self.stderr.write(f"prepared {n_contracts} contracts and {lines} lines in {prepared:.1f} s")

        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            rates = commission_rates(order_lines)
            elapsed = time.perf_counter() - started
        assert len(rates) == lines
        result.update(
            lines=lines, contracts=n_contracts, categories=len(categories),
            distinct_lines=len(set(order_lines)), distinct_results=len({id(r) for r in rates}),
            table_versions=sorted({r.table_version for r in rates}), queries=len(queries),
            seconds=round(elapsed, 2), lines_per_second=round(lines / elapsed),
            target_seconds=10, ok=elapsed < 10, prepare_seconds=round(prepared, 1),
        )

    # ------------------------------------------------------------------ data (not timed)

    def _categories(self) -> list[Category]:
        Category.objects.get_or_create(code=EXTRA_CATEGORY["code"], defaults=EXTRA_CATEGORY)
        categories = list(Category.objects.filter(is_active=True).order_by("sort_order", "code")[:8])
        if len(categories) < 2:
            raise CommandError("load the reference data first (manage.py load_demo or bootstrap)")
        return categories

    def _contracts(self, n: int, categories: list[Category], rng: random.Random) -> list[tuple[int, list[int]]]:
        template = ContractTemplateVersion.objects.order_by("pk").first() or ContractTemplateVersion.objects.create(
            mode=CooperationMode.PLATFORM, number=9999, effective_from=dt.date(2026, 1, 1), title_zh="压测",
            title_en="bench", content={}, content_sha256="0" * 64)
        run = int(time.time())
        grades = ["", *MerchantGrade.values]
        merchants = Merchant.objects.bulk_create(
            Merchant(name=f"Bench merchant {run}-{i}", grade=rng.choice(grades)) for i in range(n))
        rows = []
        for i, merchant in enumerate(merchants):
            kind = rng.random()
            joint = kind < 0.10
            activated = dt.datetime(YEAR - 1, 10, 1, 10, tzinfo=dt.UTC) + dt.timedelta(days=rng.randrange(0, 300))
            rows.append(Contract(
                number=f"BENCH-{run}-{i:05d}", merchant=merchant, template_version=template,
                mode=CooperationMode.JOINT if joint else CooperationMode.PLATFORM, merchant_legal_name=merchant.name,
                status=Contract.Status.ACTIVE, activated_at=activated if rng.random() < 0.9 else None,
                launch_offer=rng.random() < 0.4, strategic=0.10 <= kind < 0.20,
                revenue_share_percent=Decimal(rng.choice(["12", "15", "18.5"])) if joint else None,
                share_adjustments_apply=joint and rng.random() < 0.5,
            ))
        contracts = Contract.objects.bulk_create(rows)
        ladders, overrides = [], []
        user = User.objects.order_by("pk").first() or User.objects.create_user(email=f"bench-{run}@example.com")
        for c in contracts:
            if c.strategic:
                ladders += [ContractLadderBand(contract=c, min_gmv=Decimal(m), rate_percent=Decimal(r))
                            for m, r in (("0", "9"), ("500000", "8"), ("2000000", "6.5"))]
            if rng.random() < 0.05:
                overrides.append(CommissionOverride(
                    contract=c, category=rng.choice(categories) if rng.random() < 0.5 else None,
                    rate_percent=Decimal(rng.choice(["3", "4.5", "7"])), reason="bench",
                    effective_from=dt.date(YEAR, rng.randrange(1, 13), 1),
                    effective_to=rng.choice([None, dt.date(YEAR, 12, 31)]),
                    status=CommissionOverride.Status.APPROVED, proposed_by=user, approved_by=user,
                    decided_at=dt.datetime(YEAR - 1, 12, 1, tzinfo=dt.UTC)))
        ContractLadderBand.objects.bulk_create(ladders)
        CommissionOverride.objects.bulk_create(overrides)
        return [(c.pk, [cat.pk for cat in rng.sample(categories, rng.randint(1, 3))]) for c in contracts]

    def _tables(self) -> None:
        """The default table stays; a second one from 1 July of the bench year adds a GMV ladder."""
        if not CommissionTableVersion.objects.exists():
            raise CommandError("no commission table: load the reference data first")
        latest = CommissionTableVersion.objects.order_by("-effective_from", "-number").first()
        schedule = CommissionSchedule(title="压测 / bench", effective_from=dt.date(YEAR, 7, 1), change_note="bench",
                                      live=False)
        # the same base rates, less half a point where that stays within 5–15%
        schedule.category_rates = [
            CommissionScheduleRate(category_id=r.category_id,
                                   rate_percent=max(Decimal(5), r.rate_percent - Decimal("0.5")))
            for r in latest.rates.all()]
        schedule.ladder_bands = [CommissionScheduleBand(category=None, min_gmv=Decimal(m), rate_percent=Decimal(r))
                                 for m, r in (("300000", "9.5"), ("1000000", "8.5"), ("5000000", "7"))]
        schedule.save()
        revision = schedule.save_revision(log_action=False, clean=False)
        commission_table_freeze(schedule=schedule, revision=revision, unreviewed=True)

    def _lines(self, n: int, contract_ids: list[tuple[int, list[int]]], rng: random.Random) -> list[CommissionLine]:
        """Order lines over the year: each line's GMV is its contract and category's previous-month GMV."""
        gmv: dict[tuple[int, int, int], Decimal] = {}
        days = [dt.date(YEAR, 1, 1) + dt.timedelta(days=d) for d in range(365)]
        grades = [None] * 6 + list(MerchantGrade.values)
        out = []
        for _ in range(n):
            contract_id, categories = contract_ids[rng.randrange(len(contract_ids))]
            category_id = categories[rng.randrange(len(categories))]
            day = days[rng.randrange(365)]
            key = (contract_id, category_id, day.month)
            month_gmv = gmv.get(key)
            if month_gmv is None:
                month_gmv = gmv[key] = Decimal(int(rng.lognormvariate(13, 1.2) * 100)) / 100
            out.append(CommissionLine(contract_id, category_id, month_gmv, day, grades[rng.randrange(len(grades))]))
        return out
