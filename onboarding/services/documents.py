"""Documents: upload, removal of an unchecked upload, the per-document check, views (audited), and
expiry tracking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.permissions import Capability
from portal.exceptions import ApplicationError, InvalidTransition
from portal.models import PortalSettings
from portal.workflow import row_lock, transition_check

from ..models import (
    EDITABLE_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    DocumentCheckStatus,
    DocumentFile,
    DocumentRules,
    DocumentType,
    InfoRequest,
    InfoRequestItem,
)
from ..selectors.workspace import current_documents_with_expiry
from ..uploads import file_sha256, pdf_active_content, upload_display_name, upload_validate
from ._base import ACTION_PREFIX, audit, lock_application, now_or, require_merchant_capability, require_reviewer
from .notifications import application_notify

S = ApplicationStatus
MAX_FILES_PER_DOCUMENT = 10


def upload_max_bytes() -> int:
    """The largest upload allowed (Portal settings, in MB)."""
    return PortalSettings.load().upload_max_mb * 1024 * 1024


def upload_max_pixels() -> int:
    """The most pixels an uploaded image may have (Portal settings, in megapixels)."""
    return PortalSettings.load().upload_max_megapixels * 1_000_000


@transaction.atomic
def document_add(
    *,
    application: Application,
    actor: Any,
    document_type: DocumentType,
    files: Sequence[Any],
    number: str = "",
    issuer: str = "",
    issued_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> ApplicationDocument:
    """Add a document with its file(s) to the application, pending check.

    While the application is a draft or has an open information request; after approval only for a
    document type with an expiry date (a renewed licence, which compliance then checks). Every file is
    checked with `upload_validate` before anything is stored (ValidationError naming the file); the
    document needs a number if its type has one, and must not have expired. An empty expiry date means
    no expiry (长期). A new upload of a type replaces the older one for all checks (the old row is kept).
    """
    now = now_or(now)
    app = lock_application(application)
    require_merchant_capability(actor, app, Capability.EDIT_APPLICATION)
    renewal = app.status == S.APPROVED and document_type.has_expiry
    if app.status not in EDITABLE_STATUSES and not renewal:
        raise InvalidTransition(_("Documents cannot be added to this application now."),
                                extra={"status": app.status})
    errors: dict[str, list[str]] = {}
    if not files:
        errors["files"] = [_("Choose at least one file.")]
    elif len(files) > MAX_FILES_PER_DOCUMENT:
        errors["files"] = [_("Upload at most %(max)s files per document.") % {"max": MAX_FILES_PER_DOCUMENT}]
    number, issuer = (number or "").strip(), (issuer or "").strip()
    if document_type.has_number and not number:
        errors["number"] = [_("Enter the document's number.")]
    if len(number) > 100:
        errors["number"] = [_("The number can have at most 100 characters.")]
    if len(issuer) > 200:
        errors["issuer"] = [_("The issuer can have at most 200 characters.")]
    today = timezone.localdate(now)
    if issued_on and issued_on > today:
        errors["issued_on"] = [_("The issue date cannot be in the future.")]
    if expires_on and not document_type.has_expiry:
        expires_on = None
    if expires_on and expires_on < today:
        errors["expires_on"] = [_("This document has already expired; please upload a current one.")]
    if issued_on and expires_on and expires_on <= issued_on:
        errors["expires_on"] = [_("The expiry date must be after the issue date.")]
    checked: list[tuple[Any, str]] = []
    if not errors:
        max_bytes, max_pixels = upload_max_bytes(), upload_max_pixels()
        file_errors = []
        for upload in files:
            try:
                checked.append((upload, upload_validate(upload, max_bytes=max_bytes, max_pixels=max_pixels)))
            except ValidationError as exc:
                file_errors += exc.messages
        if file_errors:
            errors["files"] = file_errors
    if errors:
        raise ValidationError(errors)

    document = ApplicationDocument.objects.create(
        application=app, document_type=document_type, number=number, issuer=issuer, issued_on=issued_on,
        expires_on=expires_on, uploaded_by=actor,
    )
    stored: list[DocumentFile] = []
    try:
        for upload, content_type in checked:
            name = upload_display_name(getattr(upload, "name", ""), content_type=content_type)
            active = pdf_active_content(upload) if content_type == "application/pdf" else []
            doc_file = DocumentFile(document=document, original_name=name, content_type=content_type,
                                    size=upload.size, sha256=file_sha256(upload), active_content=active)
            doc_file.file.save(name, upload, save=False)
            stored.append(doc_file)
            doc_file.save()
        if app.status == S.INFO_REQUESTED:
            InfoRequestItem.objects.filter(
                request__application=app, request__status=InfoRequest.Status.OPEN,
                field_name=f"document:{document_type.code}",
            ).update(answered=True)
        audit(actor=actor, app=app, event="document_added", data={
            "document": document.pk, "type": document_type.code, "files": [f.pk for f in stored],
            "active_content": [f.pk for f in stored if f.active_content],
            "expires_on": expires_on, "renewal": renewal,
        })
    except BaseException:
        # the rows roll back with the transaction; the stored files must go with them
        for doc_file in stored:
            doc_file.file.storage.delete(doc_file.file.name)
        raise
    return document


@transaction.atomic
def document_delete(*, document: ApplicationDocument, actor: Any, now: dt.datetime | None = None) -> None:
    """Remove an upload the applicant no longer wants: only while the application is editable and the
    document is still pending check. Its files are deleted from storage after commit."""
    app = lock_application(document.application)
    require_merchant_capability(actor, app, Capability.EDIT_APPLICATION)
    doc = ApplicationDocument.objects.select_for_update().get(pk=document.pk, application=app)
    if app.status not in EDITABLE_STATUSES or doc.check_status != DocumentCheckStatus.PENDING:
        raise InvalidTransition(_("This document can no longer be removed."))
    names = list(doc.files.values_list("file", flat=True))
    storage = DocumentFile._meta.get_field("file").storage
    audit(actor=actor, app=app, event="document_deleted", data={"document": doc.pk,
                                                                 "type": doc.document_type.code})
    doc.delete()
    transaction.on_commit(lambda: [storage.delete(name) for name in names])


@transaction.atomic
def document_check(*, document: ApplicationDocument, actor: Any, decision: str, reason: str = "",
                   now: dt.datetime | None = None) -> ApplicationDocument:
    """pending → accepted | rejected | waived, by a reviewer of the application, while it is in review
    (or, for a renewed document, approved). Rejecting and waiving need a reason. Returns quietly when the
    document already has this decision; another decision is final (InvalidTransition): a rejected
    document is replaced by a new upload."""
    now = now_or(now)
    app = lock_application(document.application)
    require_reviewer(actor, app)
    doc = row_lock(document, queryset=ApplicationDocument.objects.select_related("document_type")
                   .filter(application=app))
    if decision not in (DocumentCheckStatus.ACCEPTED, DocumentCheckStatus.REJECTED, DocumentCheckStatus.WAIVED):
        raise ValidationError({"decision": [_("Choose accept, reject or waive.")]})
    if doc.check_status == decision:
        return doc
    if app.status not in (S.IN_REVIEW, S.APPROVED):
        raise InvalidTransition(_("Documents are checked while the application is in review."),
                                extra={"status": app.status})
    move = transition_check(doc, target=decision, status_field="check_status",
                            refused_message=_("This document is already “%(current)s”."))
    reason = (reason or "").strip()
    if decision in (DocumentCheckStatus.REJECTED, DocumentCheckStatus.WAIVED) and not reason:
        raise ValidationError({"reason": [_("Give a reason for rejecting or waiving a document.")]})
    return move.finish(actor=actor, action=f"{ACTION_PREFIX}document_{decision}", audit_target=app,
                       fields={"check_reason": reason, "checked_by": actor, "checked_at": now},
                       data={"document": doc.pk, "type": doc.document_type.code, "reason": reason})


@transaction.atomic
def documents_accept_remaining(*, application: Application, actor: Any, now: dt.datetime | None = None
                               ) -> list[ApplicationDocument]:
    """Accept every current document still waiting for a check, in one go, each exactly as
    `document_check` accepts one (same permission and state checks, one audit entry per document).
    Replaced uploads are left alone. All or nothing: a refusal leaves every document as it was.
    ApplicationError when no document is waiting."""
    from ..selectors import current_documents

    now = now_or(now)
    app = lock_application(application)
    require_reviewer(actor, app)
    pending = list(current_documents(ApplicationDocument.objects.filter(
        application=app, check_status=DocumentCheckStatus.PENDING)).select_related("document_type")
        .order_by("document_type__sort_order", "pk"))
    if not pending:
        raise ApplicationError(_("No document is waiting for a check."))
    return [document_check(document=doc, actor=actor, decision=DocumentCheckStatus.ACCEPTED, now=now)
            for doc in pending]


@transaction.atomic
def document_file_view_record(*, document_file: DocumentFile, actor: Any, ip_address: str | None = None) -> None:
    """Record that `actor` opened a stored file (call it from the view that serves the file, after the
    permission check and before answering)."""
    doc = document_file.document
    audit(actor=actor, app=doc.application, event="document_viewed", ip_address=ip_address, data={
        "document": doc.pk, "file": document_file.pk, "type": doc.document_type.code})


def documents_expiry_check(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Remind the merchant before a current document expires (DocumentRules: 60, 30 and 7 days by default;
    only the nearest threshold reached is sent, once) and flag a document that has expired (once, with an
    audit entry and an email to the merchant and the reviewer, who re-verifies its replacement)."""
    now = now_or(now)
    today = timezone.localdate(now)
    thresholds = DocumentRules.load().reminder_days()
    horizon = today + dt.timedelta(days=max(thresholds, default=0))
    counts = {"reminded": 0, "expired": 0}
    candidates = list(
        current_documents_with_expiry().filter(expires_on__lte=horizon).values_list("pk", flat=True)
    )
    for pk in candidates:
        with transaction.atomic():
            doc = (ApplicationDocument.objects.select_for_update(of=("self",)).select_related(
                "application", "document_type").get(pk=pk))
            days_left = (doc.expires_on - today).days
            if days_left < 0:
                if doc.expired_flagged_at is None:
                    doc.expired_flagged_at = now
                    doc.save(update_fields=["expired_flagged_at"])
                    audit(actor=None, app=doc.application, event="document_expired", data={
                        "document": doc.pk, "type": doc.document_type.code, "expires_on": doc.expires_on})
                    application_notify(application=doc.application, event="document_expired",
                                       extra={"document_id": doc.pk})
                    counts["expired"] += 1
                continue
            due = [t for t in thresholds if days_left <= t]
            if not due:
                continue
            stage = min(due)
            if doc.expiry_reminded_days is not None and doc.expiry_reminded_days <= stage:
                continue
            doc.expiry_reminded_days = stage
            doc.save(update_fields=["expiry_reminded_days"])
            audit(actor=None, app=doc.application, event="document_expiry_reminded", data={
                "document": doc.pk, "type": doc.document_type.code, "expires_on": doc.expires_on,
                "days_left": days_left})
            application_notify(application=doc.application, event="document_expiring",
                               extra={"document_id": doc.pk, "days_left": days_left})
            counts["reminded"] += 1
    return counts
