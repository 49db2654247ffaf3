"""Reads for the merchant workspace and the status page: which application the organisation is at, its open
request, its documents that expire soon, and the dates the merchant is told (expected decision, answer-by,
re-apply-from). Each read is one query, whatever the organisation's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from portal.models import Merchant, PortalSettings

from ..models import (
    OPEN_REVIEW_STATUSES,
    TERMINAL_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    DocumentCheckStatus,
    InfoRequest,
)


def current_documents_with_expiry() -> QuerySet[ApplicationDocument]:
    """Documents with an expiry date that still count: the newest upload of their type on an application under
    review or approved, not rejected or waived."""
    newer = ApplicationDocument.objects.filter(
        application=OuterRef("application"), document_type=OuterRef("document_type"),
        uploaded_at__gt=OuterRef("uploaded_at"),
    )
    return (
        ApplicationDocument.objects.filter(
            expires_on__isnull=False,
            application__status__in=[*OPEN_REVIEW_STATUSES, ApplicationStatus.APPROVED],
            check_status__in=[DocumentCheckStatus.PENDING, DocumentCheckStatus.ACCEPTED],
        )
        .annotate(superseded=Exists(newer)).filter(superseded=False)
    )


def merchant_current_application(*, merchant: Merchant) -> Application | None:
    """The application the organisation is at: the one in progress, else the approved one, else the latest
    decided or withdrawn one; None if it never applied. One query."""
    applications = list(Application.objects.filter(merchant=merchant).select_related("merchant")
                        .order_by("-created_at", "-id")[:20])
    return (next((a for a in applications if a.status not in TERMINAL_STATUSES), None)
            or next((a for a in applications if a.status == ApplicationStatus.APPROVED), None)
            or (applications[0] if applications else None))


def info_request_open_with_count(*, application: Application) -> InfoRequest | None:
    """The open information request with `item_count`, `answered_count` annotated. One query."""

    return (InfoRequest.objects.filter(application=application, status=InfoRequest.Status.OPEN)
            .annotate(item_count=Count("items"), answered_count=Count("items", filter=Q(items__answered=True)))
            .order_by("-created_at").first())


def info_request_answer_by(*, info_request: InfoRequest, settings: PortalSettings | None = None) -> dt.date:
    """The last day to answer before the application is withdrawn automatically (the request's date plus
    PortalSettings.info_request_timeout_days, 30 by default)."""
    settings = settings or PortalSettings.load()
    return timezone.localdate(info_request.created_at + dt.timedelta(days=settings.info_request_timeout_days))


def application_reapply_from(*, application: Application, settings: PortalSettings | None = None) -> dt.date | None:
    """For a rejected application, the first day the organisation may apply again (90 days by default)."""
    if application.status != ApplicationStatus.REJECTED or application.decided_at is None:
        return None
    settings = settings or PortalSettings.load()
    return timezone.localdate(application.decided_at + dt.timedelta(days=settings.reapply_after_days))


def application_expected_decision(*, application: Application) -> dt.date | None:
    """The date the merchant can expect a decision by: the decision SLA's due date while the application waits
    for the recruitment team. None while the clock is paused (an information request is open) or stopped."""
    waiting = {ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.RESUBMITTED}
    if application.status not in waiting or application.decision_due_at is None or application.sla_paused_at:
        return None
    return timezone.localdate(application.decision_due_at)


@dataclass(frozen=True)
class ExpiringDocument:
    document: ApplicationDocument
    days_left: int

    @property
    def expired(self) -> bool:
        return self.days_left < 0


def application_documents_expiring(*, application: Application, today: dt.date,
                                   within_days: int) -> list[ExpiringDocument]:
    """The application's current documents that expired or expire within `within_days`, soonest first.
    One query."""
    horizon = today + dt.timedelta(days=within_days)
    documents = (current_documents_with_expiry().filter(application=application, expires_on__lte=horizon)
                 .select_related("document_type").order_by("expires_on", "id"))
    return [ExpiringDocument(document=doc, days_left=(doc.expires_on - today).days) for doc in documents]
