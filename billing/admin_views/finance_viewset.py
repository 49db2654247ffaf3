"""/admin/billing/finance/ (namespace `billing_finance`): the finance lists and a deposit's page, and the
"Finance" menu that holds them (other areas add their own items to it, see `lists.finance_menu`)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import SubmenuMenuItem
from wagtail.admin.viewsets.base import ViewSet

from . import deposit_detail, finance
from .lists import URL_NAMESPACE, FinanceMenuItem, finance_menu, url

# the lists in the Finance menu: (view, menu label, icon, order)
MENU = [
    (finance.DepositListView, _("Deposits"), "lock", 100),
    (finance.PaymentListView, _("Payments"), "form", 110),
    (finance.BankTransferListView, _("Pending bank transfers"), "time", 120),
    (finance.DeductionListView, _("Deductions awaiting approval"), "warning", 130),
    (finance.RefundListView, _("Refunds due"), "undo", 140),
    (finance.InvoiceListView, _("Invoices"), "doc-full-inverse", 150),
]


class FinanceViewSet(ViewSet):
    name = "billing_finance"
    url_prefix = "billing/finance"
    url_namespace = URL_NAMESPACE

    def get_urlpatterns(self):
        patterns = []
        for view, _label, _icon, _order in MENU:
            patterns += [path(f"{view.url_name.replace('_', '-')}/", view.as_view(), name=view.url_name),
                         path(f"{view.url_name.replace('_', '-')}/results/", view.as_view(results_only=True),
                              name=f"{view.url_name}_results")]
        patterns.append(path("deposits/<int:pk>/", deposit_detail.DepositDetailView.as_view(), name="deposit"))
        return patterns

    def menu_items(self):
        items = []
        for view, label, icon, order in MENU:
            def item(view=view, label=label, icon=icon, order=order):
                return FinanceMenuItem(label, url(view.url_name), name=f"finance-{view.url_name}",
                                       icon_name=icon, order=order)
            items.append(item)
        return items


class FinanceSubmenuMenuItem(SubmenuMenuItem):
    """The "Finance" menu, shown when one of its items is (finance staff)."""


def finance_menu_item():
    return FinanceSubmenuMenuItem(_("Finance"), finance_menu, name="finance", icon_name="form", order=170)


finance_viewset = FinanceViewSet()
