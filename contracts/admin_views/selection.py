"""The contracts a bulk action works on: the rows ticked in the list (`?id=1&id=2…`), or every row of the
filtered list (`id=all` with the list's filters and search). Values that are no ids are bad input and get a
400 page naming them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.generic import View
from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from portal.audit import audit_entry_create
from portal.ids import InvalidIds, ids_parse

from ..filters import ContractFilterSet
from .access import ContractStaffRequiredMixin
from .listing import ContractListExportMixin, ContractListView, contract_list_queryset, list_params, url

MAX_SELECTED = 5000


class InvalidFilters(ValueError):
    """The list's filters of an "all in the list" selection do not validate: acting on every contract instead
    would be a surprise (a bulk download of all of them)."""

    def __init__(self, messages_: list[str]):
        self.messages = messages_
        super().__init__("; ".join(messages_))


def selected_contracts(request) -> models.QuerySet:
    """The selected contracts, in list order. Raises `InvalidIds` if a value of `id` is neither an id nor "all",
    `InvalidFilters` if "all" comes with filters that do not validate."""
    ids = request.GET.getlist("id")
    queryset = contract_list_queryset()
    if "all" in ids:
        filterset = ContractFilterSet(data=request.GET, queryset=queryset, request=request)
        if not filterset.is_valid():
            form = filterset.form
            raise InvalidFilters([f"{form.fields[name].label}: {error}" if name in form.fields else str(error)
                                  for name, errors in form.errors.items() for error in errors])
        queryset = filterset.qs
        q = (request.GET.get("q") or "").strip()
        if q:
            terms = Q()
            for field in ContractListView.search_fields:
                terms |= Q(**{f"{field}__icontains": q})
            queryset = queryset.filter(terms)
        return queryset
    return queryset.filter(pk__in=ids_parse(ids, limit=MAX_SELECTED))


class SelectionMixin:
    def dispatch(self, request, *args, **kwargs):
        try:
            self.selection = selected_contracts(request)
        except InvalidIds as error:
            return TemplateResponse(request, "contracts/admin/bad_selection.html", {
                "page_title": _("Not a valid selection"), "header_icon": "warning",
                "invalid_ids": error.values[:10],
                "next": get_valid_next_url_from_request(request) or url("index"),
            }, status=400)
        except InvalidFilters as error:
            return TemplateResponse(request, "contracts/admin/bad_selection.html", {
                "page_title": _("Not a valid selection"), "header_icon": "warning",
                "filter_errors": error.messages,
                "next": get_valid_next_url_from_request(request) or url("index"),
            }, status=400)
        return super().dispatch(request, *args, **kwargs)


class BulkExportView(ContractStaffRequiredMixin, SelectionMixin, ContractListExportMixin, SpreadsheetExportMixin,
                     View):
    """The selected contracts as CSV or XLSX (the list export's columns)."""

    def get(self, request, export_format: str):
        if export_format not in self.FORMATS:
            messages.error(request, _("Unknown export format."))
            return redirect(url("index"))
        audit_entry_create(actor=request.user, action="contracts.contract_list.exported",
                           data={"format": export_format, "params": list_params(request),
                                 "selected": request.GET.getlist("id")[:MAX_SELECTED]},
                           ip_address=request.META.get("REMOTE_ADDR") or None)
        return self.as_spreadsheet(self.selection, export_format)
