"""Qualification documents: the types, the matrix of which ones an applicant needs, and the uploads."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import CooperationMode, LocalizedNameMixin


class DocumentType(LocalizedNameMixin, models.Model):
    """A kind of qualification document (business licence, ISO 9001 certificate…)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    help_zh = models.TextField(_("guidance (Chinese)"), blank=True)
    help_en = models.TextField(_("guidance (English)"), blank=True)
    has_number = models.BooleanField(_("has a number"), default=True)
    has_expiry = models.BooleanField(_("has an expiry date"), default=True)
    is_optional = models.BooleanField(
        _("always optional"), default=False,
        help_text=_("Never required, whatever the matrix says (for example a green certification badge)."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["sort_order", "code"]


class DocumentRequirement(models.Model):
    """One row of the document matrix: for applications matching the row's conditions (an empty
    condition matches anything), the document type is asked for, as required or optional.

    When several rows match one document type, the most specific one (most conditions set) decides;
    between equally specific rows, "required" wins. See `onboarding.selectors.documents_required_for`.
    """

    category = models.ForeignKey("portal.Category", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="document_requirements", verbose_name=_("category"),
                                 help_text=_("Empty: every category."))
    cooperation_mode = models.CharField(_("cooperation mode"), max_length=20, choices=CooperationMode.choices,
                                        blank=True, help_text=_("Empty: every mode."))
    cross_border = models.BooleanField(_("cross-border"), null=True, blank=True,
                                       help_text=_("Empty: both cross-border and domestic applicants."))
    document_type = models.ForeignKey(DocumentType, on_delete=models.CASCADE, related_name="requirements",
                                      verbose_name=_("document type"))
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("document requirement")
        verbose_name_plural = _("document matrix")
        ordering = ["document_type__sort_order", "category__code", "cooperation_mode"]

    def __str__(self) -> str:
        mode = self.get_cooperation_mode_display() if self.cooperation_mode else "*"
        border = "*" if self.cross_border is None else _("Cross-border") if self.cross_border else _("Domestic only")
        return f"{self.document_type} ({self.category or '*'} / {mode} / {border})"

    @property
    def specificity(self) -> int:
        return sum([self.category_id is not None, bool(self.cooperation_mode), self.cross_border is not None])


class DocumentCheckStatus(models.TextChoices):
    PENDING = "pending", _("Pending check")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WAIVED = "waived", _("Waived")


class ApplicationDocument(models.Model):
    """One qualification document of an application, with its file(s). A replacement is a new row;
    the newest row of a type is the one that counts. Only `document_check` changes `check_status`."""

    CheckStatus = DocumentCheckStatus
    ALLOWED_TRANSITIONS: dict[str, set[str]] = {
        DocumentCheckStatus.PENDING: {DocumentCheckStatus.ACCEPTED, DocumentCheckStatus.REJECTED,
                                      DocumentCheckStatus.WAIVED},
        DocumentCheckStatus.ACCEPTED: set(),
        DocumentCheckStatus.REJECTED: set(),
        DocumentCheckStatus.WAIVED: set(),
    }

    application = models.ForeignKey("onboarding.Application", on_delete=models.CASCADE, related_name="documents",
                                    verbose_name=_("application"))
    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="documents",
                                      verbose_name=_("document type"))
    number = models.CharField(_("number"), max_length=100, blank=True)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True, db_index=True)
    check_status = models.CharField(_("check"), max_length=10, choices=DocumentCheckStatus.choices,
                                    default=DocumentCheckStatus.PENDING)
    check_reason = models.TextField(_("reason"), blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("checked by"))
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # expiry tracking: the smallest reminder threshold (days) already sent, and when expiry was flagged
    expiry_reminded_days = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    expired_flagged_at = models.DateTimeField(_("expiry flagged at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        ordering = ["document_type__sort_order", "-uploaded_at", "-id"]
        indexes = [models.Index(fields=["application", "document_type"], name="appdoc_app_type_idx")]

    def __str__(self) -> str:
        return f"{self.document_type} #{self.pk}"


def document_file_upload_to(instance: DocumentFile, filename: str) -> str:
    """`applications/<application id>/<random>.<ext>`, the extension that of the detected content type: never
    the uploader's name or extension (the cleaned name is kept in `original_name`)."""
    from ..uploads import EXTENSIONS

    ext = EXTENSIONS.get(instance.content_type, "")
    return f"applications/{instance.document.application_id}/{secrets.token_hex(16)}{ext}"


def _private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class DocumentFile(models.Model):
    """A stored file of a document, on the private storage (served only through permission-checked views)."""

    document = models.ForeignKey(ApplicationDocument, on_delete=models.CASCADE, related_name="files",
                                 verbose_name=pgettext_lazy("qualification documents", "document"))
    file = models.FileField(_("file"), upload_to=document_file_upload_to, storage=_private_storage, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    active_content = models.JSONField(
        _("active content"), default=list, blank=True,
        help_text=_("Names in a PDF that can run something when it is opened (scripts, actions, launching "
                    "programs), found at upload; the reviewer is warned."),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document file")
        verbose_name_plural = _("document files")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name
