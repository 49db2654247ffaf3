"""Statement disputes in the admin (namespace `billing_disputes`, operator guide §25): the queue (filters by status,
decision, merchant, run and dates; totals of the amounts in dispute and released; CSV/XLSX), and a dispute's page
with the disputed line, the merchant's reason, the evidence of both sides, the timeline and the actions: ask the
merchant for evidence, add a staff note or file, decide (released, upheld, partly released). Each action is a POST
that calls one service of `billing.services.disputes`; a refusal comes back as a message, never a 500. Finance and
management work here (the services check it again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin.ui.tables import Column, StatusTagColumn, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from portal.audit import audit_entry_create
from portal.money import format_money

from ..models import Dispute, DisputeOutcome
from ..selectors.statements import dispute_evidence, dispute_evidence_get
from ..selectors.timeline import billing_timeline
from ..services.disputes import dispute_decide, dispute_evidence_add, dispute_evidence_request
from . import dispute_filters as filters
from .deposit_access import DEPOSIT_STAFF_ROLES, DepositActionView, DepositMenuItem, DepositStaffRequiredMixin
from .finance import MoneyColumn, _day, _user, merchant_column
from .lists import FinanceListView, Total, breadcrumbs_under, url_or_none

NAMESPACE = "billing_disputes"
D = Dispute.Status


def url(name: str, *args: Any) -> str:
    return reverse(f"{NAMESPACE}:{name}", args=args)


def _outcome(d: Dispute) -> str:
    return str(d.get_outcome_display()) if d.outcome else ""


class DisputeListView(FinanceListView):
    """The queue: live disputes first (oldest first), then the closed ones."""

    required_roles = DEPOSIT_STAFF_ROLES

    model = Dispute
    url_namespace = NAMESPACE
    url_name = "index"
    page_title = gettext_lazy("Statement disputes")
    header_icon = "warning"
    filterset_class = filters.DisputeFilterSet
    export_filename = "statement-disputes"
    totals = {
        "amount": Total(gettext_lazy("Amount in dispute"), models.Sum("amount")),
        "frozen": Total(gettext_lazy("Still frozen"), models.Sum("amount", filter=models.Q(status__in=Dispute.LIVE))),
        "released": Total(gettext_lazy("Released"), models.Sum("released_amount")),
    }
    export_columns = {
        "number": (gettext_lazy("Dispute number"), lambda d, now: d.number),
        "merchant": (gettext_lazy("Merchant"), lambda d, now: d.merchant.name),
        "statement": (gettext_lazy("Statement number"), lambda d, now: d.statement.number),
        "line_kind": (gettext_lazy("Line"), lambda d, now: str(d.line.get_kind_display())),
        "status": (gettext_lazy("Status"), lambda d, now: str(d.get_status_display())),
        "outcome": (gettext_lazy("Decision"), lambda d, now: _outcome(d)),
        "currency": (gettext_lazy("Currency"), lambda d, now: d.currency),
        "amount": (gettext_lazy("Amount in dispute"), lambda d, now: d.amount),
        "released": (gettext_lazy("Released"), lambda d, now: d.released_amount),
        "opened_at": (gettext_lazy("Opened"), lambda d, now: d.opened_at),
        "decided_at": (gettext_lazy("Decided"), lambda d, now: d.decided_at),
        "frozen_days": (gettext_lazy("Days frozen"), lambda d, now: d.frozen_days),
        "released_due_on": (gettext_lazy("Released amount due on"), lambda d, now: d.released_due_on),
        "reason": (gettext_lazy("What is wrong"), lambda d, now: d.reason),
    }

    def get_base_queryset(self):
        return Dispute.objects.select_related("merchant", "statement", "line").annotate(
            closed=models.Case(models.When(status__in=Dispute.LIVE, then=models.Value(0)), default=models.Value(1)))

    def order_queryset(self, queryset):
        if not self.ordering:
            return queryset.order_by("closed", "opened_at", "pk")
        return super().order_queryset(queryset)

    @cached_property
    def columns(self):
        return [
            TitleColumn("number", label=gettext_lazy("Dispute number"), sort_key="number",
                        get_url=lambda d: url("detail", d.pk), get_title_id=lambda d: f"dispute_{d.pk}_title"),
            merchant_column(),
            Column("statement", label=gettext_lazy("Statement"), accessor=lambda d: d.statement.number),
            StatusTagColumn("status", label=gettext_lazy("Status"), sort_key="status",
                            accessor=lambda d: _outcome(d) or d.get_status_display(),
                            primary=lambda d: d.status in Dispute.LIVE),
            MoneyColumn("amount", label=gettext_lazy("Amount in dispute"), sort_key="amount"),
            MoneyColumn("released_amount", label=gettext_lazy("Released"), sort_key="released_amount"),
            Column("opened_at", label=gettext_lazy("Opened"), sort_key="opened_at",
                   accessor=lambda d: _day(d.opened_at)),
            Column("decided_at", label=gettext_lazy("Decided"), sort_key="decided_at",
                   accessor=lambda d: _day(d.decided_at) if d.decided_at else "—"),
        ]


class RequestForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Evidence to ask for"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": gettext_lazy("Say what evidence the merchant should send.")})


class StaffNoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), max_length=4000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    files = forms.FileField(label=gettext_lazy("File (PDF, JPEG or PNG)"), required=False)


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Decision"), choices=DisputeOutcome.choices,
                                widget=forms.RadioSelect)
    released_amount = forms.CharField(label=gettext_lazy("Amount released (partly released only)"),
                                      max_length=20, required=False)
    note = forms.CharField(label=gettext_lazy("Reasons for the decision (the merchant reads them)"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DisputeDetailView(DepositStaffRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "billing/admin/disputes/detail.html"
    header_icon = "warning"

    @cached_property
    def dispute(self) -> Dispute:
        return get_object_or_404(Dispute.objects.select_related(
            "merchant", "statement", "statement__run", "line", "line__category", "line__order_line", "opened_by",
            "decided_by"), pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("Dispute %(number)s") % {"number": self.dispute.number}

    def get_page_subtitle(self):
        return self.dispute.merchant.name

    def get_breadcrumbs_items(self):
        return breadcrumbs_under(self, url=url("index"), label=gettext_lazy("Statement disputes"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        d = self.dispute
        context.update(
            d=d, line=d.line, statement=d.statement, evidence=dispute_evidence(dispute=d),
            run_url=url_or_none("billing_settlements:run", d.statement.run_id)
            or url_or_none("billing_payouts:run", d.statement.run_id),
            opened_by=_user(d.opened_by), decided_by=_user(d.decided_by) if d.decided_by else "",
            request_form=RequestForm(), note_form=StaffNoteForm(), decide_form=DecideForm(),
            request_url=url("request", d.pk), note_url=url("note", d.pk), decide_url=url("decide", d.pk),
            may_request=d.status in (D.OPEN, D.UNDER_REVIEW), timeline=billing_timeline(target=d),
        )
        return context


class _DisputeAction(DepositActionView):
    def get_object(self):
        return get_object_or_404(Dispute, pk=self.kwargs["pk"])

    def next_url(self, obj) -> str:
        return url("detail", obj.pk)


class DisputeRequestView(_DisputeAction):
    form_class = RequestForm

    def perform(self, obj, data):
        dispute_evidence_request(dispute=obj, actor=self.request.user, note=data["note"])
        return _("Evidence requested: the merchant sees it among its to-dos.")


class DisputeNoteView(_DisputeAction):
    form_class = StaffNoteForm

    def perform(self, obj, data):
        files = [data["files"]] if data.get("files") else []
        dispute_evidence_add(dispute=obj, actor=self.request.user, note=data.get("note", ""), files=files,
                             staff=True, ip_address=self.request.META.get("REMOTE_ADDR") or None)
        return _("Added to the dispute.")


class DisputeDecideView(_DisputeAction):
    form_class = DecideForm

    def perform(self, obj, data):
        dispute = dispute_decide(dispute=obj, actor=self.request.user, outcome=data["outcome"], note=data["note"],
                                 released_amount=data.get("released_amount"))
        if dispute.released_amount:
            return _("Decided: %(amount)s released, due on %(date)s with the next statement.") % {
                "amount": format_money(dispute.released_amount, dispute.currency),
                "date": _day(dispute.released_due_on)}
        return _("Decided: the line stands, nothing is released.")


class DisputeEvidenceView(DepositStaffRequiredMixin, View):
    """A file of the dispute from private storage; each view is audited."""

    def get(self, request, pk: int, evidence_pk: int):
        dispute = get_object_or_404(Dispute, pk=pk)
        evidence = dispute_evidence_get(dispute=dispute, pk=evidence_pk)
        if evidence is None:
            raise Http404
        try:
            handle = evidence.file.open("rb")
        except (FileNotFoundError, OSError, ValueError) as error:
            raise Http404 from error
        audit_entry_create(actor=request.user, action="billing.dispute.evidence_viewed", target=dispute,
                           data={"evidence": evidence.pk}, ip_address=request.META.get("REMOTE_ADDR") or None)
        response = FileResponse(handle, as_attachment=False, filename=evidence.file.name.rsplit("/", 1)[-1],
                                content_type=evidence.content_type or "application/octet-stream")
        response["Content-Security-Policy"] = "sandbox"
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class DisputeViewSet(ViewSet):
    """/admin/billing/disputes/: the queue and each dispute."""

    name = "billing_disputes"
    url_prefix = "billing/disputes"
    url_namespace = NAMESPACE

    def get_urlpatterns(self):
        return [
            path("", DisputeListView.as_view(), name="index"),
            path("results/", DisputeListView.as_view(results_only=True), name="index_results"),
            path("<int:pk>/", DisputeDetailView.as_view(), name="detail"),
            path("<int:pk>/request/", DisputeRequestView.as_view(), name="request"),
            path("<int:pk>/note/", DisputeNoteView.as_view(), name="note"),
            path("<int:pk>/decide/", DisputeDecideView.as_view(), name="decide"),
            path("<int:pk>/evidence/<int:evidence_pk>/", DisputeEvidenceView.as_view(), name="evidence"),
        ]


dispute_viewset = DisputeViewSet()


def dispute_menu_item() -> DepositMenuItem:
    return DepositMenuItem(gettext_lazy("Statement disputes"), url("index"), name="finance-disputes",
                           icon_name="warning", order=305)
