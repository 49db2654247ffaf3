"""Wagtail admin registrations of performance data: the "Performance" menu, its lists and the file imports
(see `admin_views`)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSet

from . import admin_views as views
from .admin_views import IMPORT_ROLES, URL_NAMESPACE, PerformanceMenuItem, url


class PerformanceViewSet(ViewSet):
    name = "performance"
    url_prefix = "performance"
    url_namespace = URL_NAMESPACE

    def get_urlpatterns(self):
        return [
            path("order-lines/", views.OrderLineListView.as_view(), name="order_lines"),
            path("order-lines/results/", views.OrderLineListView.as_view(results_only=True),
                 name="order_lines_results"),
            path("imports/", views.ImportListView.as_view(), name="imports"),
            path("imports/results/", views.ImportListView.as_view(results_only=True), name="imports_results"),
            path("imports/new/", views.ImportUploadView.as_view(), name="import_new"),
            path("imports/preview/<str:token>/", views.ImportPreviewView.as_view(), name="import_preview"),
            path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import"),
            path("imports/<int:pk>/rejected.<str:export_format>", views.RejectedRowsDownloadView.as_view(),
                 name="import_rejected"),
            path("imports/template/<str:kind>.<str:export_format>", views.TemplateDownloadView.as_view(),
                 name="import_template"),
        ]


@hooks.register("register_admin_viewset")
def register_performance_viewset():
    return PerformanceViewSet()


hooks.register("register_admin_menu_item", views.performance_menu_item)


@hooks.register("register_performance_menu_item")
def order_lines_menu_item():
    return PerformanceMenuItem(_("Order lines"), url("order_lines"), name="order-lines", icon_name="table",
                               order=100)


@hooks.register("register_performance_menu_item")
def imports_menu_item():
    return PerformanceMenuItem(_("Imports"), url("imports"), name="performance-imports", icon_name="list-ul",
                               order=120)


@hooks.register("register_performance_menu_item")
def import_new_menu_item():
    return PerformanceMenuItem(_("Import a file"), url("import_new"), name="performance-import-new",
                               icon_name="upload", order=130, roles=IMPORT_ROLES)


@hooks.register("insert_global_admin_css")
def performance_admin_css():
    from django.templatetags.static import static
    from django.utils.html import format_html

    return format_html('<link rel="stylesheet" href="{}">', static("portal/admin/performance.css"))
