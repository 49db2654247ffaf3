"""The credit rating in the Wagtail admin (namespace "ratings", /admin/ratings/, under "Performance data"): the
ratings of a day with filters and the latest recomputes' progress, and one merchant's rating with its breakdown
and history. For recruitment leads, compliance, finance, management and administrators; a 403 for anyone else."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from portal.admin_export import ExportColumnsMixin
from portal.audit import audit_entry_create
from portal.models import Merchant, MerchantGrade
from portal.roles import Role, RoleRequiredMixin

from .selectors import (
    UNRATED_GRADE,
    rating_breakdown,
    rating_current,
    rating_history,
    rating_model_in_force,
    rating_runs_recent,
    ratings_for_staff,
)

URL_NAMESPACE = "ratings"
PAGE_SIZE = 50
HISTORY_DAYS = 90
STAFF_ROLES = frozenset({Role.LEAD.value, Role.COMPLIANCE.value, Role.FINANCE.value, Role.MANAGEMENT.value,
                         Role.ADMIN.value})


def url(name: str, *args) -> str:
    return reverse(f"{URL_NAMESPACE}:{name}", args=args)


def _points(name: str):
    return lambda r, now: getattr(r, f"{name}_points")


class RatingListView(RoleRequiredMixin, ExportColumnsMixin, SpreadsheetExportMixin, WagtailAdminTemplateMixin,
                     TemplateView):
    """The ratings of a day, filtered; `?export=csv|xlsx` downloads the same filtered rows (every page), audited."""

    required_roles = STAFF_ROLES
    template_name = "ratings/admin/list.html"
    header_icon = "pick"
    export_filename = "credit-ratings"
    export_columns = {
        "merchant_id": (gettext_lazy("Merchant id"), lambda r, now: r.merchant_id),
        "merchant": (gettext_lazy("Merchant"), lambda r, now: r.merchant.name),
        "as_of": (gettext_lazy("As of"), lambda r, now: r.as_of),
        "grade": (gettext_lazy("Grade"), lambda r, now: r.grade if r.rated else str(
            pgettext_lazy("not rated", "N/R"))),
        "score": (gettext_lazy("Score"), lambda r, now: r.score),
        "orders": (gettext_lazy("Orders"), lambda r, now: r.order_count),
        "fulfilment": (gettext_lazy("Fulfilment points"), _points("fulfilment")),
        "on_time": (gettext_lazy("On-time points"), _points("on_time")),
        "returns": (gettext_lazy("Returns points"), _points("returns")),
        "complaints": (gettext_lazy("Complaints points"), _points("complaints")),
        "satisfaction": (gettext_lazy("Satisfaction points"), _points("satisfaction")),
        "model_version": (gettext_lazy("Rating model version"), lambda r, now: r.model_version.number),
    }

    def filtered(self):
        params = self.request.GET
        as_of = parse_date(params.get("as_of") or "") if params.get("as_of") else None
        return as_of, ratings_for_staff(as_of=as_of, grade=params.get("grade", ""), query=params.get("q", ""))

    def get(self, request, *args, **kwargs):
        if self.is_export:
            audit_entry_create(actor=request.user, action="portal.ratings.exported",
                               data={"format": request.GET.get("export"),
                                     "params": {key: request.GET.getlist(key) for key in request.GET
                                                if key not in ("export", "p")}},
                               ip_address=request.META.get("REMOTE_ADDR") or None)
            return self.as_spreadsheet(self.filtered()[1], request.GET["export"])
        return super().get(request, *args, **kwargs)

    def get_page_title(self):
        return _("Credit ratings")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        grade, query = params.get("grade", ""), params.get("q", "")
        as_of, rows = self.filtered()
        page = Paginator(rows, PAGE_SIZE).get_page(params.get("p"))
        context.update(page=page, ratings=list(page.object_list), runs=rating_runs_recent(), grade=grade, query=query,
                       as_of=as_of, grades=[*MerchantGrade.values[:4], "NR"], unrated_grade=UNRATED_GRADE,
                       shown_day=page.object_list[0].as_of if page.object_list else as_of,
                       model_url=url("model_index"))
        return context


class MerchantRatingView(RoleRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    required_roles = STAFF_ROLES
    template_name = "ratings/admin/merchant.html"
    header_icon = "pick"

    @cached_property
    def merchant(self) -> Merchant:
        return get_object_or_404(Merchant, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("Credit rating")

    def get_page_subtitle(self):
        return self.merchant.name

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": url("list"), "label": _("Credit ratings")},
                {"url": "", "label": self.merchant.name}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        on = parse_date(self.request.GET.get("on") or "") or None
        if self.request.GET.get("on") and on is None:
            raise Http404
        rating = rating_current(merchant=self.merchant, on=on or dt.date.max)
        context.update(merchant=self.merchant, rating=rating,
                       breakdown=rating_breakdown(rating=rating) if rating else [],
                       history=list(rating_history(merchant=self.merchant, limit=HISTORY_DAYS)),
                       model=rating.model_version if rating else rating_model_in_force(),
                       unrated_grade=UNRATED_GRADE)
        return context
