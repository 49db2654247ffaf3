"""Subsidy enrolments in the admin (namespace `billing_subsidies`, /admin/billing/subsidy-enrolments/): the list
(filters by merchant, policy item and year; for the year chosen, the item's cap per year, what the merchant has
used of it on statements and what is left; CSV/XLSX), and the form finance enrols a merchant with or changes an
enrolment's dates with. Finance and management read; the service lets finance alone write, checks the dates and
overlaps and audits each change. Refusals come back on the form's fields, never as a 500."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets import AdminDateInput
from wagtail.admin.widgets.button import HeaderButton

from portal.exceptions import ApplicationError, errors_onto_form
from portal.models import Merchant
from portal.models.policy import PolicyItem
from portal.money import format_money

from ..models import SubsidyEnrolment
from ..selectors.subsidies import enrolment_remaining, subsidy_enrolments_with_usage
from ..selectors.timeline import billing_timeline
from ..services.subsidy_enrolments import (
    per_order_items,
    subsidy_enrolment_create,
    subsidy_enrolment_update,
    user_may_edit_enrolments,
)
from .deposit_access import DEPOSIT_STAFF_ROLES, DepositMenuItem, DepositStaffRequiredMixin
from .finance import _day
from .finance_filters import _MerchantSearch
from .lists import FinanceListView

NAMESPACE = "billing_subsidies"


def url(name: str, *args: Any) -> str:
    return reverse(f"{NAMESPACE}:{name}", args=args)


def _years() -> list[tuple[int, str]]:
    this = timezone.localdate().year
    return [(year, str(year)) for year in range(this + 1, this - 5, -1)]


def _money_or_dash(value, currency) -> str:
    return format_money(value, currency) if value is not None and currency else "—"


class SubsidyEnrolmentFilterSet(_MerchantSearch):
    item = django_filters.ModelChoiceFilter(label=gettext_lazy("Policy item"), queryset=PolicyItem.objects.none(),
                                            empty_label=gettext_lazy("Any"))
    year = django_filters.ChoiceFilter(label=gettext_lazy("Year"), choices=_years, method="filter_year",
                                       empty_label=None)

    class Meta:
        model = SubsidyEnrolment
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["item"].queryset = per_order_items()

    def filter_year(self, queryset, name, value):
        """Enrolments in force on some day of the year."""
        if not value:
            return queryset
        value = int(value)
        return queryset.filter(starts_on__year__lte=value).exclude(ends_on__year__lt=value)


class SubsidyEnrolmentListView(FinanceListView):
    required_roles = DEPOSIT_STAFF_ROLES
    model = SubsidyEnrolment
    url_name = "index"
    page_title = gettext_lazy("Subsidy enrolments")
    header_icon = "tick-inverse"
    filterset_class = SubsidyEnrolmentFilterSet
    export_filename = "subsidy-enrolments"
    list_ordering = ("merchant__name", "item__code", "-starts_on")
    export_columns = {
        "merchant": (gettext_lazy("Merchant"), lambda e, now: e.merchant.name),
        "item": (gettext_lazy("Policy item"), lambda e, now: e.item.code),
        "starts_on": (gettext_lazy("Enrolled from"), lambda e, now: e.starts_on),
        "ends_on": (gettext_lazy("Enrolled until"), lambda e, now: e.ends_on),
        "cross_border": (gettext_lazy("Cross-border"), lambda e, now: e.cross_border),
        "currency": (gettext_lazy("Currency"), lambda e, now: e.cap_currency or ""),
        "cap": (gettext_lazy("Annual cap"), lambda e, now: e.cap_year),
        "used": (gettext_lazy("Used in the year"), lambda e, now: e.used),
        "remaining": (gettext_lazy("Remaining"), lambda e, now: enrolment_remaining(e)),
    }

    @property
    def index_url_name(self) -> str:
        return f"{NAMESPACE}:index"

    @property
    def index_results_url_name(self) -> str:
        return f"{NAMESPACE}:index_results"

    @cached_property
    def year(self) -> int:
        value = self.request.GET.get("year", "")
        valid = {year for year, _label in _years()}
        return int(value) if value.isdigit() and int(value) in valid else timezone.localdate().year

    def get_base_queryset(self):
        return subsidy_enrolments_with_usage(year=self.year)

    def get_filterset_kwargs(self):
        kwargs = super().get_filterset_kwargs()
        if "year" not in kwargs["data"]:
            kwargs["data"] = kwargs["data"].copy()
            kwargs["data"]["year"] = str(self.year)
        return kwargs

    def get_header_buttons(self):
        buttons = list(super().get_header_buttons())
        if user_may_edit_enrolments(self.request.user):
            buttons.append(HeaderButton(gettext_lazy("Enrol a merchant"), url=url("create"), icon_name="plus"))
        return buttons

    @cached_property
    def columns(self):
        year = self.year
        return [
            TitleColumn("merchant", label=gettext_lazy("Merchant"), sort_key="merchant__name",
                        accessor=lambda e: e.merchant.name, get_url=lambda e: url("edit", e.pk),
                        get_title_id=lambda e: f"enrolment_{e.pk}_title"),
            Column("item", label=gettext_lazy("Policy item"), sort_key="item__code", accessor=lambda e: e.item.name),
            Column("starts_on", label=gettext_lazy("Enrolled from"), sort_key="starts_on",
                   accessor=lambda e: _day(e.starts_on)),
            Column("ends_on", label=gettext_lazy("Enrolled until"), sort_key="ends_on",
                   accessor=lambda e: _day(e.ends_on) if e.ends_on else _("open-ended")),
            BooleanColumn("cross_border", label=gettext_lazy("Cross-border")),
            Column("cap_year", label=_("Annual cap %(year)s") % {"year": year}, classname="billing-number",
                   accessor=lambda e: _money_or_dash(e.cap_year, e.cap_currency)),
            Column("used", label=_("Used in %(year)s") % {"year": year}, classname="billing-number", sort_key="used",
                   accessor=lambda e: _money_or_dash(e.used, e.cap_currency)),
            Column("remaining", label=gettext_lazy("Remaining"), classname="billing-number",
                   accessor=lambda e: _money_or_dash(enrolment_remaining(e), e.cap_currency)
                   if e.cap_year is not None else _("no cap")),
        ]


class EnrolmentForm(forms.Form):
    merchant = forms.ModelChoiceField(label=gettext_lazy("Merchant"), queryset=Merchant.objects.none())
    item = forms.ModelChoiceField(label=gettext_lazy("Policy item"), queryset=PolicyItem.objects.none(),
                                  help_text=gettext_lazy("Only items paid per order are listed."))
    starts_on = forms.DateField(label=gettext_lazy("Enrolled from"), widget=AdminDateInput)
    ends_on = forms.DateField(label=gettext_lazy("Enrolled until"), widget=AdminDateInput, required=False,
                              help_text=gettext_lazy("Inclusive; leave empty for an open-ended enrolment."))
    cross_border = forms.BooleanField(label=gettext_lazy("Cross-border"), required=False,
                                      help_text=gettext_lazy("The item's cross-border rate applies."))

    def __init__(self, *args, enrolment: SubsidyEnrolment | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if enrolment is not None:  # the merchant and the item of an enrolment never change
            del self.fields["merchant"], self.fields["item"]
        else:
            self.fields["merchant"].queryset = Merchant.objects.order_by("name")
            self.fields["item"].queryset = per_order_items()


class _FormPage(DepositStaffRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "billing/admin/subsidy_enrolment_form.html"
    header_icon = "tick-inverse"
    enrolment: SubsidyEnrolment | None = None

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": url("index"), "label": _("Subsidy enrolments")},
                {"url": "", "label": self.get_page_title()}]

    def form(self, data=None) -> EnrolmentForm:
        raise NotImplementedError

    def save(self, form: EnrolmentForm) -> SubsidyEnrolment:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.form()))

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                enrolment = self.save(form)
            except (ValidationError, ApplicationError) as error:
                errors_onto_form(form, error)
            else:
                messages.success(request, _("Subsidy enrolment saved: %(merchant)s, %(item)s.") % {
                    "merchant": enrolment.merchant.name, "item": enrolment.item.name})
                return redirect(url("index"))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(enrolment=self.enrolment, may_edit=user_may_edit_enrolments(self.request.user),
                       cancel_url=url("index"),
                       timeline=billing_timeline(target=self.enrolment) if self.enrolment else [])
        return context


class SubsidyEnrolmentCreateView(_FormPage):
    page_title = gettext_lazy("Enrol a merchant for a subsidy")

    def form(self, data=None) -> EnrolmentForm:
        return EnrolmentForm(data, initial={"starts_on": timezone.localdate()})

    def save(self, form):
        d = form.cleaned_data
        return subsidy_enrolment_create(merchant=d["merchant"], item=d["item"], starts_on=d["starts_on"],
                                        ends_on=d["ends_on"], cross_border=d["cross_border"],
                                        actor=self.request.user)


class SubsidyEnrolmentEditView(_FormPage):
    def dispatch(self, request, *args, **kwargs):
        self.enrolment = get_object_or_404(SubsidyEnrolment.objects.select_related("merchant", "item"),
                                           pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return f"{self.enrolment.merchant.name} · {self.enrolment.item.name}"

    def form(self, data=None) -> EnrolmentForm:
        e = self.enrolment
        return EnrolmentForm(data, enrolment=e, initial={"starts_on": e.starts_on, "ends_on": e.ends_on,
                                                         "cross_border": e.cross_border})

    def save(self, form):
        d = form.cleaned_data
        return subsidy_enrolment_update(enrolment=self.enrolment, starts_on=d["starts_on"], ends_on=d["ends_on"],
                                        cross_border=d["cross_border"], actor=self.request.user)


class SubsidyEnrolmentViewSet(ViewSet):
    name = "billing_subsidies"
    url_prefix = "billing/subsidy-enrolments"
    url_namespace = NAMESPACE
    icon = "tick-inverse"
    menu_label = gettext_lazy("Subsidy enrolments")
    add_to_admin_menu = False

    def get_urlpatterns(self):
        return [
            path("", SubsidyEnrolmentListView.as_view(), name="index"),
            path("results/", SubsidyEnrolmentListView.as_view(results_only=True), name="index_results"),
            path("new/", SubsidyEnrolmentCreateView.as_view(), name="create"),
            path("<int:pk>/", SubsidyEnrolmentEditView.as_view(), name="edit"),
        ]


subsidy_enrolment_viewset = SubsidyEnrolmentViewSet()


def subsidy_enrolment_menu_item():
    return DepositMenuItem(gettext_lazy("Subsidy enrolments"), url("index"), name="subsidy-enrolments",
                           icon_name="tick-inverse", order=175)
