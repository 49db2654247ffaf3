"""Fill a benchmark database with submitted applications for the review-queue benchmark.

Idempotent by count: it tops the benchmark merchants' applications up to `--count` and never deletes.
Rows are written with `bulk_create` straight into their review states (a seeded data set, not a
workflow: no service runs, no audit entry is written), so it must never run against a real database;
it refuses unless `--yes-this-is-a-bench-database` is given or the settings are the bench settings.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from onboarding.models import Application, ApplicationStatus, CooperationMode, Profile
from portal.models import Category, Merchant, Squad
from portal.roles import Role

MERCHANT_PREFIX = "Bench merchant "
LEAD_EMAIL = "bench-lead@example.com"
REVIEWER_EMAIL = "bench-reviewer-{}@example.com"
BATCH = 5000
QUEUE_STATUSES = [
    ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.IN_REVIEW,
    ApplicationStatus.INFO_REQUESTED, ApplicationStatus.RESUBMITTED, ApplicationStatus.APPROVED,
    ApplicationStatus.REJECTED,
]


class Command(BaseCommand):
    help = "Create submitted applications (bulk) for the review-queue benchmark, up to --count in total."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=100_000, help="applications wanted in total")
        parser.add_argument("--lead-password", default="bench-lead-pass", help="password of the bench lead user")
        parser.add_argument("--yes-this-is-a-bench-database", action="store_true", dest="confirmed",
                            help="allow running outside the bench settings")

    def handle(self, *args, count: int, lead_password: str, confirmed: bool, **options) -> None:
        if settings.SETTINGS_MODULE != "portal.settings.bench" and not confirmed:
            raise CommandError("refusing to seed outside portal.settings.bench (pass --yes-this-is-a-bench-database)")
        if count < 0:
            raise CommandError("--count must not be negative")
        lead = self._staff_user(LEAD_EMAIL, Role.LEAD, lead_password)
        reviewers = [self._staff_user(REVIEWER_EMAIL.format(i), Role.REVIEWER, None) for i in range(1, 7)]
        categories = self._categories()
        squads = self._squads(categories, reviewers, lead)
        existing = Application.objects.filter(merchant__name__startswith=MERCHANT_PREFIX).count()
        missing = count - existing
        if missing <= 0:
            self.stdout.write(self.style.SUCCESS(f"{existing} bench applications already there; nothing to do"))
            return
        merchants = self._merchants(max(1, count // 100))
        squad_of = {c.pk: s for s in squads for c in s.categories.all()}
        members = {s.pk: list(s.members.all()) for s in squads}
        rng = random.Random(existing)  # noqa: S311 - synthetic data, not security
        now = timezone.now()
        created = 0
        while created < missing:
            size = min(BATCH, missing - created)
            rows = [self._row(rng, existing + created + i, now, lead, merchants, categories, squad_of, members)
                    for i in range(size)]
            with transaction.atomic():
                Application.objects.bulk_create(rows, batch_size=1000)
            created += size
            self.stdout.write(f"  {existing + created}/{count}")
        if connection.vendor == "postgresql":
            # fresh statistics, or the planner keeps estimating the empty table it saw before
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {Application._meta.db_table}")
        self.stdout.write(self.style.SUCCESS(f"created {created} applications ({existing + created} in total)"))

    def _staff_user(self, email: str, role: str, password: str | None):
        user, was_created = get_user_model().objects.get_or_create(
            email=email, defaults={"is_staff": True, "first_name": email.split("@")[0]})
        if was_created or password:
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    def _categories(self) -> list[Category]:
        categories = list(Category.objects.filter(is_active=True))
        if categories:
            return categories
        return [Category.objects.get_or_create(code=f"bench-{i}", defaults={
            "name_zh": f"基准类目{i}", "name_en": f"Bench category {i}"})[0] for i in range(1, 7)]

    def _squads(self, categories: list[Category], reviewers: list, lead) -> list[Squad]:
        squads = []
        for i in range(3):
            squad, _created = Squad.objects.get_or_create(name_en=f"Bench squad {i + 1}",
                                                          defaults={"name_zh": f"基准小组{i + 1}", "lead": lead})
            squad.categories.add(*categories[i::3])
            squad.members.add(*reviewers[2 * i:2 * i + 2])
            squads.append(squad)
        return squads

    def _merchants(self, n: int) -> list[Merchant]:
        have = list(Merchant.objects.filter(name__startswith=MERCHANT_PREFIX).order_by("pk"))
        if len(have) < n:
            Merchant.objects.bulk_create([Merchant(name=f"{MERCHANT_PREFIX}{i}") for i in range(len(have), n)],
                                         batch_size=1000)
            have = list(Merchant.objects.filter(name__startswith=MERCHANT_PREFIX).order_by("pk"))
        return have

    def _row(self, rng: random.Random, i: int, now: dt.datetime, lead, merchants, categories, squad_of,
             members) -> Application:
        category = categories[i % len(categories)]
        squad = squad_of.get(category.pk)
        status = QUEUE_STATUSES[i % len(QUEUE_STATUSES)]
        submitted = now - dt.timedelta(minutes=rng.randint(60, 60 * 24 * 60))
        decided = status in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED)
        reviewer = rng.choice(members[squad.pk]) if squad and members.get(squad.pk) and i % 5 else None
        return Application(
            merchant=merchants[i % len(merchants)],
            created_by=lead,
            status=status,
            company_name=f"基准商贸有限公司 {i:06d}",
            credit_code=f"91310000{i:010d}"[:18],
            legal_representative="张三",
            contact_name="李四",
            contact_phone="13800000000",
            contact_email=f"contact{i}@bench.example.com",
            address="上海市浦东新区",
            main_category=category,
            cooperation_mode=CooperationMode.values[i % 3],
            cross_border=bool(i % 4 == 0),
            profile=Profile.values[i % len(Profile.values)],
            score=rng.randint(0, 100),
            monthly_gmv=Decimal(rng.randint(10_000, 2_000_000)),
            squad=squad,
            assigned_reviewer=reviewer,
            submitted_at=submitted,
            first_touch_due_at=submitted + dt.timedelta(hours=24),
            first_touched_at=None if status == ApplicationStatus.SUBMITTED else submitted + dt.timedelta(hours=3),
            decision_due_at=submitted + dt.timedelta(days=7) + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 14)),
            sla_paused_at=submitted + dt.timedelta(days=2) if status == ApplicationStatus.INFO_REQUESTED else None,
            decided_at=submitted + dt.timedelta(days=4) if decided else None,
            decided_by=lead if decided else None,
        )
