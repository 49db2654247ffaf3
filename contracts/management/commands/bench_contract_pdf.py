"""Measure contract PDFs on the bench database: render + seal per contract, and many through Celery workers.

Creates `--count` contracts (not timed; numbered by run, so runs never collide) of the platform-entry template with
`--categories` categories and a three-band contract ladder, each with the issue, acceptance and countersigning
entries in its audit trail, so each signed copy is a five-page Chinese contract with its evidence page. Then:

- `--inline`: builds the signed copy of each in this process (render, seal, store: what the task does) and reports
  the median and p95 seconds per contract;
- otherwise: enqueues `contract_document_render` for each (CELERY_BROKER_URL must point at the workers' broker)
  and waits until every signed copy is stored, reporting the wall time from the first enqueue to the last file.

Prints one JSON line. The contracts and their files stay in the bench database.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from contracts.models import Contract, ContractDocument, ContractLadderBand, ContractTemplateVersion
from portal.audit import audit_entry_create
from portal.bootstrap import reference_data_load
from portal.models import Category, CooperationMode, Merchant

TARGET_INLINE_SECONDS = 1.0
TARGET_WORKER_SECONDS = 120.0


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


class Command(BaseCommand):
    help = "Time contract PDF render + seal, inline or through Celery workers (prints one JSON line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=50, help="contracts to render and seal")
        parser.add_argument("--categories", type=int, default=16, help="categories per contract")
        parser.add_argument("--inline", action="store_true", help="render in this process (else through Celery)")
        parser.add_argument("--timeout", type=int, default=900, help="seconds to wait for the workers")
        parser.add_argument("--yes-this-is-a-bench-database", action="store_true", dest="confirmed",
                            help="allow running outside the bench settings")

    def handle(self, *args, count: int, categories: int, inline: bool, timeout: int, confirmed: bool,
               **options) -> None:
        if settings.SETTINGS_MODULE != "portal.settings.bench" and not confirmed:
            raise CommandError("refusing to run outside portal.settings.bench (pass --yes-this-is-a-bench-database)")
        if not inline and not settings.CELERY_BROKER_URL:
            raise CommandError("set CELERY_BROKER_URL to the workers' broker, or pass --inline")
        contract_ids = self._seed(count=count, categories=categories)
        result = self._inline(contract_ids) if inline else self._through_workers(contract_ids, timeout=timeout)
        self.stdout.write(json.dumps(result))

    @transaction.atomic
    def _seed(self, *, count: int, categories: int) -> list[int]:
        reference_data_load()
        version = ContractTemplateVersion.objects.effective_on(mode=CooperationMode.PLATFORM,
                                                               on=timezone.localdate())
        if version is None:
            raise CommandError("no platform-entry template version in effect")
        chosen = list(Category.objects.order_by("sort_order", "code")[:categories])
        for i in range(len(chosen), categories):
            chosen.append(Category.objects.get_or_create(code=f"bench-pdf-{i}", defaults={
                "name_zh": f"压测类目{i}", "name_en": f"Bench category {i}", "sort_order": 900 + i})[0])
        run = timezone.now().strftime("%m%d%H%M%S")
        now = timezone.now()
        ids = []
        for n in range(count):
            merchant = Merchant.objects.create(name=f"压测商贸有限公司{run}-{n}", grade="A")
            contract = Contract.objects.create(
                number=f"B{run}-{n:04d}", merchant=merchant, mode=CooperationMode.PLATFORM, template_version=version,
                status=Contract.Status.SIGNED, merchant_legal_name=merchant.name,
                merchant_credit_code="91310000MA1FL0000X", merchant_representative="压测代表",
                merchant_address="上海市浦东新区压测路100号", grade="A", regions=["华东", "华南", "华北"],
                technical_service_fee=Decimal("6000"), advertising_fee_percent=Decimal("3"),
                deposit_amount=Decimal("50000"), strategic=True, min_annual_marketing=Decimal("200000"),
                launch_offer=True, issued_at=now, accepted_at=now, accepted_name="压测代表", countersigned_at=now,
                accepted_pdf_sha256="0" * 64,
            )
            contract.categories.set(chosen)
            ContractLadderBand.objects.bulk_create([
                ContractLadderBand(contract=contract, min_gmv=Decimal(gmv), rate_percent=Decimal(rate))
                for gmv, rate in [("0", "12"), ("1000000", "10"), ("5000000", "8")]])
            for action, ip in [("contracts.contract.issued", "198.51.100.7"),
                               ("contracts.contract.code_sent", "203.0.113.9"),
                               ("contracts.contract.accepted", "203.0.113.9"),
                               ("contracts.contract.countersigned", "198.51.100.7")]:
                audit_entry_create(actor=None, action=action, target=contract, ip_address=ip,
                                   data={"user_agent": "Mozilla/5.0 (X11; Linux x86_64) bench"})
            ids.append(contract.pk)
        return ids

    def _inline(self, contract_ids: list[int]) -> dict:
        from contracts.documents import contract_document_build

        timings, cpu, pages = [], [], []
        for contract in Contract.objects.filter(pk__in=contract_ids).select_related("template_version"):
            started, cpu_started = time.perf_counter(), time.process_time()
            document = contract_document_build(contract=contract, kind=ContractDocument.Kind.SIGNED)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            pages.append(document.pages)
        median, p95 = statistics.median(timings), _percentile(timings, 95)
        # CPU seconds of this process: what one contract costs whatever else the machine is doing
        return {"contracts": len(timings), "median_s": round(median, 3), "p95_s": round(p95, 3),
                "cpu_median_s": round(statistics.median(cpu), 3), "cpu_p95_s": round(_percentile(cpu, 95), 3),
                "load_1min": round(os.getloadavg()[0], 2),
                "min_s": round(min(timings), 3), "max_s": round(max(timings), 3),
                "pages_min": min(pages), "pages_max": max(pages), "target_s": TARGET_INLINE_SECONDS,
                "ok": p95 < TARGET_INLINE_SECONDS}

    def _through_workers(self, contract_ids: list[int], *, timeout: int) -> dict:
        from contracts.tasks import contract_document_render

        started = time.perf_counter()
        start_moment = timezone.now()
        for pk in contract_ids:
            contract_document_render.delay(pk, ContractDocument.Kind.SIGNED)
        enqueued = time.perf_counter() - started
        done = 0
        while time.perf_counter() - started < timeout:
            done = ContractDocument.objects.filter(contract_id__in=contract_ids, kind="signed").count()
            if done == len(contract_ids):
                break
            time.sleep(0.25)
        wall = time.perf_counter() - started
        last = (ContractDocument.objects.filter(contract_id__in=contract_ids, kind="signed")
                .order_by("-created_at").values_list("created_at", flat=True).first())
        files_wall = (last - start_moment).total_seconds() if last else wall
        return {"contracts": len(contract_ids), "done": done, "wall_s": round(files_wall, 1),
                "load_1min": round(os.getloadavg()[0], 2),
                "enqueue_s": round(enqueued, 2), "per_contract_s": round(files_wall / max(done, 1), 3),
                "target_s": TARGET_WORKER_SECONDS,
                "ok": done == len(contract_ids) and files_wall < TARGET_WORKER_SECONDS}
