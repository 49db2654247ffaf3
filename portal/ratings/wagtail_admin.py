"""Wagtail admin registrations of the credit rating: its pages (`admin_views`) and its item in the
"Performance data" menu."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSet

from portal.performance.admin_views import PerformanceMenuItem

from . import admin_versions as versions
from . import admin_views as views


class RatingsViewSet(ViewSet):
    name = "ratings"
    url_prefix = "ratings"
    url_namespace = views.URL_NAMESPACE

    def get_urlpatterns(self):
        return [
            path("", views.RatingListView.as_view(), name="list"),
            path("merchants/<int:pk>/", views.MerchantRatingView.as_view(), name="merchant"),
            path("model/", versions.RatingModelIndexView.as_view(), name="model_index"),
            path("model/new/", versions.RatingModelProposeView.as_view(), name="model_propose"),
            path("model/<int:pk>/", versions.RatingModelDetailView.as_view(), name="model_detail"),
            path("model/<int:pk>/approve/", versions.RatingModelApproveView.as_view(), name="model_approve"),
            path("model/<int:pk>/discard/", versions.RatingModelDiscardView.as_view(), name="model_discard"),
        ]


@hooks.register("register_admin_viewset")
def register_ratings_viewset():
    return RatingsViewSet()


@hooks.register("register_performance_menu_item")
def ratings_menu_item():
    return PerformanceMenuItem(_("Credit ratings"), views.url("list"), name="credit-ratings", icon_name="pick",
                               order=140, roles=views.STAFF_ROLES)


@hooks.register("insert_global_admin_css")
def ratings_admin_css():
    from django.templatetags.static import static
    from django.utils.html import format_html

    return format_html('<link rel="stylesheet" href="{}">', static("portal/ratings.css"))
