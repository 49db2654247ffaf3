"""Reads for onboarding. Every function that takes a `user` scopes to what that user may see.

API summary (for the applicant UI and the admin review screens)
----------------------------------------------------------------
Scoping
- `applications_for_user(user) -> QuerySet[Application]`: merchant users get their merchants'
  applications only; reviewers the applications granted to them (django-guardian `view_application`,
  given to the squad's members at submission and reassignment); leads, compliance and superusers all.
  A user who is both sees the union.
- `application_get_for_user(user, pk) -> Application | None`: None when it does not exist or the user
  may not see it: answer 404 either way, so nothing leaks.
- `document_file_get_for_user(user, pk) -> DocumentFile | None`: the same rule for a stored file (serve
  it through a view that also calls `services.document_file_view_record`).
- `user_can_review(user, application)`, `user_is_lead(user)`, `user_is_compliance(user)` are re-exported
  from `onboarding.permissions` for views that show or hide actions.

Review queue
- `review_queue(user, filters=None) -> QuerySet[Application]`: submitted (non-draft) applications the
  user may see, with `merchant`, `main_category`, `squad`, `assigned_reviewer` selected and the
  annotations `pending_documents` and `open_info_requests` (counts), so a page costs the same number of
  queries for 10 or 1000 rows. `filters` keys (all optional): `status` (value or list), `squad` (id),
  `main_category` (id), `profile`, `score_min`, `score_max`, `submitted_from`, `submitted_to` (dates),
  `assigned_reviewer` (id or "me"), `sla` ("breached", "due_soon", "paused", "on_time"), `q` (company
  name, merchant name or credit code contains). Unknown keys are ignored. Ordered by decision due date.
- `sla_state(application, *, now=None) -> str`: one of `SlaState` (on_time, due_soon, breached,
  paused, stopped). Pure arithmetic on the row, no queries.

Documents
- `documents_required_for(*, categories, cooperation_mode, cross_border) -> list[(DocumentType, required)]`:
  the matrix for any combination (the wizard's preview).
- `application_required_documents(application) -> list[(DocumentType, required)]`: for one application
  (main + other categories; the brand authorisation becomes required when a brand is marked "authorised").
- `application_document_slots(application) -> list[DocumentSlot]`: per document type: required?, the
  current (newest) document with its files, and its earlier uploads. For the wizard's document step and
  the reviewer's checklist.
- `application_missing_items(application) -> list[str]`: what still blocks submission, translated
  (empty list = can submit).
- `application_approval_blockers(application) -> list[str]`: why a lead cannot approve yet.

Other reads
- `application_timeline(application, *, for_merchant=False) -> list[TimelineEntry]`: the audit log of
  the application as (at, action, label, actor_name, data); `for_merchant=True` hides internal events
  (document views, reassignments, override proposals, SLA alerts) and staff names.
- `application_open_info_request(application) -> InfoRequest | None` (items prefetched) and
  `application_info_requests(application) -> QuerySet[InfoRequest]`, newest first.
- `info_request_field_label(field_name) -> str`: the label to show for an item's field.
- `info_request_items_by_field(application) -> dict[field_name, list[InfoRequestItem]]` of the open
  request, to show reviewers' comments next to the fields they concern.
- Screening preview: `onboarding.screening.screening_evaluate(application=...)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import get_objects_for_user

from portal.audit import audit_entries_for
from portal.models import Category

from .models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    DocumentCheckStatus,
    DocumentFile,
    DocumentRequirement,
    DocumentType,
    InfoRequest,
    InfoRequestItem,
)
from .permissions import (
    VIEW_PERMISSION,
    user_can_review,
    user_can_view,
    user_is_compliance,
    user_is_lead,
    user_sees_all_applications,
)

__all__ = [
    "DocumentSlot",
    "SlaState",
    "TimelineEntry",
    "application_approval_blockers",
    "application_document_slots",
    "application_get_for_user",
    "application_info_requests",
    "application_missing_items",
    "application_open_info_request",
    "application_required_documents",
    "application_timeline",
    "applications_for_user",
    "document_file_get_for_user",
    "documents_required_for",
    "info_request_field_label",
    "info_request_items_by_field",
    "review_queue",
    "sla_state",
    "user_can_review",
    "user_is_compliance",
    "user_is_lead",
]

BRAND_AUTHORISATION_CODE = "brand_authorisation"

# ----------------------------------------------------------------------------------------- scoping


def applications_for_user(user: Any) -> models.QuerySet[Application]:
    """The applications `user` may see (see the module docstring)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Application.objects.none()
    if user_sees_all_applications(user):
        return Application.objects.all()
    granted = get_objects_for_user(user, VIEW_PERMISSION, klass=Application, accept_global_perms=False,
                                   with_superuser=False)
    own = Application.objects.filter(merchant__memberships__user=user)
    return Application.objects.filter(Q(pk__in=own.values("pk")) | Q(pk__in=granted.values("pk")))


def application_get_for_user(user: Any, pk: Any) -> Application | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return applications_for_user(user).select_related("merchant", "main_category", "squad",
                                                      "assigned_reviewer").filter(pk=pk).first()


def document_file_get_for_user(user: Any, pk: Any) -> DocumentFile | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    doc_file = DocumentFile.objects.select_related("document__application", "document__document_type").filter(
        pk=pk).first()
    if doc_file is None or not user_can_view(user, doc_file.document.application):
        return None
    return doc_file


# ------------------------------------------------------------------------------------- documents


def documents_required_for(
    *, categories: Iterable[Category | int | None], cooperation_mode: str | None, cross_border: bool | None,
) -> list[tuple[DocumentType, bool]]:
    """The document types an applicant with these answers is asked for, and whether each is required.

    Per category, the most specific matching matrix row decides for each document type (a row matches
    when each of its conditions is empty or equal); between equally specific rows "required" wins.
    Across several categories a type is required if any category requires it. `cross_border=None`
    (not answered) counts as domestic. Types marked "always optional" are never required.
    """
    category_ids = [c.pk if isinstance(c, Category) else c for c in categories] or [None]
    mode = cooperation_mode or ""
    cb = bool(cross_border)
    rows = list(
        DocumentRequirement.objects.select_related("document_type")
        .filter(Q(category__isnull=True) | Q(category_id__in=[c for c in category_ids if c is not None]))
        .filter(Q(cooperation_mode="") | Q(cooperation_mode=mode))
        .filter(Q(cross_border__isnull=True) | Q(cross_border=cb))
    )
    result: dict[int, tuple[DocumentType, bool]] = {}
    for category_id in category_ids:
        best: dict[int, tuple[int, bool]] = {}
        for row in rows:
            if row.category_id is not None and row.category_id != category_id:
                continue
            spec = row.specificity
            current = best.get(row.document_type_id)
            if current is None or spec > current[0] or (spec == current[0] and row.required):
                best[row.document_type_id] = (spec, row.required)
        for type_id, (_spec, required) in best.items():
            doc_type = next(r.document_type for r in rows if r.document_type_id == type_id)
            required = required and not doc_type.is_optional
            previous = result.get(type_id)
            result[type_id] = (doc_type, required or (previous[1] if previous else False))
    return sorted(result.values(), key=lambda item: (item[0].sort_order, item[0].code))


def application_required_documents(application: Application) -> list[tuple[DocumentType, bool]]:
    categories: list[int | None] = []
    if application.main_category_id:
        categories.append(application.main_category_id)
    categories += [pk for pk in application.other_categories.values_list("pk", flat=True) if pk not in categories]
    rows = documents_required_for(categories=categories, cooperation_mode=application.cooperation_mode,
                                  cross_border=application.cross_border)
    authorised = any(isinstance(b, dict) and b.get("ownership") == "authorised" for b in application.brands or [])
    if authorised:
        rows = [(t, required or (t.code == BRAND_AUTHORISATION_CODE and not t.is_optional)) for t, required in rows]
        if not any(t.code == BRAND_AUTHORISATION_CODE for t, _r in rows):
            extra = DocumentType.objects.filter(code=BRAND_AUTHORISATION_CODE).first()
            if extra is not None:
                rows.append((extra, not extra.is_optional))
    return rows


@dataclass
class DocumentSlot:
    document_type: DocumentType
    required: bool
    current: ApplicationDocument | None
    earlier: list[ApplicationDocument] = field(default_factory=list)

    @property
    def satisfied_for_submission(self) -> bool:
        return self.current is not None and self.current.check_status != DocumentCheckStatus.REJECTED

    @property
    def satisfied_for_approval(self) -> bool:
        return self.current is not None and self.current.check_status in (DocumentCheckStatus.ACCEPTED,
                                                                          DocumentCheckStatus.WAIVED)


def application_document_slots(application: Application) -> list[DocumentSlot]:
    """One slot per document type asked for (plus any other type the applicant uploaded)."""
    wanted = application_required_documents(application)
    documents = list(
        ApplicationDocument.objects.filter(application=application)
        .select_related("document_type", "checked_by")
        .prefetch_related("files")
        .order_by("-uploaded_at", "-id")
    )
    by_type: dict[int, list[ApplicationDocument]] = {}
    for doc in documents:
        by_type.setdefault(doc.document_type_id, []).append(doc)
    slots = [
        DocumentSlot(t, required, (by_type.get(t.pk) or [None])[0], by_type.get(t.pk, [])[1:])
        for t, required in wanted
    ]
    listed = {t.pk for t, _r in wanted}
    for type_id, docs in by_type.items():
        if type_id not in listed:
            slots.append(DocumentSlot(docs[0].document_type, False, docs[0], docs[1:]))
    return slots


_REQUIRED_FIELDS = [
    "company_name", "credit_code", "legal_representative", "contact_name", "contact_phone", "contact_email",
    "address", "main_category", "cooperation_mode", "cross_border",
]


def application_missing_items(application: Application) -> list[str]:
    """What still blocks submission (or resubmission), as messages for the applicant."""
    missing = []
    for name in _REQUIRED_FIELDS:
        value = getattr(application, name if name != "main_category" else "main_category_id")
        if value is None or value == "":
            label = Application._meta.get_field(name).verbose_name
            missing.append(_("%(field)s is not filled in.") % {"field": str(label).capitalize()})
    for slot in application_document_slots(application):
        if not slot.required:
            continue
        if slot.current is None:
            missing.append(_("%(document)s is required and has not been uploaded.")
                           % {"document": slot.document_type.name})
        elif slot.current.check_status == DocumentCheckStatus.REJECTED:
            missing.append(_("%(document)s was rejected; please upload a new one.")
                           % {"document": slot.document_type.name})
    return missing


def application_approval_blockers(application: Application) -> list[str]:
    """Why the application cannot be approved yet (empty list = it can)."""
    blockers = []
    if application.status != ApplicationStatus.IN_REVIEW:
        blockers.append(_("The application is not in review."))
    if application.compliance_signed_off_at is None:
        blockers.append(_("Compliance has not signed off."))
    for slot in application_document_slots(application):
        if slot.required and not slot.satisfied_for_approval:
            state = _("missing") if slot.current is None else slot.current.get_check_status_display()
            blockers.append(_("Required document %(document)s is %(state)s.")
                            % {"document": slot.document_type.name, "state": str(state).lower()})
    return blockers


# --------------------------------------------------------------------------------- info requests


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
    try:
        return str(Application._meta.get_field(field_name).verbose_name).capitalize()
    except FieldDoesNotExist:
        return field_name


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
        ApplicationDocument.objects.filter(application=OuterRef("pk"), check_status=DocumentCheckStatus.PENDING)
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


# ---------------------------------------------------------------------------------------- timeline

_ACTION_LABELS = {
    "created": gettext_lazy("Application started"),
    "step_saved": gettext_lazy("Answers saved"),
    "submitted": gettext_lazy("Submitted"),
    "review_started": gettext_lazy("Review started"),
    "document_added": gettext_lazy("Document uploaded"),
    "document_deleted": gettext_lazy("Document removed"),
    "document_accepted": gettext_lazy("Document accepted"),
    "document_rejected": gettext_lazy("Document rejected"),
    "document_waived": gettext_lazy("Document waived"),
    "document_viewed": gettext_lazy("Document viewed"),
    "document_expiry_reminded": gettext_lazy("Document expiry reminder sent"),
    "document_expired": gettext_lazy("Document expired"),
    "info_requested": gettext_lazy("More information requested"),
    "resubmitted": gettext_lazy("Resubmitted"),
    "compliance_signed_off": gettext_lazy("Compliance signed off"),
    "override_proposed": gettext_lazy("Deposit override proposed"),
    "approved": gettext_lazy("Approved"),
    "rejected": gettext_lazy("Rejected"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "auto_withdrawn": gettext_lazy("Withdrawn: no reply to the information request"),
    "reassigned": gettext_lazy("Reassigned"),
    "sla_breached": gettext_lazy("Deadline missed"),
    "sla_escalated": gettext_lazy("Escalated"),
}
# events the applicant does not see on its timeline
_INTERNAL_EVENTS = {"document_viewed", "reassigned", "override_proposed", "sla_breached", "sla_escalated",
                    "step_saved"}
_ACTION_PREFIX = "onboarding.application."


@dataclass
class TimelineEntry:
    at: dt.datetime
    action: str
    event: str
    label: str
    actor_name: str
    data: dict


def application_timeline(application: Application, *, for_merchant: bool = False) -> list[TimelineEntry]:
    """The application's history from the audit log, oldest first. For the applicant, staff appear as
    "Recruitment team" and internal events are left out."""
    entries = []
    member_ids = set(application.merchant.memberships.values_list("user_id", flat=True)) if for_merchant else set()
    for entry in audit_entries_for(target=application):
        event = entry.action.removeprefix(_ACTION_PREFIX)
        if for_merchant and event in _INTERNAL_EVENTS:
            continue
        if entry.actor_id is None:
            actor_name = _("System")
        elif for_merchant and entry.actor_id not in member_ids:
            actor_name = _("Recruitment team")
        else:
            actor_name = entry.actor_repr
        data = entry.data
        if for_merchant:
            data = {k: v for k, v in data.items() if k not in ("reviewer", "squad", "ip_address", "override")}
        entries.append(TimelineEntry(at=entry.created_at, action=entry.action, event=event,
                                     label=str(_ACTION_LABELS.get(event, event)), actor_name=actor_name, data=data))
    return entries
