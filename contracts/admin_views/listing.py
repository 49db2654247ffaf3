"""The contract list [合同列表]: filtered, searchable, sortable, paginated, with CSV/XLSX of the same rows and
the bulk PDF download of selected rows or of the whole filtered list.

A page reads the contracts with their merchant in one query (plus the count and the filter form's category
choices), so it costs the same number of queries for 10 or 100,000 contracts.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column, StatusTagColumn, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.widgets.button import HeaderButton

from portal.admin_export import ExportColumnsMixin
from portal.audit import audit_entry_create
from portal.money import format_money

from ..filters import ContractFilterSet
from ..models import Contract, ContractStatus
from .access import ContractStaffRequiredMixin

URL_NAMESPACE = "contracts_admin"
PAGE_SIZE = 50


def url(name: str, *args) -> str:
    return reverse(f"{URL_NAMESPACE}:{name}", args=args)


def contract_list_queryset() -> models.QuerySet[Contract]:
    """Every contract with what a list row shows (its merchant), newest first."""
    return Contract.objects.select_related("merchant").order_by("-created_at", "-id")


def _deposit(contract: Contract) -> str:
    return format_money(contract.deposit_amount, contract.currency)


def _term_end(contract: Contract) -> str:
    # the day itself (Wagtail's date column tells datetimes relative to now: "in 2 years")
    return date_format(contract.ends_on, "SHORT_DATE_FORMAT") if contract.ends_on else "—"


def _categories(contract: Contract, now) -> str:
    return ", ".join(str(c.name) for c in contract.categories.all())


EXPORT_COLUMNS = {
    "number": (_("Contract number"), lambda c, now: c.number),
    "kind": (_("Kind"), lambda c, now: str(c.get_kind_display())),
    "merchant": (_("Merchant"), lambda c, now: c.merchant.name),
    "legal_name": (_("Registered name"), lambda c, now: c.merchant_legal_name),
    "credit_code": (_("Unified social credit code"), lambda c, now: c.merchant_credit_code),
    "mode": (_("Cooperation mode"), lambda c, now: str(c.get_mode_display())),
    "status": (_("Status"), lambda c, now: str(c.get_status_display())),
    "grade": (_("Grade"), lambda c, now: c.grade),
    "categories": (_("Categories"), _categories),
    "deposit": (_("Deposit"), lambda c, now: c.deposit_amount),
    "currency": (_("Currency"), lambda c, now: c.currency),
    "term_months": (_("Term (months)"), lambda c, now: c.term_months),
    "starts_on": (_("Starts on"), lambda c, now: c.starts_on),
    "ends_on": (_("Ends on"), lambda c, now: c.ends_on),
    "issued_at": (_("Issued"), lambda c, now: c.issued_at),
    "accepted_at": (_("Accepted"), lambda c, now: c.accepted_at),
    "countersigned_at": (_("Countersigned"), lambda c, now: c.countersigned_at),
}


class ContractListExportMixin(ExportColumnsMixin):
    export_columns = EXPORT_COLUMNS
    export_filename = "contracts"

    def export_rows(self, queryset):
        # a chunked iterator prefetches the categories of each chunk: two queries per 2,000 rows
        return queryset.prefetch_related("categories").iterator(chunk_size=self.EXPORT_CHUNK)


class ContractListView(ContractStaffRequiredMixin, ContractListExportMixin, IndexView):
    """Menu "Contracts": every contract, with the filters of `ContractFilterSet`."""

    model = Contract
    template_name = "contracts/admin/list.html"
    results_template_name = "contracts/admin/list_results.html"
    index_url_name = f"{URL_NAMESPACE}:index"
    index_results_url_name = f"{URL_NAMESPACE}:index_results"
    filterset_class = ContractFilterSet
    search_fields = ["number", "merchant__name", "merchant_legal_name", "merchant_credit_code"]
    search_backend_name = None
    paginate_by = PAGE_SIZE
    page_title = _("Contracts")
    header_icon = "doc-full"
    # the role check replaces model permissions (ContractStaffRequiredMixin)
    any_permission_required = None
    permission_required = None

    def get_base_queryset(self) -> models.QuerySet:
        return contract_list_queryset()

    def order_queryset(self, queryset):
        if not self.ordering:
            return queryset.order_by("-created_at", "-id")
        field = self.ordering.lstrip("-")
        expression = (models.F(field).desc(nulls_last=True) if self.ordering.startswith("-")
                      else models.F(field).asc(nulls_last=True))
        return queryset.order_by(expression, "-id")

    def get(self, request, *args, **kwargs):
        if self.is_export:
            export_format = request.GET.get("export")
            audit_entry_create(actor=request.user, action="contracts.contract_list.exported",
                               data={"format": export_format, "params": list_params(request)},
                               ip_address=request.META.get("REMOTE_ADDR") or None)
            return self.as_spreadsheet(self.get_queryset(), export_format)
        return super().get(request, *args, **kwargs)

    @cached_property
    def columns(self):
        return [
            BulkActionsCheckboxColumn("bulk_actions", obj_type="contract"),
            TitleColumn("number", label=_("Contract number"), sort_key="number",
                        get_url=lambda c: url("detail", c.pk), get_title_id=lambda c: f"contract_{c.pk}_title"),
            Column("merchant", label=_("Merchant"), accessor="merchant_legal_name", sort_key="merchant_legal_name"),
            Column("kind", label=_("Kind"), accessor="get_kind_display", sort_key="kind"),
            Column("mode", label=_("Cooperation mode"), accessor="get_mode_display", sort_key="mode"),
            StatusTagColumn("status", label=_("Status"), accessor="get_status_display", sort_key="status",
                            primary=lambda c: c.status in (ContractStatus.ACTIVE, ContractStatus.SIGNED)),
            Column("grade", label=_("Grade"), sort_key="grade"),
            Column("deposit", label=_("Deposit"), accessor=_deposit, sort_key="deposit_amount",
                   classname="contracts-number"),
            Column("ends_on", label=_("Term ends"), accessor=_term_end, sort_key="ends_on"),
        ]

    @cached_property
    def header_buttons(self):
        params = self.request.GET.copy()
        for key in ("p", "export"):
            params.pop(key, None)
        query = params.urlencode()
        return [*super().header_buttons, HeaderButton(
            _("Download the PDFs of this list"), url=url("export_new") + "?" + ("id=all&" + query if query
                                                                              else "id=all"),
            icon_name="download", priority=30)]

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["bulk_actions"] = [
            {"label": _("Download PDFs (zip)"), "url": url("export_new")},
            {"label": _("Export CSV"), "url": url("bulk_export", "csv")},
            {"label": _("Export XLSX"), "url": url("bulk_export", "xlsx")},
        ]
        return context


def list_params(request) -> dict:
    """The list's filters as given, for the audit log (paging and the export switch left out)."""
    return {key: request.GET.getlist(key) for key in request.GET if key not in ("export", "next", "p", "id")}
