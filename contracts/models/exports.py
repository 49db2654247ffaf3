"""Bulk PDF downloads [合同批量下载]: one row per request, with its progress, built by a Celery task.

The request never waits for the zip: the admin creates the row and queues the task after commit, the task
fills `done` as it adds files and stores the zip in private storage, and a page polls the row's progress.
Only the person who asked may download the result.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .contracts import _private_storage


class ContractExportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to start")
    RUNNING = "running", _("Building")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Removed after its retention period")


class ContractExport(models.Model):
    """A zip of the latest PDF of each selected contract."""

    Status = ContractExportStatus

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("requested by"))
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=ContractExportStatus.choices,
                              default=ContractExportStatus.PENDING)
    # the contracts chosen when it was requested (ids, in list order); the task reads them again
    contract_ids = models.JSONField(_("contracts"), default=list)
    # the list filters it was requested with, as given (for the audit log and the page)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    total = models.PositiveIntegerField(_("contracts"), default=0)
    done = models.PositiveIntegerField(_("contracts done"), default=0)
    files = models.PositiveIntegerField(_("PDFs in the zip"), default=0)
    missing = models.JSONField(_("contracts without a PDF"), default=list, blank=True)
    file = models.FileField(_("file"), upload_to="contracts/exports/%Y/%m/", storage=_private_storage,
                            max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("contract PDF download")
        verbose_name_plural = _("contract PDF downloads")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.pk}: {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        if self.status == ContractExportStatus.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
