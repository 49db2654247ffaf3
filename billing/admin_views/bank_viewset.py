"""Registration of the bank-transfer screens with the Wagtail admin (see `billing.wagtail_hooks`)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.base import ViewSet

from . import bank, bank_statements
from .bank import URL_NAMESPACE

MENU = {
    "index": (_("Confirm bank transfers"), "tick"),
    "record": (_("Record a bank transfer"), "plus"),
    "statements": (_("Bank statement imports"), "table"),
}


def bank_menu_item(name: str, *, order: int):
    """An item of the Finance menu for one of these pages (shown to finance only)."""
    from django.urls import reverse

    from .lists import FinanceMenuItem

    label, icon = MENU[name]
    return FinanceMenuItem(label, reverse(f"{URL_NAMESPACE}:{name}"), name=f"bank-{name}", icon_name=icon,
                           order=order)


class BankTransferViewSet(ViewSet):
    """/admin/billing/bank/: transfers awaiting confirmation, record a receipt, one transfer, statement imports."""

    name = "billing_bank"
    url_prefix = "billing/bank"
    url_namespace = URL_NAMESPACE
    icon = "form"
    menu_label = _("Bank transfers")
    menu_name = "billing_bank"
    menu_order = 175
    add_to_admin_menu = False  # its pages are items of the Finance menu (billing.wagtail_hooks)

    def get_urlpatterns(self):
        return [
            path("", bank.PendingTransfersView.as_view(), name="index"),
            path("record/", bank.RecordReceiptView.as_view(), name="record"),
            path("<int:pk>/", bank.TransferDetailView.as_view(), name="payment"),
            path("<int:pk>/confirm/", bank.ConfirmView.as_view(), name="confirm"),
            path("<int:pk>/reject/", bank.RejectView.as_view(), name="reject"),
            path("<int:pk>/receipt/", bank.ReceiptDownloadView.as_view(), name="receipt"),
            path("statements/", bank_statements.StatementListView.as_view(), name="statements"),
            path("statements/new/", bank_statements.StatementUploadView.as_view(), name="statement_new"),
            path("statements/preview/<str:token>/", bank_statements.StatementPreviewView.as_view(),
                 name="statement_preview"),
            path("statements/<int:pk>/", bank_statements.StatementDetailView.as_view(), name="statement"),
        ]


bank_transfer_viewset = BankTransferViewSet()
