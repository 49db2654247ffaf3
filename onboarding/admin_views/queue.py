"""The review queue [申请审核]: a filtered, searchable, sortable, paginated listing of the applications
the user may see, with CSV/XLSX export of the same rows.

Rows come from `onboarding.selectors.review_queue` (scoped per user, related rows selected, counts
annotated), the SLA state is arithmetic on each row's fields (`selectors.sla_state`), so a page costs
the same number of queries for 10 or 100,000 applications.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.ui.tables import (
    BulkActionsCheckboxColumn,
    Column,
    DateColumn,
    NumberColumn,
    StatusTagColumn,
    TitleColumn,
)
from wagtail.admin.views.generic import IndexView

from portal.admin_export import ExportColumnsMixin
from portal.audit import audit_entry_create

from ..filters import ApplicationQueueFilterSet
from ..models import Application
from ..selectors import SlaState, review_queue, sla_state
from .access import RoleRequiredMixin, user_is_lead

URL_NAMESPACE = "onboarding_review"
PAGE_SIZE = 50


def url(name: str, *args) -> str:
    return reverse(f"{URL_NAMESPACE}:{name}", args=args)


class SlaColumn(Column):
    """The decision deadline with the clock's state as a tag (breached, due soon, paused)."""

    cell_template_name = "onboarding/admin/cells/sla_cell.html"

    def __init__(self, name: str, *, now: dt.datetime, **kwargs):
        super().__init__(name, **kwargs)
        self.now = now

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        state = sla_state(instance, now=self.now)
        context.update(due=instance.decision_due_at, state=state, state_label=SlaState(state).label)
        return context


def _user_label(user) -> str:
    return str(user) if user is not None else ""


# export columns: key → (heading, value of a row)
EXPORT_COLUMNS: dict[str, tuple[str, Callable]] = {
    "id": (_("ID"), lambda a, now: a.pk),
    "company_name": (_("Company"), lambda a, now: a.company_name),
    "credit_code": (_("Unified social credit code"), lambda a, now: a.credit_code),
    "merchant": (_("Merchant"), lambda a, now: a.merchant.name),
    "contact_email": (_("Contact email"), lambda a, now: a.contact_email),
    "status": (_("Status"), lambda a, now: str(a.get_status_display())),
    "main_category": (_("Main category"), lambda a, now: a.main_category.name if a.main_category_id else ""),
    "squad": (_("Squad"), lambda a, now: a.squad.name if a.squad_id else ""),
    "profile": (pgettext_lazy("screening profile", "Profile"),
                lambda a, now: str(a.get_profile_display()) if a.profile else ""),
    "score": (_("Screening score"), lambda a, now: a.score),
    "submitted_at": (_("Submitted"), lambda a, now: a.submitted_at),
    "decision_due_at": (_("Decision due"), lambda a, now: a.decision_due_at),
    "sla": (_("SLA"), lambda a, now: str(SlaState(sla_state(a, now=now)).label)),
    "assigned_reviewer": (_("Reviewer"), lambda a, now: _user_label(a.assigned_reviewer)),
    "pending_documents": (_("Documents to check"), lambda a, now: getattr(a, "pending_documents", None)),
    "open_info_requests": (_("Open information requests"), lambda a, now: getattr(a, "open_info_requests", None)),
}


class QueueExportMixin(ExportColumnsMixin):
    """Spreadsheet rows of the queue, shared by the filtered export and the export of selected rows."""

    export_columns = EXPORT_COLUMNS
    export_filename = "applications"


class ApplicationQueueView(RoleRequiredMixin, QueueExportMixin, IndexView):
    """Menu "Applications": the queue of the user's applications (squad scoping for reviewers)."""

    model = Application
    template_name = "onboarding/admin/queue.html"
    results_template_name = "onboarding/admin/queue_results.html"
    index_url_name = f"{URL_NAMESPACE}:index"
    index_results_url_name = f"{URL_NAMESPACE}:index_results"
    filterset_class = ApplicationQueueFilterSet
    search_fields = ["company_name", "credit_code", "contact_email"]
    search_backend_name = None
    paginate_by = PAGE_SIZE
    page_title = _("Applications")
    header_icon = "form"
    # role check instead of model permissions (RoleRequiredMixin); rows are scoped by the selector
    any_permission_required = None
    permission_required = None

    def get_base_queryset(self) -> models.QuerySet:
        return review_queue(self.request.user)

    def get_queryset(self) -> models.QuerySet:
        queryset = self.get_base_queryset()
        queryset = self.filter_queryset(queryset)
        queryset = self.search_queryset(queryset)
        return self.order_queryset(queryset)

    def order_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        if not self.ordering:
            return queryset  # the selector's order: decision due first
        field = self.ordering.lstrip("-")
        expression = models.F(field).desc(nulls_last=True) if self.ordering.startswith("-") else (
            models.F(field).asc(nulls_last=True))
        return queryset.order_by(expression, "pk")

    def paginate_queryset(self, queryset, page_size):
        """Pick the page's ids on the narrow application rows first, then read those rows with their
        related rows and counts: sorting 100,000 joined wide rows to keep 50 costs far more than
        sorting the bare table (two queries, whatever the queue's length)."""
        paginator, page, _ids, is_paginated = super().paginate_queryset(
            queryset.values_list("pk", flat=True), page_size)
        ids = list(page.object_list)
        rows = {app.pk: app for app in queryset.order_by().filter(pk__in=ids)}
        page.object_list = [rows[pk] for pk in ids if pk in rows]
        return paginator, page, page.object_list, is_paginated

    def get(self, request, *args, **kwargs):
        if self.is_export:
            # straight to the file: no page context, no count, rows streamed from the database
            export_record(request, export_format=request.GET.get("export"), scope="queue")
            return self.as_spreadsheet(self.get_queryset(), request.GET.get("export"))
        return super().get(request, *args, **kwargs)

    @cached_property
    def columns(self):
        return [
            BulkActionsCheckboxColumn("bulk_actions", obj_type="application"),
            TitleColumn(
                "company_name", label=_("Company"), sort_key="company_name",
                get_url=lambda a: url("detail", a.pk), get_title_id=lambda a: f"application_{a.pk}_title",
            ),
            Column("credit_code", label=_("Credit code"), classname="onboarding-code"),
            StatusTagColumn("status", label=_("Status"), accessor="get_status_display", sort_key="status",
                            primary=lambda a: a.status in ("submitted", "resubmitted")),
            Column("main_category", label=_("Main category")),
            Column("squad", label=_("Squad")),
            Column("profile", label=pgettext_lazy("screening profile", "Profile"),
                   accessor="get_profile_display", sort_key="profile"),
            NumberColumn("score", label=_("Score"), sort_key="score"),
            DateColumn("submitted_at", label=_("Submitted"), sort_key="submitted_at"),
            SlaColumn("decision_due_at", label=_("Decision due"), sort_key="decision_due_at", now=self.now),
            Column("assigned_reviewer", label=_("Reviewer"), sort_key="assigned_reviewer__email"),
            NumberColumn("pending_documents", label=_("To check")),
        ]

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["bulk_actions"] = bulk_actions_for(self.request.user)
        return context


def export_record(request, *, export_format: str, scope: str) -> None:
    """Exports of merchant data are logged (operator guide §1.3): who, when, which format and filters."""
    params = {key: request.GET.getlist(key) for key in request.GET if key not in ("export", "next")}
    audit_entry_create(actor=request.user, action="onboarding.application_queue.exported",
                       data={"format": export_format, "scope": scope, "params": params},
                       ip_address=request.META.get("REMOTE_ADDR") or None)


def bulk_actions_for(user) -> list[dict]:
    """The bulk actions the user may run on selected rows (hidden otherwise)."""
    actions = [
        {"label": _("Export CSV"), "url": url("bulk_export", "csv")},
        {"label": _("Export XLSX"), "url": url("bulk_export", "xlsx")},
    ]
    if user_is_lead(user):
        actions.insert(0, {"label": _("Assign"), "url": url("bulk_assign")})
    return actions
