"""Settlement runs in the admin (namespace `billing_settlements`, menu Finance → Settlement runs): the runs with
their progress, a run's page with its chunks, starting a run and resuming one; fees and deductions for the next
statement (propose, approve, reject). Each action calls one service of `billing.services.settlements` and queues
the build after commit; what a service refuses comes back as a message or on the form, never a 500.

The run's page (`billing/admin/settlement/run_detail.html`) is made of blocks (`run_summary`, `run_actions`,
`run_chunks`, `run_after`) that later steps of the run (issue, approval, payouts) extend."""

from __future__ import annotations

import django_filters
from django import forms
from django.db import models, transaction
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, StatusTagColumn, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets.button import HeaderButton

from portal.exceptions import ApplicationError, PermissionDenied, errors_onto_form
from portal.models import Merchant

from ..models import SettlementAdjustment, SettlementChunk, SettlementRun
from ..services.settlements import (
    settlement_adjustment_approve,
    settlement_adjustment_propose,
    settlement_adjustment_reject,
    settlement_period_default,
    settlement_run_start,
)
from .finance import AMOUNT_TOTAL, MoneyColumn, _day, _user
from .lists import FinanceListView, FinanceMenuItem, FinanceRequiredMixin, breadcrumbs_under

NAMESPACE = "billing_settlements"
C = SettlementChunk.Status


def url(name: str, *args) -> str:
    return reverse(f"{NAMESPACE}:{name}", args=args)


def _queue_build(run: SettlementRun) -> None:
    from ..tasks import settlement_run_task

    transaction.on_commit(lambda: settlement_run_task.delay(run.pk))


def runs_with_progress() -> models.QuerySet[SettlementRun]:
    """Runs with their chunks counted (done of all) and the statements and lines written so far: subqueries, so
    a page costs the same whatever the number of runs and chunks."""
    chunks = SettlementChunk.objects.filter(run=models.OuterRef("pk")).order_by().values("run")

    def of(expression):
        return Coalesce(models.Subquery(chunks.annotate(value=expression).values("value")[:1]), 0)

    return SettlementRun.objects.select_related("created_by").annotate(
        chunks_total=of(models.Count("pk")),
        chunks_done=of(models.Count("pk", filter=models.Q(status=C.DONE))),
        chunks_failed=of(models.Count("pk", filter=models.Q(status=C.FAILED))),
        statements_built=of(models.Sum("statements")), lines_built=of(models.Sum("lines")))


def progress_text(run) -> str:
    if not run.chunks_total:
        return "—"
    text = _("%(done)s of %(total)s chunks") % {"done": run.chunks_done, "total": run.chunks_total}
    if run.chunks_failed:
        text += " · " + _("%(n)s failed") % {"n": run.chunks_failed}
    return text


# ---------------------------------------------------------------------------- runs


class RunFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(label=gettext_lazy("Status"), choices=SettlementRun.Status.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    period_start = django_filters.DateFromToRangeFilter(label=gettext_lazy("Period starts"),
                                                        widget=DateRangePickerWidget)

    class Meta:
        model = SettlementRun
        fields: list[str] = []


class RunListView(FinanceListView):
    model = SettlementRun
    url_namespace = NAMESPACE
    url_name = "runs"
    page_title = gettext_lazy("Settlement runs")
    header_icon = "table"
    filterset_class = RunFilterSet
    export_filename = "settlement-runs"
    list_ordering = ("-period_start", "-pk")
    export_columns = {
        "period_start": (gettext_lazy("Period start"), lambda r, now: r.period_start),
        "period_end": (gettext_lazy("Period end"), lambda r, now: r.period_end),
        "status": (gettext_lazy("Status"), lambda r, now: str(r.get_status_display())),
        "chunks_done": (gettext_lazy("Chunks done"), lambda r, now: r.chunks_done),
        "chunks_total": (gettext_lazy("Chunks"), lambda r, now: r.chunks_total),
        "statements": (gettext_lazy("Statements"), lambda r, now: r.statements_built),
        "lines": (gettext_lazy("Lines"), lambda r, now: r.lines_built),
        "payout_due_on": (gettext_lazy("Payout due on"), lambda r, now: r.payout_due_on),
        "created_at": (gettext_lazy("Started"), lambda r, now: r.created_at),
    }

    def get_base_queryset(self):
        return runs_with_progress()

    def get_header_buttons(self):
        return [*super().get_header_buttons(),
                HeaderButton(gettext_lazy("Start a run"), url=url("start"), icon_name="plus")]

    @cached_property
    def columns(self):
        return [
            TitleColumn("period_start", label=gettext_lazy("Period"), sort_key="period_start",
                        accessor=lambda r: f"{r.period_start:%Y-%m-%d} – {r.period_end:%Y-%m-%d}",
                        get_url=lambda r: url("run", r.pk), get_title_id=lambda r: f"run_{r.pk}_title"),
            StatusTagColumn("status", label=gettext_lazy("Status"), accessor="get_status_display", sort_key="status",
                            primary=lambda r: r.status != SettlementRun.Status.BUILDING),
            Column("progress", label=gettext_lazy("Progress"), accessor=progress_text),
            Column("statements_built", label=gettext_lazy("Statements"), sort_key="statements_built",
                   classname="billing-number"),
            Column("lines_built", label=gettext_lazy("Lines"), sort_key="lines_built", classname="billing-number"),
            Column("payout_due_on", label=gettext_lazy("Payout due on"), accessor=lambda r: _day(r.payout_due_on),
                   sort_key="payout_due_on"),
            Column("created_at", label=gettext_lazy("Started"),
                   accessor=lambda r: f"{_day(r.created_at)} · {_user(r.created_by)}", sort_key="created_at"),
        ]

class StartForm(forms.Form):
    period_start = forms.DateField(label=gettext_lazy("First day of the period"), widget=forms.DateInput(
        attrs={"type": "date"}), help_text=gettext_lazy("A Monday: the run covers Monday to Sunday."))


class _Page(FinanceRequiredMixin, WagtailAdminTemplateMixin):
    header_icon = "table"

    def get_breadcrumbs_items(self):
        return breadcrumbs_under(self, url=url("runs"), label=gettext_lazy("Settlement runs"))


class RunStartView(_Page, TemplateView):
    template_name = "billing/admin/settlement/run_start.html"
    page_title = gettext_lazy("Start a settlement run")

    def get(self, request, *args, **kwargs):
        start, _end = settlement_period_default()
        return self.render_to_response(self.get_context_data(form=StartForm(initial={"period_start": start})))

    def post(self, request, *args, **kwargs):
        form = StartForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    run = settlement_run_start(period_start=form.cleaned_data["period_start"], actor=request.user)
                    _queue_build(run)
            except ApplicationError as error:
                errors_onto_form(form, error)
            else:
                messages.success(request, _("The run of %(run)s is being built.") % {"run": run})
                return redirect(url("run", run.pk))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        return super().get_context_data(cancel_url=url("runs"), **kwargs)


class RunDetailView(_Page, TemplateView):
    template_name = "billing/admin/settlement/run_detail.html"

    @cached_property
    def run(self) -> SettlementRun:
        return get_object_or_404(runs_with_progress(), pk=self.kwargs["pk"])

    def get_page_title(self):
        return str(self.run)

    def get_page_subtitle(self):
        return self.run.get_status_display()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.run
        totals = run.statements.aggregate(
            gmv=models.Sum("gmv"), refunds=models.Sum("refunds"), commission=models.Sum("commission"),
            subsidies=models.Sum("subsidies"), fees=models.Sum("fees"), deductions=models.Sum("deductions"),
            frozen=models.Sum("frozen"), released=models.Sum("released"), net_payable=models.Sum("net_payable"),
            carried_forward=models.Sum("carried_forward"))
        context.update(run=run, progress=progress_text(run), totals={k: v or 0 for k, v in totals.items()},
                       chunks=list(run.chunks.order_by("number")), resume_url=url("resume", run.pk),
                       may_resume=run.status == SettlementRun.Status.BUILDING and run.chunks_done < run.chunks_total,
                       runs_url=url("runs"))
        return context


class RunResumeView(FinanceRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        run = get_object_or_404(SettlementRun, pk=pk)
        if run.status != SettlementRun.Status.BUILDING:
            messages.error(request, _("The run is built: there is nothing to resume."))
        else:
            _queue_build(run)
            messages.success(request, _("The chunks still to build are queued again."))
        return redirect(url("run", run.pk))


# ---------------------------------------------------------------------------- fees and deductions


class AdjustmentFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(label=gettext_lazy("Status"),
                                                 choices=SettlementAdjustment.Status.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    kind = django_filters.ChoiceFilter(label=gettext_lazy("Kind"), choices=SettlementAdjustment.Kind.choices,
                                       empty_label=gettext_lazy("Any"))
    merchant = django_filters.CharFilter(label=gettext_lazy("Merchant"), field_name="merchant__name",
                                         lookup_expr="icontains")

    class Meta:
        model = SettlementAdjustment
        fields: list[str] = []


class AdjustmentListView(FinanceListView):
    model = SettlementAdjustment
    url_namespace = NAMESPACE
    url_name = "adjustments"
    page_title = gettext_lazy("Fees and deductions for statements")
    header_icon = "minus"
    filterset_class = AdjustmentFilterSet
    export_filename = "settlement-adjustments"
    list_ordering = ("-created_at", "-pk")
    totals = {"amount": AMOUNT_TOTAL}
    export_columns = {
        "merchant": (gettext_lazy("Merchant"), lambda a, now: a.merchant.name),
        "kind": (gettext_lazy("Kind"), lambda a, now: str(a.get_kind_display())),
        "amount": (gettext_lazy("Amount"), lambda a, now: a.amount),
        "currency": (gettext_lazy("Currency"), lambda a, now: a.currency),
        "description": (gettext_lazy("Description"), lambda a, now: a.description),
        "reference": (gettext_lazy("Reference"), lambda a, now: a.reference),
        "status": (gettext_lazy("Status"), lambda a, now: str(a.get_status_display())),
        "statement": (gettext_lazy("Statement"),
                      lambda a, now: a.statement_line.statement.number if a.statement_line else ""),
    }

    def get_base_queryset(self):
        return SettlementAdjustment.objects.select_related("merchant", "created_by", "decided_by",
                                                           "statement_line__statement")

    @cached_property
    def columns(self):
        return [
            TitleColumn("merchant", label=gettext_lazy("Merchant"), accessor=lambda a: a.merchant.name,
                        sort_key="merchant__name", get_url=lambda a: url("adjustment", a.pk),
                        get_title_id=lambda a: f"adjustment_{a.pk}_title"),
            Column("kind", label=gettext_lazy("Kind"), accessor="get_kind_display", sort_key="kind"),
            MoneyColumn("amount", label=gettext_lazy("Amount"), sort_key="amount"),
            Column("description", label=gettext_lazy("Description")),
            StatusTagColumn("status", label=gettext_lazy("Status"), accessor="get_status_display", sort_key="status",
                            primary=lambda a: a.status == SettlementAdjustment.Status.PROPOSED),
            Column("statement", label=gettext_lazy("Statement"),
                   accessor=lambda a: a.statement_line.statement.number if a.statement_line else "—"),
            Column("created_at", label=gettext_lazy("Proposed"),
                   accessor=lambda a: f"{_day(a.created_at)} · {_user(a.created_by)}", sort_key="created_at"),
        ]

    def get_header_buttons(self):
        return [*super().get_header_buttons(),
                HeaderButton(gettext_lazy("Propose a fee or deduction"), url=url("adjustment_propose"),
                             icon_name="plus")]


class AdjustmentForm(forms.Form):
    merchant = forms.ModelChoiceField(label=gettext_lazy("Merchant"), queryset=Merchant.objects.order_by("name"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=SettlementAdjustment.Kind.choices)
    amount = forms.DecimalField(label=gettext_lazy("Amount"), max_digits=14, decimal_places=2)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=300)
    reference = forms.CharField(label=gettext_lazy("Reference"), max_length=64, required=False)


class _AdjustmentPage(_Page):
    header_icon = "minus"

    def get_breadcrumbs_items(self):
        return breadcrumbs_under(self, url=url("adjustments"), label=gettext_lazy("Fees and deductions for statements"))


class AdjustmentProposeView(_AdjustmentPage, TemplateView):
    template_name = "billing/admin/settlement/adjustment_propose.html"
    page_title = gettext_lazy("Propose a fee or deduction")

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=AdjustmentForm()))

    def post(self, request, *args, **kwargs):
        form = AdjustmentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                adjustment = settlement_adjustment_propose(
                    merchant=data["merchant"], kind=data["kind"], amount=data["amount"],
                    description=data["description"], reference=data["reference"], actor=request.user)
            except ApplicationError as error:
                errors_onto_form(form, error)
            else:
                messages.success(request, _("Proposed: another person approves it."))
                return redirect(url("adjustment", adjustment.pk))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        return super().get_context_data(cancel_url=url("adjustments"), **kwargs)


class AdjustmentDetailView(_AdjustmentPage, TemplateView):
    template_name = "billing/admin/settlement/adjustment_detail.html"

    @cached_property
    def adjustment(self) -> SettlementAdjustment:
        return get_object_or_404(SettlementAdjustment.objects.select_related(
            "merchant", "created_by", "decided_by", "statement_line__statement__run"), pk=self.kwargs["pk"])

    def get_page_title(self):
        return f"{self.adjustment.get_kind_display()} · {self.adjustment.merchant.name}"

    def get_context_data(self, **kwargs):
        a = self.adjustment
        return super().get_context_data(
            a=a,
            may_decide=a.status == SettlementAdjustment.Status.PROPOSED and a.created_by_id != self.request.user.pk,
            approve_url=url("adjustment_approve", a.pk), reject_url=url("adjustment_reject", a.pk),
            run_url=url("run", a.statement_line.statement.run_id) if a.statement_line else None, **kwargs)


class AdjustmentDecideView(FinanceRequiredMixin, View):
    http_method_names = ["post"]
    approve = True

    def post(self, request, pk: int):
        adjustment = get_object_or_404(SettlementAdjustment, pk=pk)
        service = settlement_adjustment_approve if self.approve else settlement_adjustment_reject
        try:
            service(adjustment=adjustment, actor=request.user)
        except (ApplicationError, PermissionDenied) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Approved: it goes on the merchant's next statement.") if self.approve
                             else _("Rejected."))
        return redirect(url("adjustment", pk))


class SettlementViewSet(ViewSet):
    name = NAMESPACE
    url_prefix = "billing/settlements"
    url_namespace = NAMESPACE

    def get_urlpatterns(self):
        return [
            path("", RunListView.as_view(), name="runs"),
            path("results/", RunListView.as_view(results_only=True), name="runs_results"),
            path("start/", RunStartView.as_view(), name="start"),
            path("<int:pk>/", RunDetailView.as_view(), name="run"),
            path("<int:pk>/resume/", RunResumeView.as_view(), name="resume"),
            path("adjustments/", AdjustmentListView.as_view(), name="adjustments"),
            path("adjustments/results/", AdjustmentListView.as_view(results_only=True), name="adjustments_results"),
            path("adjustments/propose/", AdjustmentProposeView.as_view(), name="adjustment_propose"),
            path("adjustments/<int:pk>/", AdjustmentDetailView.as_view(), name="adjustment"),
            path("adjustments/<int:pk>/approve/", AdjustmentDecideView.as_view(approve=True),
                 name="adjustment_approve"),
            path("adjustments/<int:pk>/reject/", AdjustmentDecideView.as_view(approve=False),
                 name="adjustment_reject"),
        ]


settlement_viewset = SettlementViewSet()


def runs_menu_item():
    return FinanceMenuItem(gettext_lazy("Settlement runs"), url("runs"), name="settlement-runs", icon_name="table",
                           order=200)


def adjustments_menu_item():
    return FinanceMenuItem(gettext_lazy("Fees and deductions for statements"), url("adjustments"),
                           name="settlement-adjustments", icon_name="minus", order=210)
