"""Bulk PDF downloads: a zip of the latest PDF of each chosen contract, built by a Celery task into private
storage while the requester watches its progress.

- `contract_export_request` records the request (the contracts' ids as chosen, at most MAX_CONTRACTS) and
  queues the build after commit: the web request returns at once.
- `contract_export_build` (the task's service) reads the latest document of every contract in one query,
  writes the zip to a temporary file, saving `done` as it goes (its own small updates, so a page polling
  the row sees them), and stores the zip. A contract without a PDF yet is listed in the zip's
  `contents.csv`, which names every file with its SHA-256. A build that is done or running is not started
  again (a retried task changes nothing).
- Only the requester downloads the result. Nothing here changes a contract.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import tempfile
import time
import zipfile
from typing import Any

from django.core.files import File
from django.db import models, transaction
from django.utils import timezone

from portal.audit import audit_entry_create

from .models import Contract, ContractDocument, ContractExport, ContractExportStatus

logger = logging.getLogger(__name__)

E = ContractExportStatus
MAX_CONTRACTS = 5000
# how often the build saves its progress (seconds), at most
PROGRESS_EVERY = 0.5
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class ExportTooLarge(ValueError):
    pass


def contract_export_request(*, actor: Any, contracts: models.QuerySet[Contract], params: dict | None = None
                            ) -> ContractExport:
    """Record a bulk download of `contracts` (in their order) and queue its build after commit.
    Raises `ExportTooLarge` above MAX_CONTRACTS contracts and ValueError for none."""
    ids = list(contracts.values_list("pk", flat=True)[:MAX_CONTRACTS + 1])
    if len(ids) > MAX_CONTRACTS:
        raise ExportTooLarge(MAX_CONTRACTS)
    if not ids:
        raise ValueError("no contracts")
    with transaction.atomic():
        export = ContractExport.objects.create(requested_by=actor, contract_ids=ids, params=params or {},
                                               total=len(ids))
        audit_entry_create(actor=actor, action="contracts.contract_export.requested", target=export,
                           data={"contracts": len(ids), "params": params or {}})
        transaction.on_commit(lambda: _queue(export.pk))
    return export


def _queue(export_id: int) -> None:
    from .tasks import contract_export_build_task

    contract_export_build_task.delay(export_id)


def latest_documents(contract_ids: list[int]) -> dict[int, ContractDocument]:
    """The newest PDF of each contract (the signed copy once there is one), in one query."""
    latest: dict[int, ContractDocument] = {}
    documents = (ContractDocument.objects.filter(contract_id__in=contract_ids).select_related("contract")
                 .order_by("contract_id", "-created_at", "-id"))
    for document in documents.iterator(chunk_size=2000):
        latest.setdefault(document.contract_id, document)
    return latest


def _safe(name: str) -> str:
    return _UNSAFE.sub("-", name).strip("-") or "contract"


def contract_export_build(*, export: ContractExport) -> ContractExport:
    """Build the zip of `export` (see the module docstring); returns the row as it ends."""
    with transaction.atomic():
        export = ContractExport.objects.select_for_update().get(pk=export.pk)
        if export.status in (E.DONE, E.RUNNING):
            return export
        export.status, export.started_at, export.done = E.RUNNING, timezone.now(), 0
        export.save(update_fields=["status", "started_at", "done"])
    try:
        return _build(export)
    except Exception as error:
        ContractExport.objects.filter(pk=export.pk).update(status=E.FAILED, error=str(error)[:2000],
                                                           finished_at=timezone.now())
        logger.exception("contract export %s failed", export.pk)
        raise


def _build(export: ContractExport) -> ContractExport:
    ids = [int(pk) for pk in export.contract_ids]
    numbers = dict(Contract.objects.filter(pk__in=ids).values_list("pk", "number"))
    documents = latest_documents(ids)
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(["contract", "file", "kind", "sha256", "size"])
    missing: list[str] = []
    files = 0
    last_saved = time.monotonic()
    with tempfile.TemporaryFile() as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            used: set[str] = set()
            for index, pk in enumerate(ids, start=1):
                number = numbers.get(pk)
                document = documents.get(pk)
                if number is not None and document is not None:
                    name = f"{_safe(number)}-{document.kind}.pdf"
                    while name in used:
                        name = f"{_safe(number)}-{document.kind}-{document.pk}.pdf"
                    used.add(name)
                    # PDFs are compressed already: stored as they are, streamed from storage
                    with document.file.open("rb") as source, archive.open(name, "w", force_zip64=True) as target:
                        for chunk in iter(lambda: source.read(1024 * 1024), b""):
                            target.write(chunk)
                    writer.writerow([number, name, document.kind, document.sha256, document.size])
                    files += 1
                elif number is not None:
                    missing.append(number)
                    writer.writerow([number, "", "", "", ""])
                if time.monotonic() - last_saved >= PROGRESS_EVERY:
                    ContractExport.objects.filter(pk=export.pk).update(done=index, files=files)
                    last_saved = time.monotonic()
            archive.writestr("contents.csv", "\ufeff" + manifest.getvalue())
        size = tmp.tell()
        tmp.seek(0)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        export.file.save(f"contracts-{export.pk}-{stamp}.zip", File(tmp), save=False)
    export.status, export.done, export.files, export.missing = E.DONE, len(ids), files, missing
    export.size, export.finished_at = size, timezone.now()
    export.save(update_fields=["file", "status", "done", "files", "missing", "size", "finished_at"])
    return export


def export_for_user(*, user: Any, pk: Any) -> ContractExport | None:
    """The export if `user` asked for it (superusers see all), else None (answer 404)."""
    export = ContractExport.objects.filter(pk=pk).first()
    if export is None or not (export.requested_by_id == user.pk or user.is_superuser):
        return None
    return export


def contract_export_download_record(*, export: ContractExport, actor: Any, ip_address: str | None) -> None:
    audit_entry_create(actor=actor, action="contracts.contract_export.downloaded", target=export,
                       data={"contracts": export.total, "files": export.files, "size": export.size},
                       ip_address=ip_address)


def contract_exports_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the zips built more than ContractSettings.export_retention_days ago (the contracts' own PDFs stay):
    the file goes from storage and the row becomes "expired", so its page says so and its download is gone.
    Returns how many were removed. A file already missing from storage is not an error."""
    from .models import ContractSettings

    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=ContractSettings.load().export_retention_days)
    removed = 0
    for export in ContractExport.objects.filter(status=E.DONE, finished_at__lt=cutoff).order_by("pk"):
        with transaction.atomic():
            locked = ContractExport.objects.select_for_update().get(pk=export.pk)
            if locked.status != E.DONE:
                continue
            if locked.file:
                locked.file.delete(save=False)
            locked.status = E.EXPIRED
            locked.save(update_fields=["file", "status"])
            audit_entry_create(actor=None, action="contracts.contract_export.expired", target=locked,
                               data={"files": locked.files, "size": locked.size,
                                     "finished_at": locked.finished_at})
        removed += 1
    return removed
