"""Reads of performance data for the staff screens of the admin: the order lines list and the file imports.

Each list query selects what a row shows (merchant, category, importer), so a page costs the same number of
queries for 10 rows or 1,000,000.
"""

from __future__ import annotations

from django.db import models

from portal.models import OrderLine, PerformanceImport, PerformanceImportRejection


def order_lines_for_staff() -> models.QuerySet[OrderLine]:
    """Every order line with its merchant's name and its category (staff see every merchant's)."""
    return OrderLine.objects.select_related("merchant", "category")


def performance_imports() -> models.QuerySet[PerformanceImport]:
    """The saved imports (an import still being checked or saved is reached only from its uploader's session)."""
    return (PerformanceImport.objects.filter(status=PerformanceImport.Status.SAVED).select_related("imported_by")
            .order_by("-imported_at", "-pk"))


def performance_import_rejected_rows(*, performance_import: PerformanceImport,
                                     limit: int | None = None) -> list[PerformanceImportRejection]:
    rows = PerformanceImportRejection.objects.filter(performance_import=performance_import).order_by("row_number")
    return list(rows[:limit] if limit is not None else rows)
