"""The deposit table in the admin (namespace `billing_deposits`): its versions, one version's grid (risk class ×
grade), a proposal (prefilled from the version in force) and its approval by another person. Approved versions are
read only."""

from __future__ import annotations

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
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets import AdminDateInput

from portal.change_control import version_state, versions_with_state
from portal.exceptions import ApplicationError, errors_onto_form
from portal.models import Category, MerchantGrade

from ..models import BillingSettings, DepositSchedule
from ..selectors.timeline import billing_timeline
from ..services.deposit_tables import (
    deposit_table_amounts,
    deposit_table_approve,
    deposit_table_cells,
    deposit_table_discard,
    deposit_table_in_force,
    deposit_table_propose,
)
from .deposit_access import DepositActionView, DepositStaffRequiredMixin

NAMESPACE = "billing_deposits"


def url(name: str, *args) -> str:
    return reverse(f"{NAMESPACE}:{name}", args=args)


def _field(risk: str, grade: str) -> str:
    return f"amount_{risk}_{grade}"


class DepositTableForm(forms.Form):
    effective_from = forms.DateField(label=gettext_lazy("Takes effect on"), widget=AdminDateInput)
    note = forms.CharField(label=gettext_lazy("Reason for the change"), max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for risk, grade in deposit_table_cells():
            self.fields[_field(risk, grade)] = forms.DecimalField(
                label=f"{Category.RiskClass(risk).label} · {grade}", min_value=0, max_digits=14, decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "class": "billing-grid-input"}))

    def grid(self) -> list[dict]:
        return [{"risk": Category.RiskClass(risk).label,
                 "cells": [self[_field(risk, grade)] for grade in MerchantGrade.values]}
                for risk in Category.RiskClass.values]

    def amounts(self) -> dict:
        return {(risk, grade): self.cleaned_data[_field(risk, grade)] for risk, grade in deposit_table_cells()}


def _grid(schedule: DepositSchedule) -> list[dict]:
    amounts = deposit_table_amounts(schedule)
    return [{"risk": Category.RiskClass(risk).label,
             "cells": [amounts.get((risk, grade)) for grade in MerchantGrade.values]}
            for risk in Category.RiskClass.values]


class _Page(DepositStaffRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    header_icon = "table"

    def get_breadcrumbs_items(self):
        items = [*self.breadcrumbs_items, {"url": url("index"), "label": gettext_lazy("Deposit table")}]
        return [*items, {"url": "", "label": self.get_page_title()}]


class DepositTableIndexView(_Page):
    template_name = "billing/admin/deposit/table_index.html"
    page_title = gettext_lazy("Deposit table")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        in_force = deposit_table_in_force(today)
        versions = versions_with_state(list(DepositSchedule.objects.select_related("created_by", "approved_by")
                                            .order_by("-effective_from", "-id")), in_force, today)
        context.update(versions=versions, in_force=in_force, grid=_grid(in_force) if in_force else [],
                       grades=MerchantGrade.values, propose_url=url("propose"))
        return context


class DepositTableProposeView(_Page):
    template_name = "billing/admin/deposit/table_propose.html"
    page_title = gettext_lazy("Propose a new deposit table")

    def get(self, request, *args, **kwargs):
        initial = {"effective_from": timezone.localdate()}
        in_force = deposit_table_in_force()
        if in_force is not None:
            for (risk, grade), amount in deposit_table_amounts(in_force).items():
                initial[_field(risk, grade)] = amount
        return self.render_to_response(self.get_context_data(form=DepositTableForm(initial=initial)))

    def post(self, request, *args, **kwargs):
        form = DepositTableForm(request.POST)
        if form.is_valid():
            try:
                schedule = deposit_table_propose(effective_from=form.cleaned_data["effective_from"],
                                                 amounts=form.amounts(), note=form.cleaned_data["note"],
                                                 actor=request.user)
            except (ValidationError, ApplicationError) as error:
                errors_onto_form(form, error)
            else:
                messages.success(request, _("Deposit table proposed: another person approves it."))
                return redirect(url("detail", schedule.pk))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(grades=MerchantGrade.values, currency=BillingSettings.load().currency,
                       cancel_url=url("index"))
        return context


class DepositTableDetailView(_Page):
    template_name = "billing/admin/deposit/table_detail.html"

    @cached_property
    def schedule(self) -> DepositSchedule:
        return get_object_or_404(DepositSchedule.objects.select_related("created_by", "approved_by"),
                                 pk=self.kwargs["pk"])

    def get_page_title(self):
        return str(self.schedule)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        s = self.schedule
        today = timezone.localdate()
        state, state_label = version_state(s, deposit_table_in_force(today), today)
        context.update(
            s=s, state=state, state_label=state_label, grid=_grid(s), grades=MerchantGrade.values,
            may_approve=(s.approved_at is None and s.created_by_id != self.request.user.pk),
            approve_url=url("approve", s.pk), discard_url=url("discard", s.pk),
            timeline=billing_timeline(target=s),
        )
        return context


class _TableAction(DepositActionView):
    def get_object(self):
        return get_object_or_404(DepositSchedule, pk=self.kwargs["pk"])

    def next_url(self, obj) -> str:
        return url("detail", obj.pk) if DepositSchedule.objects.filter(pk=obj.pk).exists() else url("index")


class DepositTableApproveView(_TableAction):
    def perform(self, obj, data):
        deposit_table_approve(schedule=obj, actor=self.request.user)
        return _("Deposit table approved: it takes effect on %(date)s and never changes.") % {
            "date": obj.effective_from.isoformat()}


class DepositTableDiscardView(_TableAction):
    def perform(self, obj, data):
        deposit_table_discard(schedule=obj, actor=self.request.user)
        return _("The proposal was discarded.")


class DepositTableViewSet(ViewSet):
    """/admin/billing/deposit-table/: the versions of the deposit table, a proposal, its approval."""

    name = "billing_deposits"
    url_prefix = "billing/deposit-table"
    url_namespace = NAMESPACE
    icon = "table"
    menu_label = gettext_lazy("Deposit table")
    add_to_admin_menu = False

    def get_urlpatterns(self):
        return [
            path("", DepositTableIndexView.as_view(), name="index"),
            path("new/", DepositTableProposeView.as_view(), name="propose"),
            path("<int:pk>/", DepositTableDetailView.as_view(), name="detail"),
            path("<int:pk>/approve/", DepositTableApproveView.as_view(), name="approve"),
            path("<int:pk>/discard/", DepositTableDiscardView.as_view(), name="discard"),
        ]


deposit_table_viewset = DepositTableViewSet()
