"""Measure the throughput of `application_submit` on the bench database.

Prepares `--count` complete drafts through the real services (not timed: answers and the required
documents), then submits them one after another in a loop (timed) and prints the result as one JSON
line: submissions per second and latency percentiles. Each submission runs the screening, the squad
assignment with its object grants, the SLA deadlines on the working-day calendar and the audit entry.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from onboarding.selectors import application_required_documents
from onboarding.services import application_create, application_submit, application_update_step, document_add
from portal.models import Category, Merchant, MerchantMembership, User

PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% bench\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
CREDIT_CODE = "91350100M000100Y43"


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


class Command(BaseCommand):
    help = "Prepare N complete drafts and time application_submit over them (prints one JSON line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=100, help="drafts to prepare and submit")
        parser.add_argument("--yes-this-is-a-bench-database", action="store_true", dest="confirmed",
                            help="allow running outside the bench settings")

    def handle(self, *args, count: int, confirmed: bool, **options) -> None:
        if settings.SETTINGS_MODULE != "portal.settings.bench" and not confirmed:
            raise CommandError("refusing to run outside portal.settings.bench (pass --yes-this-is-a-bench-database)")
        if count < 1:
            raise CommandError("--count must be at least 1")
        category = Category.objects.filter(is_active=True, squads__isnull=False).order_by("pk").first()
        if category is None:
            raise CommandError("no category with a squad: load the demo data (manage.py load_demo) first")
        run = int(time.time())
        drafts = []
        started = time.perf_counter()
        for i in range(count):
            drafts.append(self._draft(run, i, category))
        prepared_s = time.perf_counter() - started
        self.stderr.write(f"prepared {count} drafts in {prepared_s:.1f} s")
        timings, failed = [], 0
        started = time.perf_counter()
        for app, user in drafts:
            t0 = time.perf_counter()
            try:
                application_submit(application=app, actor=user)
            except Exception as error:  # noqa: BLE001 - a benchmark counts failures and goes on
                failed += 1
                self.stderr.write(f"application {app.pk}: {error}")
                continue
            timings.append((time.perf_counter() - t0) * 1000)
        elapsed = time.perf_counter() - started
        result = {
            "count": count, "failed": failed, "seconds": round(elapsed, 3),
            "submissions_per_s": round(len(timings) / elapsed, 1) if elapsed else None,
            "p50_ms": round(_percentile(timings, 50), 1) if timings else None,
            "p95_ms": round(_percentile(timings, 95), 1) if timings else None,
        }
        self.stdout.write(json.dumps(result))
        if failed:
            raise CommandError(f"{failed} submissions failed")

    def _draft(self, run: int, i: int, category: Category):
        with transaction.atomic():
            merchant = Merchant.objects.create(name=f"Bench submitter {run}-{i}")
            user = User.objects.create_user(email=f"bench-submit-{run}-{i}@example.com", password=None)
            MerchantMembership.objects.create(merchant=merchant, user=user, role=MerchantMembership.Role.OWNER)
        app = application_create(merchant=merchant, actor=user)
        steps = {
            "company": {"company_name": f"Bench Trading {run}-{i} Co., Ltd.", "credit_code": CREDIT_CODE,
                        "legal_representative": "Zhang San"},
            "contacts": {"contact_name": "Li Si", "contact_phone": "13800138000",
                         "contact_email": f"bench-{i}@example.com", "address": "1 Example Road, Fuzhou"},
            "categories": {"main_category": category.pk, "cooperation_mode": "platform", "cross_border": False,
                           "brands": [{"name": "Bench", "ownership": "own"}]},
            "screening": {"is_known_brand": True, "sku_coverage": Decimal("85"), "monthly_gmv": Decimal("600000"),
                          "has_ops_team": True},
        }
        for step, data in steps.items():
            app = application_update_step(application=app, actor=user, step=step, data=data)
        for doc_type, required in application_required_documents(app):
            if required:
                document_add(application=app, actor=user, document_type=doc_type,
                             files=[SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf")],
                             number="NO-1" if doc_type.has_number else "", issuer="Authority")
        return app, user
