"""Bulk PDF download in the admin: confirm the selection, queue the zip, watch its progress, download it.

GET `exports/new/?id=…` (or `id=all` with the list's filters) shows how many contracts and asks to confirm;
POST records the request and redirects to its page at once (the zip is built by a Celery task). The page
polls a small JSON endpoint from a static script (`contracts/admin/export_progress.js`, no inline script)
and offers the download when the zip is ready. Pages, status and file answer 404 to anyone but the
requester.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..exports import (
    MAX_CONTRACTS,
    ExportTooLarge,
    contract_export_download_record,
    contract_export_request,
    export_for_user,
)
from ..models import ContractExport, ContractExportStatus
from .access import ContractStaffRequiredMixin
from .listing import list_params, url
from .selection import SelectionMixin

E = ContractExportStatus
PREVIEW_ROWS = 20


class ExportNewView(ContractStaffRequiredMixin, SelectionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "contracts/admin/export_new.html"
    page_title = gettext_lazy("Download PDFs")
    header_icon = "download"

    @cached_property
    def count(self) -> int:
        return self.selection.count()

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": url("index"), "label": gettext_lazy("Contracts")},
                {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(count=self.count, preview=list(self.selection[:PREVIEW_ROWS]), max_contracts=MAX_CONTRACTS,
                       too_many=self.count > MAX_CONTRACTS, submit_url=self.request.get_full_path(),
                       recent=list(ContractExport.objects.filter(requested_by=self.request.user)[:5]))
        return context

    def post(self, request, *args, **kwargs):
        try:
            export = contract_export_request(actor=request.user, contracts=self.selection,
                                             params=list_params(request))
        except ExportTooLarge:
            messages.error(request, _("At most %(max)s contracts can be downloaded at once: narrow the list.")
                           % {"max": MAX_CONTRACTS})
            return redirect(request.get_full_path())
        except ValueError:
            messages.error(request, _("No contract was selected."))
            return redirect(url("index"))
        messages.success(request, ngettext("The zip of %(count)s contract is being built.",
                                           "The zip of %(count)s contracts is being built.", export.total)
                         % {"count": export.total})
        return redirect(url("export", export.pk))


def _export_or_404(request, pk) -> ContractExport:
    export = export_for_user(user=request.user, pk=pk)
    if export is None:
        raise Http404
    return export


def export_state(export: ContractExport) -> dict:
    """What the progress page shows, as the JSON endpoint returns it."""
    labels = {E.PENDING: _("Waiting to start…"), E.RUNNING: _("Building the zip…"), E.DONE: _("Ready."),
              E.FAILED: _("The zip could not be built. Try again, or ask an administrator."),
              E.EXPIRED: _("This zip was deleted after its retention period. Ask for a new one from the list.")}
    return {
        "status": export.status,
        "label": str(labels[export.status]),
        "total": export.total,
        "done": export.done,
        "percent": export.percent,
        "files": export.files,
        "missing": export.missing if export.status == E.DONE else [],
        "progress": _("%(done)s of %(total)s contracts") % {"done": export.done, "total": export.total},
        "download_url": reverse("contracts_admin:export_download", args=[export.pk])
        if export.status == E.DONE else "",
        "finished": export.status in (E.DONE, E.FAILED, E.EXPIRED),
    }


class ExportDetailView(ContractStaffRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "contracts/admin/export.html"
    page_title = gettext_lazy("Download PDFs")
    header_icon = "download"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": url("index"), "label": gettext_lazy("Contracts")},
                {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        export = _export_or_404(self.request, self.kwargs["pk"])
        context.update(export=export, state=export_state(export),
                       status_url=url("export_status", export.pk))
        return context


class ExportStatusView(ContractStaffRequiredMixin, View):
    def get(self, request, pk: int):
        response = JsonResponse(export_state(_export_or_404(request, pk)))
        response["Cache-Control"] = "no-store"
        return response


class ExportDownloadView(ContractStaffRequiredMixin, View):
    def get(self, request, pk: int):
        export = _export_or_404(request, pk)
        if export.status != E.DONE or not export.file:
            raise Http404
        try:
            handle = export.file.open("rb")
        except (FileNotFoundError, OSError) as error:
            raise Http404 from error
        contract_export_download_record(export=export, actor=request.user,
                                        ip_address=request.META.get("REMOTE_ADDR") or None)
        response = FileResponse(handle, content_type="application/zip", as_attachment=True,
                                filename=f"contracts-{export.pk}.zip")
        response["Cache-Control"] = "private, no-store"
        return response
