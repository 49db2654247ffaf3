"""A contract's commission in the admin: the table that applies today (per category: base, ladder, adjustments,
final), the "what rate would apply" tool (category, GMV, date → the rate with its explanation), and the
contract's overrides with one POST view per service (propose, approve, reject).

Access: the `contracts.view_commissiontableversion` permission (recruitment lead, compliance, finance,
administrators) to open the page; proposing and deciding overrides need the roles the override services
check. An unknown contract is a 404; a domain error becomes a message on the form or the page, never a 500.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from contracts.commission import CommissionError, commission_rate
from contracts.commission.describe import percent, step_label, step_source, steps_explained
from contracts.commission.forms import OverrideProposeForm, WhatRateForm
from contracts.commission.overrides import (
    CommissionOverrideInvalid,
    commission_override_approve,
    commission_override_propose,
    commission_override_reject,
    user_can_decide_overrides,
)
from contracts.commission.selectors import (
    contract_commission_categories,
    contract_commission_overrides,
    contract_commission_table,
)
from contracts.commission.tables import commission_today
from contracts.models import CommissionOverride, Contract
from portal.exceptions import ApplicationError

VIEW_PERMISSION = "contracts.view_commissiontableversion"


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class _ContractMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def contract(self) -> Contract:
        return get_object_or_404(Contract.objects.select_related("merchant"), pk=self.kwargs["pk"])

    def page_url(self) -> str:
        return reverse("contracts_commission", args=[self.contract.pk])


class ContractCommissionView(_ContractMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "contracts/admin/commission.html"
    header_icon = "table"

    def get_page_title(self):
        return _("Commission")

    def get_page_subtitle(self):
        return f"{self.contract.number} · {self.contract.merchant_legal_name or self.contract.merchant}"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": f"{self.get_page_title()} · {self.get_page_subtitle()}"}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract, today = self.contract, commission_today()
        categories = contract_commission_categories(contract=contract)
        names = {c.code: c.name for c in categories}
        currency = contract.currency
        rows, table_error = [], ""
        try:
            for row in contract_commission_table(contract=contract, on=today):
                rows.append({
                    "category": row.category, "base": percent(row.base.output), "base_source": step_source(row.base),
                    "base_label": step_label(row.base),
                    "bands": [{"from_gmv": band.from_gmv, "ladder": band.ladder and percent(band.ladder.output),
                               "ladder_source": band.ladder and step_source(band.ladder),
                               "final": percent(band.result.rate)} for band in row.bands],
                    "adjustments": steps_explained(row.adjustments, currency=currency, category_names=names),
                    "version": row.first.table_version,
                })
        except CommissionError as exc:
            table_error = exc.message
        form = WhatRateForm(self.request.GET if "category" in self.request.GET else None, categories=categories,
                            initial={"on": today, "period_gmv": 0})
        result = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                result = commission_rate(contract=contract, category=data["category"], period_gmv=data["period_gmv"],
                                         on=data["on"], grade=data["grade"] or None)
            except CommissionError as exc:
                form.add_error(None, exc.message)
        context.update(
            contract=contract, today=today, rows=rows, table_error=table_error, form=form, currency=currency,
            result=result and {"rate": percent(result.rate), "version": result.table_version,
                               "steps": steps_explained(result.steps, currency=currency, category_names=names)},
            overrides=contract_commission_overrides(contract=contract),
            can_decide=user_can_decide_overrides(self.request.user),
            override_form=kwargs.get("override_form") or OverrideProposeForm(categories=categories),
            user=self.request.user,
        )
        return context


class OverrideProposeView(_ContractMixin, View):
    def post(self, request, pk):
        contract = self.contract
        form = OverrideProposeForm(request.POST, categories=contract_commission_categories(contract=contract))
        if form.is_valid():
            data = form.cleaned_data
            try:
                commission_override_propose(
                    contract=contract, category=data["category"], rate_percent=data["rate_percent"],
                    reason=data["reason"], effective_from=data["effective_from"], effective_to=data["effective_to"],
                    actor=request.user, ip_address=_ip(request))
            except CommissionOverrideInvalid as exc:
                for field, field_messages in exc.errors.items():
                    form.add_error(field if field in form.fields else None, field_messages)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Override proposed: a second person must approve it."))
                return redirect(self.page_url())
        view = ContractCommissionView()
        view.setup(request, pk=pk)
        return view.render_to_response(view.get_context_data(override_form=form), status=400)


class OverrideDecideView(_ContractMixin, View):
    def post(self, request, pk, override_pk, decision):
        override = get_object_or_404(CommissionOverride, pk=override_pk, contract=self.contract)
        service = {"approve": commission_override_approve, "reject": commission_override_reject}.get(decision)
        if service is None:
            raise PermissionDenied
        try:
            service(override=override, actor=request.user, note=request.POST.get("note", "").strip(),
                    ip_address=_ip(request))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Override approved.") if decision == "approve" else _("Override rejected."))
        return redirect(self.page_url())


urlpatterns = [
    path("contracts/<int:pk>/commission/", ContractCommissionView.as_view(), name="contracts_commission"),
    path("contracts/<int:pk>/commission/overrides/", OverrideProposeView.as_view(),
         name="contracts_commission_override_propose"),
    path("contracts/<int:pk>/commission/overrides/<int:override_pk>/<str:decision>/", OverrideDecideView.as_view(),
         name="contracts_commission_override_decide"),
]
