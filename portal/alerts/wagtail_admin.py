"""Wagtail admin registrations of the rating alerts: their pages (`admin_views`) and their item in the
"Performance" menu, next to the credit ratings."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSet

from portal.performance.admin_views import PerformanceMenuItem

from . import admin_views as views


class AlertsViewSet(ViewSet):
    name = "alerts"
    url_prefix = "alerts"
    url_namespace = views.URL_NAMESPACE

    def get_urlpatterns(self):
        return [
            path("", views.AlertListView.as_view(), name="index"),
            path("results/", views.AlertListView.as_view(results_only=True), name="index_results"),
            path("<int:pk>/", views.AlertDetailView.as_view(), name="detail"),
        ]


@hooks.register("register_admin_viewset")
def register_alerts_viewset():
    return AlertsViewSet()


@hooks.register("register_performance_menu_item")
def alerts_menu_item():
    return PerformanceMenuItem(_("Rating alerts"), views.url("index"), name="rating-alerts", icon_name="warning",
                               order=145, roles=views.VIEW_ROLES)
