"""Performance data in the Wagtail admin (namespace "performance", /admin/performance/, menu "Performance"):
the order lines with filters and CSV/XLSX export, and finance's file imports (upload → preview → save, the imports
with their rejected rows to download, a template per kind of data).

Access: the lists for finance, management, recruitment leads and administrators; uploading for finance (superusers
hold every role); anyone else gets a 403 before any work. The uploaded file waits in private storage under a random
name known only to the uploader's session until it is saved or abandoned; a file that cannot be read comes back
as a message on the form, never a 500.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from portal.admin_export import ExportColumnsMixin, export_value
from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, error_messages
from portal.models import OrderLine, PerformanceImport
from portal.money import format_money
from portal.roles import Role, user_has_any_role
from portal.uploads import (
    pending_upload,
    pending_upload_forget,
    pending_upload_keep,
    upload_limits,
)

from . import filters
from .files import (
    FIELDS,
    PerformanceFileError,
    field_labels,
    kind_labels,
    performance_file_format,
    performance_template,
)
from .imports import (
    performance_import_confirm,
    performance_import_rejections,
    performance_import_retry,
    performance_import_start,
)
from .staff_selectors import order_lines_for_staff, performance_import_rejected_rows, performance_imports
from .tasks import performance_import_check_task, performance_import_save_task

URL_NAMESPACE = "performance"
SESSION_KEY = "portal.performance.imports"
PENDING_UPLOADS = "performance/imports/pending"
PAGE_SIZE = 50
PREVIEW_REJECTED = 500  # rejected rows shown on the preview and an import's page (the download has them all)
PREVIEW_SAMPLE = 10  # rows of the file shown as read

# who reads performance data in the admin, and who imports it (BUSINESS_RULES §8: finance uploads the daily file)
VIEW_ROLES = frozenset({Role.FINANCE.value, Role.MANAGEMENT.value, Role.LEAD.value, Role.ADMIN.value})
IMPORT_ROLES = frozenset({Role.FINANCE.value})

# what became of the rows of a file
ROW_NEW = pgettext_lazy("import rows", "New")
ROW_CHANGED = pgettext_lazy("import rows", "Changed")
ROW_UNCHANGED = pgettext_lazy("import rows", "Unchanged")
ROW_REJECTED = pgettext_lazy("import rows", "Rejected")


def url(name: str, *args) -> str:
    return reverse(f"{URL_NAMESPACE}:{name}", args=args)


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class RolesRequiredMixin:
    """A 403 page that says who works here, before any work, for anyone without one of `required_roles`."""

    required_roles: frozenset[str] = VIEW_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not user_has_any_role(request.user, self.required_roles):
            return TemplateResponse(request, "portal/admin/performance/forbidden.html", {
                "page_title": _("No access to performance data"), "header_icon": "warning",
                "imports_only": self.required_roles == IMPORT_ROLES}, status=403)
        return super().dispatch(request, *args, **kwargs)


# ---- the menu


class PerformanceMenuItem(MenuItem):
    """An item of the "Performance" menu, shown to the roles that may open it."""

    def __init__(self, *args, roles: frozenset[str] = VIEW_ROLES, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles = roles

    def is_shown(self, request) -> bool:
        return user_has_any_role(request.user, self.roles)


# Other areas add their items with @hooks.register("register_performance_menu_item") returning a
# PerformanceMenuItem; `order` sorts them (the lists and imports take 100–130).
performance_menu = Menu(register_hook_name="register_performance_menu_item",
                        construct_hook_name="construct_performance_menu")


def performance_menu_item():
    # "Performance data" does not fit the sidebar; the pages say it in full
    return SubmenuMenuItem(pgettext_lazy("admin menu", "Performance"), performance_menu, name="performance",
                           icon_name="table", order=175)


# ---- the order lines


def _day(value) -> str:
    return date_format(value, "Y-m-d") if value else "—"


class MoneyColumn(Column):
    def __init__(self, name, **kwargs):
        kwargs.setdefault("classname", "performance-number")
        super().__init__(name, accessor=lambda row: format_money(getattr(row, name), row.currency), **kwargs)


class StaffListView(RolesRequiredMixin, ExportColumnsMixin, IndexView):
    """Base of the lists: role check instead of model permissions, exports audited, one query for a page's rows.
    Another area's list (the rating alerts) sets its own `url_namespace` and `export_action`."""

    required_roles = VIEW_ROLES
    any_permission_required = None
    permission_required = None
    paginate_by = PAGE_SIZE
    search_backend_name = None
    url_name = ""
    url_namespace = URL_NAMESPACE
    export_action = ""  # the audit action of a download; by default portal.performance.<url_name>.exported
    list_ordering: tuple[str, ...] = ("-pk",)

    @property
    def index_url_name(self) -> str:
        return f"{self.url_namespace}:{self.url_name}"

    @property
    def index_results_url_name(self) -> str:
        return f"{self.url_namespace}:{self.url_name}_results"

    def order_queryset(self, queryset):
        if not self.ordering:
            return queryset.order_by(*self.list_ordering)
        return queryset.order_by(self.ordering, "-pk")

    def get(self, request, *args, **kwargs):
        if self.is_export:
            audit_entry_create(actor=request.user,
                               action=self.export_action or f"portal.performance.{self.url_name}.exported",
                               data={"format": request.GET.get("export"),
                                     "params": {key: request.GET.getlist(key) for key in request.GET
                                                if key not in ("export", "p")}},
                               ip_address=_ip(request))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["can_import"] = user_has_any_role(self.request.user, IMPORT_ROLES)
        return context


class OrderLineListView(StaffListView):
    """Every order line the portal holds, newest T first, with the totals of the filtered rows per currency."""

    model = OrderLine
    url_name = "order_lines"
    page_title = gettext_lazy("Order lines")
    header_icon = "table"
    template_name = "portal/admin/performance/list.html"
    results_template_name = "portal/admin/performance/list_results.html"
    filterset_class = filters.OrderLineFilterSet
    list_ordering = ("-settleable_on", "-pk")
    export_filename = "order-lines"
    export_columns = {
        "external_id": (gettext_lazy("External id"), lambda o, now: o.external_id),
        "merchant_id": (gettext_lazy("Merchant id"), lambda o, now: o.merchant_id),
        "merchant": (gettext_lazy("Merchant"), lambda o, now: o.merchant.name),
        "category": (gettext_lazy("Category code"), lambda o, now: o.category.code),
        "currency": (gettext_lazy("Currency"), lambda o, now: o.currency),
        "amount": (gettext_lazy("Amount"), lambda o, now: o.amount),
        "refund_amount": (gettext_lazy("Refund amount"), lambda o, now: o.refund_amount),
        "completed_on": (gettext_lazy("Completed on"), lambda o, now: o.completed_on),
        "settleable_on": (gettext_lazy("Settleable on (T)"), lambda o, now: o.settleable_on),
        "refunded_on": (gettext_lazy("Refunded on"), lambda o, now: o.refunded_on),
        "fulfilled": (gettext_lazy("Fulfilled"), lambda o, now: o.fulfilled),
        "on_time": (gettext_lazy("Delivered on time"), lambda o, now: o.on_time),
        "source": (gettext_lazy("Source"), lambda o, now: str(o.get_source_display())),
        "version": (gettext_lazy("Version"), lambda o, now: o.version),
        "updated_at": (gettext_lazy("Last change"), lambda o, now: o.updated_at),
    }

    def get_base_queryset(self):
        return order_lines_for_staff()

    @cached_property
    def columns(self):
        return [
            Column("external_id", label=gettext_lazy("External id"), sort_key="external_id",
                   classname="performance-nowrap"),
            Column("merchant", label=gettext_lazy("Merchant"), accessor=lambda o: o.merchant.name,
                   sort_key="merchant__name"),
            Column("category", label=gettext_lazy("Category"), accessor=lambda o: o.category.name),
            MoneyColumn("amount", label=gettext_lazy("Amount"), sort_key="amount"),
            MoneyColumn("refund_amount", label=gettext_lazy("Refund"), sort_key="refund_amount"),
            Column("completed_on", label=gettext_lazy("Completed"), accessor=lambda o: _day(o.completed_on),
                   sort_key="completed_on", classname="performance-nowrap"),
            Column("settleable_on", label=gettext_lazy("T"), accessor=lambda o: _day(o.settleable_on),
                   sort_key="settleable_on", classname="performance-nowrap"),
            BooleanColumn("fulfilled", label=gettext_lazy("Fulfilled")),
            BooleanColumn("on_time", label=gettext_lazy("On time")),
            Column("source", label=gettext_lazy("Source"), accessor="get_source_display", sort_key="source"),
            Column("version", label=gettext_lazy("Version"), classname="performance-number"),
        ]

    def totals_of(self, queryset) -> list[dict]:
        """One grouped query over the filtered rows: per currency, the lines, Σ amount and Σ refunds."""
        rows = (queryset.order_by().values("currency")
                .annotate(count=models.Count("pk"), amount=models.Sum("amount"), refunds=models.Sum("refund_amount"))
                .order_by("currency"))
        return [{"currency": row["currency"], "count": row["count"], "figures": [
            {"key": "amount", "label": _("Amount"), "display": format_money(row["amount"] or Decimal(0),
                                                                           row["currency"])},
            {"key": "refunds", "label": _("Refunds"), "display": format_money(row["refunds"] or Decimal(0),
                                                                             row["currency"])}]}
            for row in rows]

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        if not self.is_export:
            context["totals"] = self.totals_of(self.object_list)
        return context


# ---- the imports


class ImportListView(StaffListView):
    model = PerformanceImport
    url_name = "imports"
    page_title = gettext_lazy("Performance data imports")
    header_icon = "upload"
    template_name = "portal/admin/performance/imports.html"
    results_template_name = "portal/admin/performance/list_results.html"
    filterset_class = filters.PerformanceImportFilterSet
    list_ordering = ("-imported_at", "-pk")
    export_filename = "performance-imports"
    export_columns = {
        "imported_at": (gettext_lazy("Imported at"), lambda i, now: i.imported_at),
        "imported_by": (gettext_lazy("Imported by"), lambda i, now: i.imported_by.email),
        "kind": (gettext_lazy("Kind of data"), lambda i, now: str(kind_labels()[i.kind])),
        "filename": (gettext_lazy("File name"), lambda i, now: i.filename),
        "rows": (gettext_lazy("Rows"), lambda i, now: i.rows_total),
        "created": (ROW_NEW, lambda i, now: i.rows_created),
        "updated": (ROW_CHANGED, lambda i, now: i.rows_updated),
        "unchanged": (ROW_UNCHANGED, lambda i, now: i.rows_unchanged),
        "rejected": (ROW_REJECTED, lambda i, now: i.rows_rejected),
    }

    def get_base_queryset(self):
        return performance_imports()

    @cached_property
    def columns(self):
        number = "performance-number"
        return [
            TitleColumn("imported_at", label=gettext_lazy("Imported at"), sort_key="imported_at",
                        accessor=lambda i: date_format(timezone.localtime(i.imported_at), "Y-m-d H:i"),
                        get_url=lambda i: url("import", i.pk)),
            Column("kind", label=gettext_lazy("Kind of data"), accessor=lambda i: kind_labels()[i.kind],
                   sort_key="kind"),
            Column("filename", label=gettext_lazy("File name")),
            Column("imported_by", label=gettext_lazy("Imported by"),
                   accessor=lambda i: i.imported_by.get_full_name() or i.imported_by.email),
            Column("rows_total", label=gettext_lazy("Rows"), classname=number),
            Column("rows_created", label=ROW_NEW, classname=number),
            Column("rows_updated", label=ROW_CHANGED, classname=number),
            Column("rows_unchanged", label=ROW_UNCHANGED, classname=number),
            Column("rows_rejected", label=ROW_REJECTED, classname=number),
        ]


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), widget=forms.RadioSelect,
                             choices=[], initial=PerformanceImport.Kind.ORDER_LINE)
    file = forms.FileField(label=gettext_lazy("File (CSV or XLSX)"),
                           help_text=gettext_lazy("One row per record with a header row; headers in English or "
                                                  "Chinese, as in the template."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kind_labels().items())

    def clean_file(self):
        file = self.cleaned_data["file"]
        max_bytes, _pixels = upload_limits()
        if file.size > max_bytes:
            raise ValidationError(_("“%(name)s” is %(size)s; files can be at most %(max)s."),
                                  params={"name": file.name, "size": filesizeformat(file.size),
                                          "max": filesizeformat(max_bytes)})
        return file


class ImportPageMixin(RolesRequiredMixin, WagtailAdminTemplateMixin):
    required_roles = IMPORT_ROLES
    header_icon = "upload"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": url("imports"), "label": _("Performance data imports")},
                {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_import"] = True
        return context


class ImportUploadView(ImportPageMixin, TemplateView):
    template_name = "portal/admin/performance/import_new.html"
    page_title = gettext_lazy("Import performance data")

    def get(self, request, *args, **kwargs):
        initial = {"kind": request.GET["kind"]} if request.GET.get("kind") in kind_labels() else {}
        return self.render_to_response(self.get_context_data(form=ImportUploadForm(initial=initial)))

    def post(self, request, *args, **kwargs):
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload, kind = form.cleaned_data["file"], form.cleaned_data["kind"]
            content = upload.read()
            try:
                performance_file_format(content=content)  # the rows are read by the preview
            except PerformanceFileError as error:
                form.add_error("file", error.message)
            else:
                token = pending_upload_keep(request, SESSION_KEY, folder=PENDING_UPLOADS, content=content,
                                            filename=upload.name[:200], kind=kind)
                entry = pending_upload(request, SESSION_KEY, token)
                log = performance_import_start(kind=kind, filename=upload.name, stored_name=entry["name"],
                                               content=content, actor=request.user)
                entry["import"] = log.pk
                request.session.modified = True
                performance_import_check_task.delay(log.pk, translation.get_language())
                return redirect(url("import_preview", token))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(kinds=kind_labels())
        return context


def _summary(*, created: int, updated: int, unchanged: int, rejected: int) -> list[dict]:
    return [{"key": "created", "label": ROW_NEW, "count": created},
            {"key": "updated", "label": ROW_CHANGED, "count": updated},
            {"key": "unchanged", "label": ROW_UNCHANGED, "count": unchanged},
            {"key": "rejected", "label": ROW_REJECTED, "count": rejected}]


def _shown(value) -> str:
    """A value as read from the file, for the preview: dates as the file format writes them, flags in words."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class ImportPreviewView(ImportPageMixin, TemplateView):
    """The import waiting under the session's token. GET: its progress while the check or the save runs (the page
    reloads itself every few seconds, without JavaScript), then what saving the file would do, row by row for the
    rejected ones; a saved import goes to its page. POST: save it (action "retry": check a failed import again)."""

    template_name = "portal/admin/performance/import_preview.html"
    page_title = gettext_lazy("Check the file before saving")
    refresh_seconds = 2

    @cached_property
    def entry(self) -> dict:
        entry = pending_upload(self.request, SESSION_KEY, self.kwargs["token"])
        if entry is None:
            raise Http404
        return entry

    @cached_property
    def log(self) -> PerformanceImport:
        found = PerformanceImport.objects.filter(pk=self.entry.get("import"), imported_by=self.request.user).first()
        if found is None:
            raise Http404
        return found

    def _saved(self, request, log: PerformanceImport):
        pending_upload_forget(request, SESSION_KEY, self.kwargs["token"])
        messages.success(request, _("Import saved: %(created)s new, %(updated)s changed, %(unchanged)s unchanged, "
                                    "%(rejected)s rejected.")
                         % {"created": log.rows_created, "updated": log.rows_updated,
                            "unchanged": log.rows_unchanged, "rejected": log.rows_rejected})
        return redirect(url("import", log.pk))

    def get(self, request, *args, **kwargs):
        log = self.log
        S = PerformanceImport.Status
        if log.status == S.SAVED:
            return self._saved(request, log)
        context = {"log": log, "filename": log.filename, "kind_label": kind_labels()[log.kind],
                   "status_label": log.get_status_display()}
        if log.status in (S.QUEUED, S.CHECKING, S.SAVING):
            return self.render_to_response(self.get_context_data(
                **context, running=True, refresh_seconds=self.refresh_seconds,
                percent=int(100 * log.rows_done / log.rows_total) if log.rows_total else 0))
        if log.status == S.FAILED:
            return self.render_to_response(self.get_context_data(**context, failed=True))
        preview, labels = log.preview, field_labels()
        rejected_count = preview["rejected_count"]
        earlier = performance_imports().filter(file_sha256=log.file_sha256).first()
        return self.render_to_response(self.get_context_data(
            **context, earlier=earlier,
            summary=_summary(created=preview["created"], updated=preview["updated"],
                             unchanged=preview["unchanged"], rejected=rejected_count),
            columns=[(labels[name], header) for name, header in preview["columns"].items()],
            ignored=preview["ignored"], rejected=preview["rejected"], rejected_count=rejected_count,
            rejected_more=max(rejected_count - len(preview["rejected"]), 0),
            sample_headings=[labels[name] for name in preview["sample_fields"]],
            sample=[(number, [_shown(value) for value in values]) for number, values in preview["sample"]],
            rows_total=preview["rows_total"], changes=preview["created"] + preview["updated"] > 0))

    def post(self, request, *args, **kwargs):
        log, language = self.log, translation.get_language()
        try:
            if request.POST.get("action") == "retry":
                performance_import_retry(performance_import=log)
                performance_import_check_task.delay(log.pk, language)
                return redirect(url("import_preview", self.kwargs["token"]))
            performance_import_confirm(performance_import=log)
        except ApplicationError as error:
            for message in error_messages(error):
                messages.error(request, message)
            return redirect(url("import_preview", self.kwargs["token"]))
        performance_import_save_task.delay(log.pk, language)
        log.refresh_from_db()
        if log.status == PerformanceImport.Status.SAVED:  # the task ran at once (no worker: development, tests)
            return self._saved(request, log)
        return redirect(url("import_preview", self.kwargs["token"]))


class ImportDetailView(RolesRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    required_roles = VIEW_ROLES
    template_name = "portal/admin/performance/import.html"
    header_icon = "upload"

    @cached_property
    def performance_import(self) -> PerformanceImport:
        found = performance_imports().filter(pk=self.kwargs["pk"]).first()
        if found is None:
            raise Http404
        return found

    def get_page_title(self):
        return _("Import of %(date)s") % {
            "date": date_format(timezone.localtime(self.performance_import.imported_at), "Y-m-d H:i")}

    def get_page_subtitle(self):
        return self.performance_import.filename

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": url("imports"), "label": _("Performance data imports")},
                {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        log = self.performance_import
        labels = field_labels()
        context.update(
            log=log, kind_label=kind_labels()[log.kind],
            summary=_summary(created=log.rows_created, updated=log.rows_updated, unchanged=log.rows_unchanged,
                             rejected=log.rows_rejected),
            columns=[(labels[name], log.columns[name]) for name in FIELDS[log.kind] if name in log.columns],
            rejected=performance_import_rejected_rows(performance_import=log, limit=PREVIEW_REJECTED),
            rejected_more=max(log.rows_rejected - PREVIEW_REJECTED, 0),
            can_import=user_has_any_role(self.request.user, IMPORT_ROLES))
        return context


def _spreadsheet_response(data, *, filename: str, export_format: str) -> HttpResponse:
    if export_format == "xlsx":
        response = HttpResponse(data.export("xlsx"), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    else:
        response = HttpResponse("\ufeff" + data.export("csv"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{export_format}"'
    response["Cache-Control"] = "private, no-store"
    return response


class RejectedRowsDownloadView(RolesRequiredMixin, View):
    """The rejected rows of an import as CSV or XLSX (the file's own columns and the reasons); recorded."""

    required_roles = VIEW_ROLES

    def get(self, request, pk: int, export_format: str):
        log = performance_imports().filter(pk=pk).first()
        if log is None or export_format not in ("csv", "xlsx"):
            raise Http404
        data = performance_import_rejections(performance_import=log)
        for index, row in enumerate(data):
            data[index] = tuple(export_value(cell) for cell in row)  # cells a spreadsheet will not run
        audit_entry_create(actor=request.user, action="portal.performance_import.rejections_downloaded", target=log,
                           data={"format": export_format, "rows": data.height}, ip_address=_ip(request))
        return _spreadsheet_response(data, filename=f"rejected-rows-{log.pk}", export_format=export_format)


class TemplateDownloadView(RolesRequiredMixin, View):
    """An empty file of one kind with our headers in the admin's language and an example row."""

    required_roles = VIEW_ROLES

    def get(self, request, kind: str, export_format: str):
        if kind not in kind_labels() or export_format not in ("csv", "xlsx"):
            raise Http404
        return _spreadsheet_response(performance_template(kind=kind), filename=f"template-{kind}",
                                     export_format=export_format)
