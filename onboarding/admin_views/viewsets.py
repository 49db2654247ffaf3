"""Registration of the review screens with the Wagtail admin (see `onboarding.wagtail_hooks`)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from . import bulk, detail, queue
from .access import user_is_review_staff


class ReviewStaffMenuItem(MenuItem):
    """Shown to reviewers, leads, compliance (and superusers) only."""

    def is_shown(self, request) -> bool:
        return user_is_review_staff(request.user)


class ApplicationReviewViewSet(ViewSet):
    """/admin/applications/: the queue, one application with its actions, bulk actions."""

    name = "applications"
    url_namespace = queue.URL_NAMESPACE
    icon = "form"
    menu_label = _("Applications")
    menu_name = "applications"
    menu_order = 150
    add_to_admin_menu = True
    menu_item_class = ReviewStaffMenuItem

    def get_urlpatterns(self):
        return [
            path("", queue.ApplicationQueueView.as_view(), name="index"),
            path("results/", queue.ApplicationQueueView.as_view(results_only=True), name="index_results"),
            path("<int:pk>/", detail.ApplicationDetailView.as_view(), name="detail"),
            path("<int:pk>/start-review/", detail.StartReviewView.as_view(), name="start_review"),
            path("<int:pk>/documents/<int:document_pk>/check/", detail.DocumentCheckView.as_view(),
                 name="document_check"),
            path("<int:pk>/documents/accept-remaining/", detail.AcceptRemainingDocumentsView.as_view(),
                 name="documents_accept_remaining"),
            path("<int:pk>/files/<int:file_pk>/", detail.DocumentFileView.as_view(), name="file"),
            path("<int:pk>/info-request/", detail.InfoRequestView.as_view(), name="info_request"),
            path("<int:pk>/compliance-signoff/", detail.ComplianceSignoffView.as_view(), name="compliance_signoff"),
            path("<int:pk>/approve/", detail.ApproveView.as_view(), name="approve"),
            path("<int:pk>/reject/", detail.RejectView.as_view(), name="reject"),
            path("<int:pk>/reassign/", detail.ReassignView.as_view(), name="reassign"),
            path("bulk/assign/", bulk.BulkAssignView.as_view(), name="bulk_assign"),
            path("bulk/export/<str:export_format>/", bulk.BulkExportView.as_view(), name="bulk_export"),
        ]


application_review_viewset = ApplicationReviewViewSet()
