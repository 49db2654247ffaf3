"""What the finance screens of the Wagtail admin share: who may open them, the "Finance" menu, and the base of
every finance list.

- `FinanceRequiredMixin`: finance, management and administrators (and superusers) enter; anyone else gets a 403
  page before any work.
- `finance_menu`: the admin's "Finance" menu. An area adds its own item with
  `@hooks.register("register_billing_finance_menu_item")` returning a `FinanceMenuItem` (shown to finance staff
  only); `order` sorts the items (the lists take 100–160; actions of other areas 200 and up).
- `FinanceListView`: a Wagtail generic `IndexView` with a django-filter filterset, the totals of the filtered rows
  (one grouped query, one line per currency: amounts in different currencies are never added together), CSV/XLSX
  downloads of the same rows through `portal.admin_export`, and a page costing the same number of queries for
  10 or 100,000 rows (the list query selects what a row shows; subclasses annotate instead of reading per row).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import Menu, MenuItem
from wagtail.admin.views.generic import IndexView

from portal.admin_export import ExportColumnsMixin
from portal.audit import audit_entry_create
from portal.money import format_money
from portal.roles import Role, user_has_any_role

URL_NAMESPACE = "billing_finance"
PAGE_SIZE = 50

# who works with money in the admin (BUSINESS_RULES §4.3): finance records and proposes, management is the second
# approver above the thresholds, administrators oversee
FINANCE_ROLES = frozenset({Role.FINANCE.value, Role.MANAGEMENT.value, Role.ADMIN.value})


def user_is_finance_staff(user: Any) -> bool:
    return user_has_any_role(user, FINANCE_ROLES)


def url(name: str, *args: Any) -> str:
    return reverse(f"{URL_NAMESPACE}:{name}", args=args)


def url_or_none(name: str, *args: Any) -> str | None:
    """The URL of another area's admin page, or None while that area is not installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


class FinanceRequiredMixin:
    """403 (a page that says who works here) for anyone without a finance role; put it first among the bases."""

    required_roles = FINANCE_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not user_has_any_role(request.user, self.required_roles):
            return TemplateResponse(request, "billing/admin/forbidden.html", {
                "page_title": _("No access to finance"), "header_icon": "warning"}, status=403)
        return super().dispatch(request, *args, **kwargs)


class FinanceMenuItem(MenuItem):
    """An item of the Finance menu, shown to finance staff only."""

    def is_shown(self, request) -> bool:
        return user_is_finance_staff(request.user)


finance_menu = Menu(register_hook_name="register_billing_finance_menu_item",
                    construct_hook_name="construct_billing_finance_menu")


def breadcrumbs_under(view, *, url: str, label: Any) -> list[dict[str, Any]]:
    """The breadcrumbs of an admin page that sits under another (a list, a run): the admin's own items, the page
    above (`url`, `label`), then the view's title."""
    return [*view.breadcrumbs_items, {"url": url, "label": label}, {"url": "", "label": view.get_page_title()}]


class Total:
    """One figure of the totals line: `label` and an aggregate over the filtered rows (e.g. `Sum("amount")`)."""

    def __init__(self, label: Any, expression: models.Aggregate, *, money: bool = True):
        self.label = label
        self.expression = expression
        self.money = money


class FinanceListView(FinanceRequiredMixin, ExportColumnsMixin, IndexView):
    """Base of the finance lists. Subclasses set `model`, `filterset_class`, `columns`, `export_columns`,
    `export_filename`, `totals` (key → Total), and `get_base_queryset()`; `url_name` names the list in the
    `url_namespace` namespace, `billing_finance` unless an area sets its own (the results view is
    `<url_name>_results`)."""

    template_name = "billing/admin/list.html"
    results_template_name = "billing/admin/list_results.html"
    url_name = ""
    url_namespace = URL_NAMESPACE
    paginate_by = PAGE_SIZE
    search_backend_name = None
    header_icon = "doc-full"
    totals: dict[str, Total] = {}
    totals_currency_field = "currency"
    list_ordering = ("-id",)
    # the role check replaces model permissions (FinanceRequiredMixin)
    any_permission_required = None
    permission_required = None

    @property
    def index_url_name(self) -> str:
        return f"{self.url_namespace}:{self.url_name}"

    @property
    def index_results_url_name(self) -> str:
        return f"{self.url_namespace}:{self.url_name}_results"

    def order_queryset(self, queryset):
        if not self.ordering:
            return queryset.order_by(*self.list_ordering)
        field = self.ordering.lstrip("-")
        expression = (models.F(field).desc(nulls_last=True) if self.ordering.startswith("-")
                      else models.F(field).asc(nulls_last=True))
        return queryset.order_by(expression, "-pk")

    def totals_rows(self, queryset: models.QuerySet) -> dict[str, dict[str, Any]]:
        """currency → {"count": rows, key: sum, ...} over the filtered rows: one grouped query. A list whose
        figures are dearer per row (sums of other tables) overrides it with set-based queries."""
        rows = (queryset.order_by().values(self.totals_currency_field)
                .annotate(total__count=models.Count("pk"),
                          **{f"total__{key}": total.expression for key, total in self.totals.items()}))
        return {row[self.totals_currency_field]: {key.removeprefix("total__"): value for key, value in row.items()
                                                  if key.startswith("total__")} for row in rows}

    def totals_of(self, queryset: models.QuerySet) -> list[dict[str, Any]]:
        """The totals of the filtered rows, one line per currency: [{"currency", "count", "figures": [{"key",
        "label", "value", "display"}]}]."""
        if not self.totals:
            return []
        lines = []
        for currency, row in sorted(self.totals_rows(queryset).items()):
            figures = []
            for key, total in self.totals.items():
                value = row.get(key)
                value = Decimal("0") if value is None else value
                figures.append({"key": key, "label": total.label, "value": value,
                                "display": format_money(value, currency) if total.money else value})
            lines.append({"currency": currency, "count": row.get("count", 0), "figures": figures})
        return lines

    def get(self, request, *args, **kwargs):
        if self.is_export:
            export_format = request.GET.get("export")
            audit_entry_create(actor=request.user, action=f"billing.finance.{self.url_name}.exported",
                               data={"format": export_format, "params": list_params(request)},
                               ip_address=request.META.get("REMOTE_ADDR") or None)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        if not self.is_export:
            context["totals"] = self.totals_of(self.object_list)
        return context


def list_params(request) -> dict:
    """The list's filters as given, for the audit log (paging and the export switch left out)."""
    return {key: request.GET.getlist(key) for key in request.GET if key not in ("export", "p")}
