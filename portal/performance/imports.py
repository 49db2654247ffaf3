"""File imports of performance data by finance: check a file, then save its good rows, logged.

    performance_import_check(kind=, content=, filename=)         → ImportOutcome: the file as read and what saving
                                                                   it would do (new, changed, unchanged, each
                                                                   rejected row with its reasons); writes nothing
    performance_import_save(kind=, content=, filename=, actor=)  → PerformanceImport: the good rows saved through
                                                                   `performance_rows_upsert` (source "import"), the
                                                                   import logged with its file, counts and rejected
                                                                   rows, an audit entry
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

import hashlib
from dataclasses import dataclass
from typing import Any

import tablib
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.models import DataSource, PerformanceImport, PerformanceImportRejection

from .files import FileRow, PerformanceFile, field_labels, performance_file_read
from .services import RowError, UpsertResult, performance_rows_check, performance_rows_upsert


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


def performance_import_check(*, kind: str, content: bytes, filename: str) -> ImportOutcome:
    """What saving the file would do; nothing is written."""
    file = performance_file_read(content=content, filename=filename, kind=kind)
    result = performance_rows_check(kind=kind, rows=[row.values for row in file.rows])
    return ImportOutcome(file=file, result=result, rejected=_rejected(file, result.errors))


def performance_import_save(*, kind: str, content: bytes, filename: str, actor: Any,
                            now: Any = None) -> PerformanceImport:
    """Save the good rows of the file and log the import (see the module)."""
    file = performance_file_read(content=content, filename=filename, kind=kind)
    now = now or timezone.now()
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        result = performance_rows_upsert(kind=kind, rows=[row.values for row in file.rows],
                                         source=DataSource.IMPORT, now=now, actor=actor)
        rejected = _rejected(file, result.errors)
        log = PerformanceImport(
            kind=kind, filename=filename[:200], file_sha256=digest, imported_at=now, imported_by=actor,
            rows_total=len(file.rows), rows_created=result.created, rows_updated=result.updated,
            rows_unchanged=result.unchanged, rows_rejected=len(rejected), headers=file.headers,
            columns=file.columns)
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
