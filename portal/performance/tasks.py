"""Celery tasks of the performance file imports: doorways that load the import by id and run one step of it in
the uploader's language (its messages are shown to them). A task never raises for a bad file or a failed save:
the import is marked failed with the reason. Running a step again does nothing (each step starts from one state).
"""

from __future__ import annotations

from celery import shared_task
from django.utils import translation


def _import(import_id: int):
    from portal.models import PerformanceImport

    return PerformanceImport.objects.select_related("imported_by").filter(pk=import_id).first()


@shared_task(bind=True, soft_time_limit=600, time_limit=660, acks_late=True)
def performance_import_check_task(self, import_id: int, language: str = "zh-hans") -> str:
    """Check a queued import's file; returns the import's status ("" when the import no longer exists)."""
    from .imports import performance_import_run_check

    log = _import(import_id)
    if log is None:
        return ""
    with translation.override(language):
        return performance_import_run_check(performance_import=log).status


@shared_task(bind=True, soft_time_limit=900, time_limit=960, acks_late=True)
def performance_import_save_task(self, import_id: int, language: str = "zh-hans") -> str:
    """Save a confirmed import in one transaction; returns the import's status."""
    from .imports import performance_import_run_save

    log = _import(import_id)
    if log is None:
        return ""
    with translation.override(language):
        return performance_import_run_save(performance_import=log).status


@shared_task(soft_time_limit=600, time_limit=660)
def performance_imports_purge_task() -> int:
    """Daily: forget the imports nobody finished within a week (and their files)."""
    from .imports import performance_imports_abandoned_purge

    return performance_imports_abandoned_purge()
