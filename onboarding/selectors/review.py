"""Information requests, SLA state and the review queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ..models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    DocumentCheckStatus,
    DocumentType,
    InfoRequest,
    InfoRequestItem,
)
from ..wizard import field_label
from .access import applications_for_user
from .documents import current_documents


def application_info_requests(application: Application) -> models.QuerySet[InfoRequest]:
    return (InfoRequest.objects.filter(application=application).select_related("created_by", "answered_by")
            .prefetch_related("items").order_by("-created_at", "-id"))


def application_open_info_request(application: Application) -> InfoRequest | None:
    return application_info_requests(application).filter(status=InfoRequest.Status.OPEN).first()


def info_request_field_label(field_name: str) -> str:
    """The label of what an information-request item is about: a wizard field's name or a document type's."""
    if field_name.startswith("document:"):
        doc_type = DocumentType.objects.filter(code=field_name.removeprefix("document:")).first()
        return doc_type.name if doc_type else field_name
    return field_label(field_name)


def info_request_items_by_field(application: Application) -> dict[str, list[InfoRequestItem]]:
    request = application_open_info_request(application)
    result: dict[str, list[InfoRequestItem]] = {}
    if request is not None:
        for item in request.items.all():
            result.setdefault(item.field_name, []).append(item)
    return result


# ------------------------------------------------------------------------------------ review queue


class SlaState(models.TextChoices):
    ON_TIME = "on_time", gettext_lazy("On time")
    DUE_SOON = "due_soon", gettext_lazy("Due soon")
    BREACHED = "breached", gettext_lazy("Breached")
    PAUSED = "paused", gettext_lazy("Paused")
    STOPPED = "stopped", gettext_lazy("Not running")


DUE_SOON_WITHIN = dt.timedelta(hours=24)
_CLOCK_RUNNING = [ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.RESUBMITTED]


def sla_state(application: Application, *, now: dt.datetime | None = None) -> str:
    """The decision clock's state. Before the first touch the earlier of the two deadlines counts."""
    now = now or timezone.now()
    if application.status == ApplicationStatus.INFO_REQUESTED or application.sla_paused_at is not None:
        return SlaState.PAUSED
    if application.status not in _CLOCK_RUNNING or application.decision_due_at is None:
        return SlaState.STOPPED
    due = application.decision_due_at
    if application.first_touched_at is None and application.first_touch_due_at is not None:
        due = min(due, application.first_touch_due_at)
    if now > due:
        return SlaState.BREACHED
    if due - now <= DUE_SOON_WITHIN:
        return SlaState.DUE_SOON
    return SlaState.ON_TIME


def _as_list(value: Any) -> list:
    if value in (None, "", []):
        return []
    return list(value) if isinstance(value, list | tuple | set) else [value]


def review_queue(user: Any, filters: dict | None = None, *, now: dt.datetime | None = None
                 ) -> models.QuerySet[Application]:
    """The staff review queue (see the module docstring for the filters)."""
    filters = filters or {}
    now = now or timezone.now()
    pending_docs = (
        current_documents(ApplicationDocument.objects.filter(application=OuterRef("pk"),
                                                             check_status=DocumentCheckStatus.PENDING))
        .order_by().values("application").annotate(n=Count("pk")).values("n")
    )
    open_requests = (
        InfoRequest.objects.filter(application=OuterRef("pk"), status=InfoRequest.Status.OPEN)
        .order_by().values("application").annotate(n=Count("pk")).values("n")
    )
    qs = (
        applications_for_user(user)
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related("merchant", "main_category", "squad", "assigned_reviewer")
        .annotate(
            pending_documents=Coalesce(Subquery(pending_docs, output_field=models.IntegerField()), 0),
            open_info_requests=Coalesce(Subquery(open_requests, output_field=models.IntegerField()), 0),
        )
    )
    statuses = _as_list(filters.get("status"))
    if statuses:
        qs = qs.filter(status__in=statuses)
    for key in ("squad", "main_category"):
        values = [v for v in _as_list(filters.get(key)) if str(v).isdigit()]
        if values:
            qs = qs.filter(**{f"{key}_id__in": values})
    profiles = _as_list(filters.get("profile"))
    if profiles:
        qs = qs.filter(profile__in=profiles)
    if filters.get("score_min") not in (None, ""):
        qs = qs.filter(score__gte=filters["score_min"])
    if filters.get("score_max") not in (None, ""):
        qs = qs.filter(score__lte=filters["score_max"])
    if filters.get("submitted_from"):
        qs = qs.filter(submitted_at__date__gte=filters["submitted_from"])
    if filters.get("submitted_to"):
        qs = qs.filter(submitted_at__date__lte=filters["submitted_to"])
    reviewer = filters.get("assigned_reviewer")
    if reviewer == "me":
        qs = qs.filter(assigned_reviewer=user)
    elif reviewer not in (None, "") and str(reviewer).isdigit():
        qs = qs.filter(assigned_reviewer_id=reviewer)
    sla = filters.get("sla")
    running = Q(status__in=_CLOCK_RUNNING, sla_paused_at__isnull=True, decision_due_at__isnull=False)
    first_touch_late = Q(first_touched_at__isnull=True, first_touch_due_at__lt=now)
    if sla == SlaState.PAUSED:
        qs = qs.filter(Q(status=ApplicationStatus.INFO_REQUESTED) | Q(sla_paused_at__isnull=False))
    elif sla == SlaState.BREACHED:
        qs = qs.filter(running & (Q(decision_due_at__lt=now) | first_touch_late))
    elif sla == SlaState.DUE_SOON:
        soon = now + DUE_SOON_WITHIN
        qs = qs.filter(running & ~(Q(decision_due_at__lt=now) | first_touch_late)).filter(
            Q(decision_due_at__lte=soon) | Q(first_touched_at__isnull=True, first_touch_due_at__lte=soon))
    elif sla == SlaState.ON_TIME:
        soon = now + DUE_SOON_WITHIN
        qs = qs.filter(running, decision_due_at__gt=soon).exclude(
            Q(first_touched_at__isnull=True, first_touch_due_at__lte=soon))
    q = (filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(company_name__icontains=q) | Q(merchant__name__icontains=q) | Q(credit_code__icontains=q))
    return qs.order_by(models.F("decision_due_at").asc(nulls_last=True), "submitted_at", "pk")
