"""File imports of performance data (BUSINESS_RULES §8: "API or daily file import, logged, rejected rows kept").

A `PerformanceImport` is written when finance confirms an upload, in the transaction that saves its good rows
through `portal.performance.services.performance_rows_upsert`: who, when, the file as uploaded (private storage)
and its digest, and the counts. Each row that could not be saved is kept as a `PerformanceImportRejection` with
the cells as they were in the file and the reasons, so finance can download them, correct them and upload them
again. Both are append-only records: nothing edits them after the import.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .performance import PerformanceRowVersion


def _private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class PerformanceImport(models.Model):
    """One upload of order lines, complaints or satisfaction ratings, from its check to its save.

    The check and the save run as Celery tasks; `status` says where the import is (an upload is queued, then
    checked, then saved; a failed task leaves it failed with `error`, its file kept to try again), `rows_done` of
    `rows_total` how far the running check has come, and `preview` what the check found (shown before saving).
    Only saved imports are listed; the others are reached from the uploader's session."""

    Kind = PerformanceRowVersion.Kind

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be checked")
        CHECKING = "checking", _("Being checked")
        CHECKED = "checked", _("Checked, waiting for confirmation")
        SAVING = "saving", _("Being saved")
        SAVED = "saved", _("Saved")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind of data"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="performance/imports/%Y/%m/", storage=_private_storage,
                            max_length=255)
    filename = models.CharField(_("file name"), max_length=200)
    file_sha256 = models.CharField(_("file digest"), max_length=64, db_index=True)
    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("imported by"))
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_created = models.PositiveIntegerField(_("new"), default=0)
    rows_updated = models.PositiveIntegerField(_("changed"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rejected"), default=0)
    headers = models.JSONField(_("header row"), default=list, help_text=_("The file's column headers, in order."))
    columns = models.JSONField(_("columns read"), default=dict,
                               help_text=_("Each field read and the header of the file it was read from."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SAVED)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    error = models.TextField(_("error"), blank=True)
    preview = models.JSONField(_("preview"), default=dict, blank=True,
                               help_text=_("What the check found, shown before saving."))

    class Meta:
        verbose_name = _("performance data import")
        verbose_name_plural = _("performance data imports")
        ordering = ["-imported_at", "-pk"]
        indexes = [models.Index(fields=["kind", "-imported_at"], name="perf_import_kind_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"


class PerformanceImportRejection(models.Model):
    """A row of an import that was not saved: its number in the file (the header is row 1), its cells as read
    (header → text) and why, as [{"field", "message"}]."""

    performance_import = models.ForeignKey(PerformanceImport, on_delete=models.PROTECT, related_name="rejections",
                                           verbose_name=_("import"))
    row_number = models.PositiveIntegerField(_("row"))
    external_id = models.CharField(_("external id"), max_length=200, blank=True)
    cells = models.JSONField(_("cells"), default=dict)
    errors = models.JSONField(_("errors"), default=list)

    class Meta:
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        ordering = ["performance_import", "row_number"]
        constraints = [models.UniqueConstraint(fields=["performance_import", "row_number"],
                                               name="perf_import_rejection_row_once")]

    def __str__(self) -> str:
        return f"{self.performance_import_id}:{self.row_number}"
