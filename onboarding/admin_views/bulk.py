"""Bulk actions on rows selected in the queue: export them, or (leads) assign them to a reviewer.

The selection arrives as `?id=1&id=2…` (or `id=all` with the queue's filters, for "select all in the
queue"); it is always re-read through the user's scoped queue, so nobody acts on a row they cannot see.
Unknown or foreign ids drop out quietly; a value that is no id at all (not a number, or wider than 64
bits) is bad input and gets a 400 page that names it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import FormView, View
from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from portal.exceptions import ApplicationError
from portal.ids import InvalidIds, ids_parse
from portal.roles import Role

from .. import services
from ..filters import ApplicationQueueFilterSet
from ..selectors import review_queue
from .access import RoleRequiredMixin
from .forms import BulkAssignForm
from .queue import ApplicationQueueView, QueueExportMixin, export_record, url

MAX_SELECTED = 5000


def selected_applications(request) -> models.QuerySet:
    """The selected rows, within the user's queue (unknown or foreign ids simply drop out).

    Raises `InvalidIds` if a value of `id` is neither an id nor "all".
    """
    ids = request.GET.getlist("id")
    if "all" in ids:
        filterset = ApplicationQueueFilterSet(data=request.GET, request=request)
        queryset = filterset.qs if filterset.is_valid() else review_queue(request.user)
        q = (request.GET.get("q") or "").strip()
        if q:
            terms = Q()
            for field in ApplicationQueueView.search_fields:
                terms |= Q(**{f"{field}__icontains": q})
            queryset = queryset.filter(terms)
        return queryset
    return review_queue(request.user).filter(pk__in=ids_parse(ids, limit=MAX_SELECTED))


class SelectionMixin:
    """Answers a selection holding values that are no ids with a 400 page naming them, before any work."""

    def dispatch(self, request, *args, **kwargs):
        try:
            self.selection = selected_applications(request)
        except InvalidIds as error:
            return TemplateResponse(request, "onboarding/admin/bad_selection.html", {
                "page_title": _("Not a valid selection"), "header_icon": "warning",
                "invalid_ids": error.values[:10],
                "next": get_valid_next_url_from_request(request) or url("index"),
            }, status=400)
        return super().dispatch(request, *args, **kwargs)


class BulkExportView(RoleRequiredMixin, SelectionMixin, QueueExportMixin, SpreadsheetExportMixin, View):
    """Download the selected rows as CSV or XLSX (the same columns as the queue export)."""

    def get(self, request, export_format: str):
        if export_format not in self.FORMATS:
            messages.error(request, _("Unknown export format."))
            return redirect(url("index"))
        export_record(request, export_format=export_format, scope="selected")
        return self.as_spreadsheet(self.selection, export_format)


class BulkAssignView(RoleRequiredMixin, SelectionMixin, WagtailAdminTemplateMixin, FormView):
    """Leads: give the selected applications to one reviewer (each through `application_reassign`)."""

    required_roles = frozenset({Role.LEAD.value})
    form_class = BulkAssignForm
    template_name = "onboarding/admin/bulk_assign.html"
    page_title = _("Assign applications")
    header_icon = "user"

    @cached_property
    def applications(self) -> list:
        return list(self.selection[:MAX_SELECTED])

    @cached_property
    def next_url(self) -> str:
        return get_valid_next_url_from_request(self.request) or url("index")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": url("index"), "label": _("Applications")},
                {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(applications=self.applications, next=self.next_url,
                       submit_url=self.request.get_full_path())
        return context

    def form_valid(self, form):
        if not self.applications:
            messages.error(self.request, _("No application was selected, or none that you may assign."))
            return redirect(self.next_url)
        reviewer, reason = form.cleaned_data["reviewer"], form.cleaned_data["reason"]
        done, failed = 0, []
        for application in self.applications:
            try:
                services.application_reassign(application=application, actor=self.request.user,
                                              reviewer=reviewer, reason=reason)
            except ValidationError as error:
                failed.append(f"{application}: {' '.join(error.messages)}")
            except ApplicationError as error:
                failed.append(f"{application}: {error.message}")
            else:
                done += 1
        if done:
            messages.success(self.request, ngettext(
                "%(count)d application assigned to %(reviewer)s.",
                "%(count)d applications assigned to %(reviewer)s.", done,
            ) % {"count": done, "reviewer": reviewer.get_full_name() or reviewer.email})
        for failure in failed:
            messages.error(self.request, failure)
        return redirect(self.next_url)
