"""File imports of performance data by finance: check a file, then save its good rows, logged.

    performance_import_check(kind=, content=, filename=)         → ImportOutcome: the file as read and what saving
                                                                   it would do (new, changed, unchanged, each
                                                                   rejected row with its reasons); writes nothing
    performance_import_save(kind=, content=, filename=, actor=)  → PerformanceImport: the good rows saved through
                                                                   `performance_rows_upsert` (source "import"), the
                                                                   import logged with its file, counts and rejected
                                                                   rows, an audit entry
    performance_import_start(kind=, filename=, stored_name=, content=, actor=)
                                                                 → PerformanceImport queued for its check (the
                                                                   uploaded file waits in private storage)
    performance_import_run_check(performance_import=)            → queued → checking → checked (its preview and
                                                                   progress recorded) or failed
    performance_import_confirm(performance_import=)              → checked → saving, under the import's row lock;
                                                                   any other state is refused (no second save)
    performance_import_run_save(performance_import=)             → saving → saved (in one transaction) or failed
                                                                   with nothing written
    performance_import_retry(performance_import=)                → failed → queued, to check the kept file again
    performance_imports_abandoned_purge()                        → the imports nobody finished (checked and never
                                                                   confirmed, failed and never retried, queued and
                                                                   never checked) forgotten after a week, files too
    performance_import_rejections(performance_import=)          → tablib.Dataset of the rejected rows: the file's
                                                                   own columns and one more with the reasons (so a
                                                                   corrected file can be uploaded again)

What holds:
- the check and the save read the rows and judge them with the same code (`portal.performance.files` and the row
  models and batch checks of `portal.performance.services`): what the preview shows as rejected is what the save
  rejects, unless the data in the portal changed between the two (a merchant created meanwhile);
- the save is one transaction: the rows, the log and its rejected rows land together or not at all;
- a file whose rows are all rejected is still logged (with nothing saved), so finance can download the reasons;
- a file that cannot be read raises PerformanceFileError and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

import tablib
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, error_messages
from portal.models import DataSource, PerformanceImport, PerformanceImportRejection

from .files import FileRow, PerformanceFile, field_labels, performance_file_read
from .services import RowError, UpsertResult, performance_rows_check, performance_rows_upsert

logger = logging.getLogger(__name__)
S = PerformanceImport.Status
PREVIEW_REJECTED = 500  # rejected rows kept for the preview page (the save keeps them all)
PREVIEW_SAMPLE = 10  # rows of the file kept as read
ABANDONED_AFTER = dt.timedelta(days=7)  # an unfinished import older than this is forgotten by the daily purge
ABANDONED_STATUSES = (S.QUEUED, S.CHECKED, S.FAILED)  # never one being checked or saved, never a saved one


@dataclass
class RejectedRow:
    row: FileRow
    errors: list[dict[str, str]]  # [{"field", "column", "code", "message"}]

    @property
    def external_id(self) -> str:
        return str(self.row.values.get("external_id") or "")


@dataclass
class ImportOutcome:
    file: PerformanceFile
    result: UpsertResult
    rejected: list[RejectedRow]

    @property
    def saved(self) -> int:
        return self.result.created + self.result.updated + self.result.unchanged


def _rejected(file: PerformanceFile, errors: list[RowError]) -> list[RejectedRow]:
    """The rows with errors, in file order, each error naming the file's column it is about."""
    labels = field_labels()
    by_index: dict[int, list[dict[str, str]]] = {}
    for error in errors:
        column = file.columns.get(error.field) or labels.get(error.field) or _("Row")
        by_index.setdefault(error.index, []).append(
            {"field": error.field, "column": column, "code": error.code, "message": error.message})
    return [RejectedRow(row=file.rows[index], errors=found) for index, found in sorted(by_index.items())]


def performance_import_check(*, kind: str, content: bytes, filename: str,
                             progress: Any = None) -> ImportOutcome:
    """What saving the file would do; nothing is written."""
    file = performance_file_read(content=content, filename=filename, kind=kind)
    result = performance_rows_check(kind=kind, rows=[row.values for row in file.rows], progress=progress)
    return ImportOutcome(file=file, result=result, rejected=_rejected(file, result.errors))


def performance_import_save(*, kind: str, content: bytes, filename: str, actor: Any,
                            now: Any = None, performance_import: PerformanceImport | None = None) -> PerformanceImport:
    """Save the good rows of the file and log the import (see the module); `performance_import`, when given, is
    the import being saved (its record is completed and marked saved), else a new record is written."""
    file = performance_file_read(content=content, filename=filename, kind=kind)
    now = now or timezone.now()
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        result = performance_rows_upsert(kind=kind, rows=[row.values for row in file.rows],
                                         source=DataSource.IMPORT, now=now, actor=actor)
        rejected = _rejected(file, result.errors)
        log = performance_import or PerformanceImport(kind=kind, imported_by=actor)
        for name, value in {
                "filename": filename[:200], "file_sha256": digest, "imported_at": now, "status": S.SAVED,
                "rows_total": len(file.rows), "rows_done": len(file.rows), "rows_created": result.created,
                "rows_updated": result.updated, "rows_unchanged": result.unchanged, "rows_rejected": len(rejected),
                "headers": file.headers, "columns": file.columns, "error": ""}.items():
            setattr(log, name, value)
        extension = ".xlsx" if content.startswith(b"PK\x03\x04") else ".csv"
        log.file.save(f"{digest[:16]}{extension}", ContentFile(content), save=False)
        log.save()
        PerformanceImportRejection.objects.bulk_create(
            [PerformanceImportRejection(performance_import=log, row_number=item.row.number,
                                        external_id=item.external_id[:200], cells=item.row.cells,
                                        errors=item.errors) for item in rejected], batch_size=1000)
        audit_entry_create(actor=actor, action="portal.performance_import.saved", target=log, data={
            "kind": kind, "filename": log.filename, "sha256": digest, "rows": log.rows_total,
            "created": log.rows_created, "updated": log.rows_updated, "unchanged": log.rows_unchanged,
            "rejected": log.rows_rejected})
    return log


# ---- the import's states, run by the tasks in `portal.performance.tasks`


def _json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _preview(outcome: ImportOutcome) -> dict[str, Any]:
    """What the preview page shows, kept on the import (JSON): counts, columns, rejected rows, the first rows."""
    file, result = outcome.file, outcome.result
    fields = list(file.columns)
    return {
        "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
        "rejected_count": len(outcome.rejected), "rows_total": len(file.rows), "columns": file.columns,
        "ignored": file.ignored,
        "rejected": [{"row_number": item.row.number, "external_id": item.external_id, "errors": item.errors}
                     for item in outcome.rejected[:PREVIEW_REJECTED]],
        "sample_fields": fields,
        "sample": [[row.number, [_json(row.values.get(name)) for name in fields]]
                   for row in file.rows[:PREVIEW_SAMPLE]],
    }


def _content(performance_import: PerformanceImport) -> bytes:
    with performance_import.file.open("rb") as handle:
        return handle.read()


def _failed(performance_import: PerformanceImport, error: Exception, *, during: str) -> None:
    """Mark the import failed with a message for finance (nothing of a failed save was written)."""
    if isinstance(error, ApplicationError):
        message = " ".join(error_messages(error))
    else:
        logger.exception("performance import %s failed during its %s", performance_import.pk, during)
        if during == "save":
            message = _("Saving failed half way, so nothing was saved. The file is kept: check it again, then save.")
        else:
            message = _("Checking the file failed. The file is kept: check it again, or upload it once more.")
    PerformanceImport.objects.filter(pk=performance_import.pk).update(status=S.FAILED, error=message[:2000])
    performance_import.status, performance_import.error = S.FAILED, message


def performance_import_start(*, kind: str, filename: str, stored_name: str, content: bytes,
                             actor: Any) -> PerformanceImport:
    """A queued import of the file waiting in private storage under `stored_name` (see the module)."""
    log = PerformanceImport(kind=kind, filename=filename[:200], file_sha256=hashlib.sha256(content).hexdigest(),
                            imported_at=timezone.now(), imported_by=actor, status=S.QUEUED)
    log.file.name = stored_name
    log.save()
    return log


def performance_import_run_check(*, performance_import: PerformanceImport) -> PerformanceImport:
    """Check a queued import's file: its rows read and judged, progress recorded per batch, the preview kept."""
    pk = performance_import.pk
    if not PerformanceImport.objects.filter(pk=pk, status=S.QUEUED).update(status=S.CHECKING, rows_done=0,
                                                                            error=""):
        performance_import.refresh_from_db()
        return performance_import  # checked already, or not waiting for a check

    def progress(done: int) -> None:
        PerformanceImport.objects.filter(pk=pk).update(rows_done=done)

    try:
        content = _content(performance_import)
        file = performance_file_read(content=content, filename=performance_import.filename,
                                     kind=performance_import.kind)
        PerformanceImport.objects.filter(pk=pk).update(rows_total=len(file.rows))
        result = performance_rows_check(kind=performance_import.kind, rows=[row.values for row in file.rows],
                                        progress=progress)
        preview = _preview(ImportOutcome(file=file, result=result, rejected=_rejected(file, result.errors)))
    except Exception as error:  # noqa: BLE001  (any failure is the import's state, never a lost task)
        _failed(performance_import, error, during="check")
        return performance_import
    PerformanceImport.objects.filter(pk=pk, status=S.CHECKING).update(
        status=S.CHECKED, preview=preview, rows_total=len(file.rows), rows_done=len(file.rows),
        headers=file.headers, columns=file.columns)
    performance_import.refresh_from_db()
    return performance_import


def performance_import_confirm(*, performance_import: PerformanceImport) -> PerformanceImport:
    """Finance confirms a checked import: it moves to saving under its row lock, so two confirmations (two tabs,
    a double click) give one save; an import in any other state is refused with a message."""
    with transaction.atomic():
        log = PerformanceImport.objects.select_for_update().get(pk=performance_import.pk)
        if log.status != S.CHECKED:
            messages = {S.SAVING: _("This import is being saved already."), S.SAVED: _("This import is saved already."),
                        S.FAILED: _("This import failed: check the file again before saving it.")}
            raise ApplicationError(messages.get(log.status, _("This file is still being checked.")))
        log.status, log.rows_done, log.error = S.SAVING, 0, ""
        log.save(update_fields=["status", "rows_done", "error"])
    return log


def performance_import_run_save(*, performance_import: PerformanceImport) -> PerformanceImport:
    """Save an import being saved, in one transaction under its row lock; an import in another state is left
    alone (a repeated task writes nothing twice). A failure rolls everything back and marks the import failed."""
    pending_name = performance_import.file.name
    try:
        with transaction.atomic():
            log = PerformanceImport.objects.select_for_update().get(pk=performance_import.pk)
            if log.status != S.SAVING:
                return log
            performance_import_save(kind=log.kind, content=_content(log), filename=log.filename,
                                    actor=log.imported_by, performance_import=log)
    except Exception as error:  # noqa: BLE001  (rolled back; the import says so)
        _failed(performance_import, error, during="save")
        return performance_import
    if log.file.name != pending_name:
        transaction.on_commit(lambda: log.file.storage.delete(pending_name))
    return log


def performance_import_retry(*, performance_import: PerformanceImport) -> PerformanceImport:
    """A failed import is queued to be checked again from its kept file."""
    if not PerformanceImport.objects.filter(pk=performance_import.pk, status=S.FAILED).update(
            status=S.QUEUED, rows_done=0, error="", preview={}):
        raise ApplicationError(_("Only a failed import can be checked again."))
    performance_import.refresh_from_db()
    return performance_import


def performance_imports_abandoned_purge(*, now: dt.datetime | None = None,
                                        older_than: dt.timedelta = ABANDONED_AFTER) -> int:
    """Forget the imports uploaded more than `older_than` ago that nobody finished (`ABANDONED_STATUSES`): their
    rows go, and their files once that has committed. An import someone is confirming at that moment is skipped
    (its row is locked) and is saved as usual. Returns how many were forgotten."""
    cutoff = (now or timezone.now()) - older_than
    with transaction.atomic():
        rows = list(PerformanceImport.objects.filter(status__in=ABANDONED_STATUSES, imported_at__lt=cutoff)
                    .select_for_update(skip_locked=True).values_list("pk", "file"))
        if not rows:
            return 0
        PerformanceImport.objects.filter(pk__in=[pk for pk, _name in rows]).delete()
        storage = PerformanceImport._meta.get_field("file").storage
        names = [name for _pk, name in rows if name]
        transaction.on_commit(lambda: [storage.delete(name) for name in names])
    logger.info("performance imports: %s unfinished imports forgotten", len(rows))
    return len(rows)


def rejection_reasons(errors: list[dict[str, str]]) -> str:
    return "; ".join(f"{error.get('column') or error.get('field')}: {error.get('message')}" for error in errors)


def performance_import_rejections(*, performance_import: PerformanceImport) -> tablib.Dataset:
    """The rejected rows of an import as they were in the file, with a last column saying why (see the module)."""
    rejections = list(performance_import.rejections.order_by("row_number"))
    headers = [header or f"#{position + 1}" for position, header in enumerate(performance_import.headers)]
    reasons = _("Why it was rejected")
    data = tablib.Dataset(headers=[_("Row"), *headers, reasons])
    for rejection in rejections:
        data.append([rejection.row_number, *(rejection.cells.get(header, "") for header in headers),
                     rejection_reasons(rejection.errors)])
    return data
