"""Registration of the contract screens with the Wagtail admin (see `contracts.wagtail_hooks`)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from . import detail, exports, listing, selection
from .access import user_is_contract_staff


class ContractStaffMenuItem(MenuItem):
    """Shown to recruitment leads, compliance, finance and administrators (and superusers) only."""

    def is_shown(self, request) -> bool:
        return user_is_contract_staff(request.user)


class ContractAdminViewSet(ViewSet):
    """/admin/contracts/: the list, one contract with its actions, the bulk PDF downloads."""

    name = "contracts"
    url_namespace = listing.URL_NAMESPACE
    icon = "doc-full"
    menu_label = _("Contracts")
    menu_name = "contracts"
    menu_order = 160
    add_to_admin_menu = True
    menu_item_class = ContractStaffMenuItem

    def get_urlpatterns(self):
        return [
            path("", listing.ContractListView.as_view(), name="index"),
            path("results/", listing.ContractListView.as_view(results_only=True), name="index_results"),
            path("bulk/export/<str:export_format>/", selection.BulkExportView.as_view(), name="bulk_export"),
            path("exports/new/", exports.ExportNewView.as_view(), name="export_new"),
            path("exports/<int:pk>/", exports.ExportDetailView.as_view(), name="export"),
            path("exports/<int:pk>/status/", exports.ExportStatusView.as_view(), name="export_status"),
            path("exports/<int:pk>/download/", exports.ExportDownloadView.as_view(), name="export_download"),
            path("<int:pk>/", detail.ContractDetailView.as_view(), name="detail"),
            path("<int:pk>/terms/", detail.TermsEditView.as_view(), name="terms"),
            path("<int:pk>/ladder/", detail.LadderEditView.as_view(), name="ladder"),
            path("<int:pk>/issue/", detail.IssueView.as_view(), name="issue"),
            path("<int:pk>/withdraw/", detail.WithdrawView.as_view(), name="withdraw"),
            path("<int:pk>/cancel/", detail.CancelView.as_view(), name="cancel"),
            path("<int:pk>/countersign/", detail.CountersignView.as_view(), name="countersign"),
            path("<int:pk>/terminate/", detail.TerminateView.as_view(), name="terminate"),
            path("<int:pk>/amendment/", detail.AmendmentDraftView.as_view(), name="amendment"),
            path("<int:pk>/renewal/draft/", detail.RenewalDraftView.as_view(), name="renewal_draft"),
            path("<int:pk>/renewal/override/", detail.RenewalOverrideView.as_view(), name="renewal_override"),
            path("<int:pk>/documents/<int:document_pk>/", detail.DocumentDownloadView.as_view(), name="document"),
        ]


contract_admin_viewset = ContractAdminViewSet()
