"""Registration of the bank-transfer screens with the Wagtail admin (see `billing.wagtail_hooks`)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from . import bank
from .bank import URL_NAMESPACE, user_is_bank_staff


class BankStaffMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return user_is_bank_staff(request.user)


class BankTransferViewSet(ViewSet):
    """/admin/billing/bank/: transfers awaiting confirmation, record a receipt, one transfer, statement imports."""

    name = "billing_bank"
    url_prefix = "billing/bank"
    url_namespace = URL_NAMESPACE
    icon = "form"
    menu_label = _("Bank transfers")
    menu_name = "billing_bank"
    menu_order = 175
    add_to_admin_menu = True
    menu_item_class = BankStaffMenuItem

    def get_urlpatterns(self):
        return [
            path("", bank.PendingTransfersView.as_view(), name="index"),
            path("record/", bank.RecordReceiptView.as_view(), name="record"),
            path("<int:pk>/", bank.TransferDetailView.as_view(), name="detail"),
            path("<int:pk>/confirm/", bank.ConfirmView.as_view(), name="confirm"),
            path("<int:pk>/reject/", bank.RejectView.as_view(), name="reject"),
            path("<int:pk>/receipt/", bank.ReceiptDownloadView.as_view(), name="receipt"),
        ]


bank_transfer_viewset = BankTransferViewSet()
