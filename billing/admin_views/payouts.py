"""Settlement in the admin after a run is built (namespace `billing_payouts`, operator guide §26): the statements
list and the payouts list of the Finance menu, a run's approval, payouts and payout files, a payout file (its lines
masked on screen, downloaded as CSV or XLSX for the bank: full account numbers only for users holding
`billing.unmask_bankaccount` who ask for them, each download audited), a payout (mark paid, returned by the bank),
and the run's reconciliation report.

The run's panels (`run_payout_panels`, template `billing/admin/payouts/_run_panels.html`) are what the run's page
shows of approval, payouts and reconciliation. Every action is a POST that calls one service; a refusal comes back
as a message, never a 500.
"""

from __future__ import annotations

import csv
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column, StatusTagColumn, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from portal.admin_export import export_value
from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, error_messages

from ..models import Payout, PayoutFile, PayoutFileLine, PayoutStatus, SettlementRun, Statement, StatementStatus
from ..selectors.reconciliation import settlement_run_reconcile
from ..selectors.timeline import billing_timeline
from ..services.bank_accounts import user_may_unmask
from ..services.four_eyes import approval_step
from ..services.payouts import (
    payout_file_create,
    payout_file_mark_paid,
    payout_file_rows,
    payout_mark_paid,
    payout_return,
    settlement_run_approval_state,
    settlement_run_approve,
)
from . import payout_filters as filters
from .finance import AMOUNT_TOTAL, MoneyColumn, _day, _user, amount_column, day_column, merchant_column
from .lists import FinanceListView, FinanceMenuItem, FinanceRequiredMixin, Total, breadcrumbs_under

NAMESPACE = "billing_payouts"
P = PayoutStatus
S = StatementStatus


def url(name: str, *args: Any) -> str:
    return reverse(f"{NAMESPACE}:{name}", args=args)


def run_label(run: SettlementRun) -> str:
    return f"{run.period_start:%Y-%m-%d} – {run.period_end:%Y-%m-%d}"


def masked(last4: str) -> str:
    return f"**** **** {last4}" if last4 else "—"


class _ListInNamespace(FinanceListView):
    url_namespace = NAMESPACE


# ---- the statements list

class StatementListView(_ListInNamespace):
    """Every statement with its figures; filters by run, merchant, status, period; totals of the filtered rows."""

    model = Statement
    url_name = "statements"
    page_title = gettext_lazy("Statements")
    header_icon = "doc-full"
    filterset_class = filters.StatementFilterSet
    export_filename = "statements"
    list_ordering = ("-period_start", "merchant__name", "pk")
    totals = {
        "gmv": Total(gettext_lazy("GMV"), models.Sum("gmv")),
        "commission": Total(gettext_lazy("Commission"), models.Sum("commission")),
        "frozen": Total(gettext_lazy("Frozen (disputed)"), models.Sum("frozen")),
        "net_payable": Total(gettext_lazy("Net payable"), models.Sum("net_payable")),
        "carried_forward": Total(gettext_lazy("Carried forward"), models.Sum("carried_forward")),
    }
    export_columns = {
        "number": (gettext_lazy("Statement number"), lambda s, now: s.number),
        "merchant": (gettext_lazy("Merchant"), lambda s, now: s.merchant.name),
        "period_start": (gettext_lazy("Period start"), lambda s, now: s.period_start),
        "period_end": (gettext_lazy("Period end"), lambda s, now: s.period_end),
        "status": (gettext_lazy("Status"), lambda s, now: str(s.get_status_display())),
        "currency": (gettext_lazy("Currency"), lambda s, now: s.currency),
        "order_count": (gettext_lazy("Orders"), lambda s, now: s.order_count),
        "gmv": (gettext_lazy("GMV"), lambda s, now: s.gmv),
        "refunds": (gettext_lazy("Refunds"), lambda s, now: s.refunds),
        "commission": (gettext_lazy("Commission"), lambda s, now: s.commission),
        "subsidies": (gettext_lazy("Subsidies"), lambda s, now: s.subsidies),
        "fees": (gettext_lazy("Fees"), lambda s, now: s.fees),
        "deductions": (pgettext_lazy("statement", "Deductions"), lambda s, now: s.deductions),
        "frozen": (gettext_lazy("Frozen (disputed)"), lambda s, now: s.frozen),
        "released": (gettext_lazy("Released"), lambda s, now: s.released),
        "carried_in": (gettext_lazy("Carried in"), lambda s, now: s.carried_in),
        "net_payable": (gettext_lazy("Net payable"), lambda s, now: s.net_payable),
        "carried_forward": (gettext_lazy("Carried forward"), lambda s, now: s.carried_forward),
        "payout_due_on": (gettext_lazy("Payout due on"), lambda s, now: s.payout_due_on),
        "confirmed": (gettext_lazy("Confirmed"), lambda s, now: s.confirmed_at),
        "silently": (gettext_lazy("Confirmed by silence"),
                     lambda s, now: str(_("Yes") if s.confirmed_silently else _("No"))),
    }

    def get_base_queryset(self):
        return Statement.objects.select_related("merchant", "run").defer("pdf", "pdf_sha256")

    @cached_property
    def columns(self):
        return [
            TitleColumn("number", label=gettext_lazy("Statement number"), sort_key="number", classname="billing-nowrap",
                        get_url=lambda s: url("run", s.run_id), get_title_id=lambda s: f"statement_{s.pk}_title"),
            merchant_column(),
            Column("period", label=gettext_lazy("Period"), accessor=lambda s: run_label(s),
                   sort_key="period_start"),
            StatusTagColumn("status", label=gettext_lazy("Status"), accessor="get_status_display", sort_key="status",
                            primary=lambda s: s.status in (S.APPROVED, S.PAID)),
            MoneyColumn("gmv", label=gettext_lazy("GMV"), sort_key="gmv"),
            MoneyColumn("commission", label=gettext_lazy("Commission"), sort_key="commission"),
            MoneyColumn("frozen", label=gettext_lazy("Frozen (disputed)"), sort_key="frozen"),
            MoneyColumn("net_payable", label=gettext_lazy("Net payable"), sort_key="net_payable"),
            MoneyColumn("carried_forward", label=gettext_lazy("Carried forward"), sort_key="carried_forward"),
        ]


# ---- the payouts list

class PayoutListView(_ListInNamespace):
    """Every payout: to send, in a file awaiting the bank, paid (with the bank reference), returned."""

    model = Payout
    url_name = "payouts"
    page_title = gettext_lazy("Payouts")
    header_icon = "success"
    filterset_class = filters.PayoutFilterSet
    export_filename = "payouts"
    list_ordering = ("-due_on", "merchant__name", "pk")
    totals = {"amount": AMOUNT_TOTAL,
              "paid": Total(gettext_lazy("Paid"), models.Sum("amount", filter=models.Q(status=P.PAID)))}
    export_columns = {
        "reference": (gettext_lazy("Payout reference"), lambda p, now: p.reference),
        "merchant": (gettext_lazy("Merchant"), lambda p, now: p.merchant.name),
        "statement": (gettext_lazy("Statement number"), lambda p, now: p.statement.number),
        "status": (gettext_lazy("Status"), lambda p, now: str(p.get_status_display())),
        "currency": (gettext_lazy("Currency"), lambda p, now: p.currency),
        "amount": (gettext_lazy("Amount"), lambda p, now: p.amount),
        "due_on": (gettext_lazy("Due on"), lambda p, now: p.due_on),
        "bank": (gettext_lazy("Bank"), lambda p, now: p.bank_account.bank_name if p.bank_account else ""),
        "account": (gettext_lazy("Account"), lambda p, now: masked(p.bank_account.last4) if p.bank_account else ""),
        "file": (gettext_lazy("Payout file"), lambda p, now: p.last_file.reference if p.last_file else ""),
        "bank_reference": (gettext_lazy("Bank reference"), lambda p, now: p.bank_reference),
        "paid_on": (gettext_lazy("Paid on"), lambda p, now: p.paid_on),
        "paid_by": (gettext_lazy("Marked paid by"), lambda p, now: _user(p.paid_by) if p.paid_by else ""),
        "returned": (gettext_lazy("Why the bank returned it"), lambda p, now: p.returned_reason),
    }

    def get_base_queryset(self):
        return (Payout.objects.select_related("merchant", "statement", "bank_account", "last_file", "paid_by")
                .defer("bank_account__account_number", "statement__pdf"))

    @cached_property
    def columns(self):
        return [
            TitleColumn("reference", label=gettext_lazy("Payout reference"), sort_key="reference",
                        classname="billing-nowrap",
                        get_url=lambda p: url("payout", p.pk), get_title_id=lambda p: f"payout_{p.pk}_title"),
            merchant_column(),
            StatusTagColumn("status", label=gettext_lazy("Status"), accessor="get_status_display", sort_key="status",
                            primary=lambda p: p.status == P.PAID),
            amount_column(),
            day_column("due_on", gettext_lazy("Due on")),
            Column("account", label=gettext_lazy("Account"), accessor=lambda p: (
                f"{p.bank_account.bank_name} {masked(p.bank_account.last4)}" if p.bank_account else "—")),
            Column("bank_reference", label=gettext_lazy("Bank reference"), sort_key="bank_reference",
                   accessor=lambda p: p.bank_reference or "—"),
            day_column("paid_on", gettext_lazy("Paid on")),
        ]


# ---- a payout file: its lines on screen (masked) and the download for the bank

def _line_columns(full: bool) -> dict:
    def account(line, now):
        return line.bank_account.account_number if full else masked(line.last4)
    return {
        "line": (gettext_lazy("Line"), lambda line, now: line.pk),
        "payout": (gettext_lazy("Payout reference"), lambda line, now: line.payout.reference),
        "holder": (gettext_lazy("Account holder"), lambda line, now: line.holder_name),
        "bank": (gettext_lazy("Bank"), lambda line, now: line.bank_name),
        "branch": (gettext_lazy("Branch"), lambda line, now: line.branch),
        "account": (gettext_lazy("Account number"), account),
        "currency": (gettext_lazy("Currency"), lambda line, now: line.currency),
        "amount": (gettext_lazy("Amount"), lambda line, now: line.amount),
        "remark": (gettext_lazy("Remark"), lambda line, now: line.payout.statement.number),
        "due_on": (gettext_lazy("Due on"), lambda line, now: line.payout.due_on),
    }


class PayoutFileView(_ListInNamespace):
    """The lines of one payout file. `?export=csv|xlsx` downloads it for the bank (masked); with `&full=1` a user
    who may unmask gets the full account numbers. Each download is audited by the service."""

    model = PayoutFileLine
    url_name = "file"
    header_icon = "download"
    export_filename = "payout-file"
    template_name = "billing/admin/payouts/file.html"
    list_ordering = ("pk",)
    filterset_class = None
    totals = {"amount": AMOUNT_TOTAL}
    export_columns = _line_columns(full=False)
    full_numbers = False
    index_url_name = None
    index_results_url_name = None

    @cached_property
    def payout_file(self) -> PayoutFile:
        return get_object_or_404(PayoutFile.objects.select_related("run", "created_by"), pk=self.kwargs["pk"])

    def get_index_url(self):
        return url("file", self.payout_file.pk)

    def get_index_results_url(self):
        return url("file_results", self.payout_file.pk)

    def get_page_title(self):
        return _("Payout file %(reference)s") % {"reference": self.payout_file.reference}

    def get_breadcrumbs_items(self):
        return breadcrumbs_under(self, url=run_page_url(self.payout_file.run_id), label=str(self.payout_file.run))

    def get_base_queryset(self):
        return (PayoutFileLine.objects.filter(file=self.payout_file)
                .select_related("payout__statement", "payout__merchant", "bank_account")
                .defer("bank_account__account_number"))

    def get_filename(self) -> str:
        return f"{self.payout_file.reference}{'-full' if self.full_numbers else ''}"

    def get(self, request, *args, **kwargs):
        if self.is_export:
            try:
                lines = payout_file_rows(payout_file=self.payout_file, actor=request.user,
                                         full_numbers=self.full_numbers, export_format=request.GET.get("export"),
                                         ip_address=request.META.get("REMOTE_ADDR") or None)
            except ApplicationError as error:
                messages.error(request, error.message)
                return redirect(url("file", self.payout_file.pk))
            self.get_base_queryset = lambda: lines
            response = self.as_spreadsheet(lines, request.GET.get("export"))
            response["Cache-Control"] = "private, no-store"
            return response
        return super().get(request, *args, **kwargs)

    @cached_property
    def columns(self):
        return [
            Column("payout", label=gettext_lazy("Payout reference"), accessor=lambda line: line.payout.reference,
                   classname="billing-nowrap"),
            Column("merchant", label=gettext_lazy("Merchant"), accessor=lambda line: line.payout.merchant.name),
            Column("holder", label=gettext_lazy("Account holder"), accessor="holder_name"),
            Column("bank", label=gettext_lazy("Bank"), accessor=lambda line: f"{line.bank_name} {line.branch}"),
            Column("account", label=gettext_lazy("Account number"), accessor=lambda line: masked(line.last4)),
            MoneyColumn("amount", label=gettext_lazy("Amount")),
            Column("status", label=gettext_lazy("Status"), accessor=lambda line: (
                line.payout.get_status_display() if line.payout.last_file_id == line.file_id
                else _("Sent again in a later file"))),
        ]

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        f = self.payout_file
        awaiting = Payout.objects.filter(last_file=f, status=P.IN_FILE).count()
        context.update(payout_file=f, run=f.run, may_unmask=user_may_unmask(self.request.user),
                       awaiting=awaiting, paid_form=PaidForm(), run_url=url("run", f.run_id),
                       mark_paid_url=url("file_paid", f.pk), download_url=url("file", f.pk),
                       full_download_url=url("file_full", f.pk), timeline=billing_timeline(target=f))
        return context


class PayoutFileFullView(PayoutFileView):
    export_columns = _line_columns(full=True)
    full_numbers = True

    def get(self, request, *args, **kwargs):
        if not self.is_export:
            return redirect(url("file", self.kwargs["pk"]))
        return super().get(request, *args, **kwargs)


# ---- forms and actions

class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class PaidForm(forms.Form):
    bank_reference = forms.CharField(label=gettext_lazy("Bank reference"), max_length=100)
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), required=False,
                              help_text=gettext_lazy("Leave empty for today."),
                              widget=forms.DateInput(attrs={"type": "date"}))


class ReturnForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why the bank returned it"), max_length=300)


class _Action(FinanceRequiredMixin, View):
    """POST: validate the form, call one service, say what happened, go back."""

    http_method_names = ["post"]
    form_class: Any = None
    model: Any = None

    def next_url(self, obj) -> str:
        raise NotImplementedError

    def perform(self, obj, data: dict) -> str:
        raise NotImplementedError

    def post(self, request, pk: int):
        obj = get_object_or_404(self.model, pk=pk)
        data: dict = {}
        if self.form_class is not None:
            form = self.form_class(request.POST)
            if not form.is_valid():
                for field, errors in form.errors.items():
                    label = form.fields[field].label if field in form.fields else ""
                    for error in errors:
                        messages.error(request, f"{label}: {error}" if label else str(error))
                return redirect(self.next_url(obj))
            data = form.cleaned_data
        try:
            message = self.perform(obj, data)
        except (ValidationError, ApplicationError) as error:
            for text in error_messages(error):
                messages.error(request, text)
        else:
            if message:
                messages.success(request, message)
        return redirect(self.next_url(obj))


class RunApproveView(_Action):
    model = SettlementRun
    form_class = NoteForm

    def next_url(self, obj):
        return run_page_url(obj.pk)

    def perform(self, obj, data):
        run = settlement_run_approve(run=obj, actor=self.request.user, note=data.get("note", ""))
        if run.status == SettlementRun.Status.ISSUED:
            return _("First approval recorded: a statement's adjustments are above the threshold, so finance and "
                     "management both approve.")
        return _("Settlement run approved: %(count)s payouts to send.") % {"count": run.payouts.count()}


class FileCreateView(_Action):
    model = SettlementRun

    def next_url(self, obj):
        return run_page_url(obj.pk)

    def perform(self, obj, data):
        result = payout_file_create(run=obj, actor=self.request.user)
        for name in result.without_account:
            messages.warning(self.request, _("%(merchant)s has no bank account: its payout waits for the next "
                                             "file.") % {"merchant": name})
        return _("Payout file %(files)s made.") % {"files": ", ".join(f.reference for f in result.files)}


class FilePaidView(_Action):
    model = PayoutFile
    form_class = PaidForm

    def next_url(self, obj):
        return url("file", obj.pk)

    def perform(self, obj, data):
        count = payout_file_mark_paid(payout_file=obj, bank_reference=data["bank_reference"],
                                      paid_on=data.get("paid_on"), actor=self.request.user)
        return _("%(count)s payouts marked paid.") % {"count": count}


class PayoutPaidView(_Action):
    model = Payout
    form_class = PaidForm

    def next_url(self, obj):
        return url("payout", obj.pk)

    def perform(self, obj, data):
        payout_mark_paid(payout=obj, bank_reference=data["bank_reference"], paid_on=data.get("paid_on"),
                         actor=self.request.user)
        return _("Payout %(reference)s marked paid.") % {"reference": obj.reference}


class PayoutReturnView(_Action):
    model = Payout
    form_class = ReturnForm

    def next_url(self, obj):
        return url("payout", obj.pk)

    def perform(self, obj, data):
        payout_return(payout=obj, reason=data["reason"], actor=self.request.user)
        return _("Payout %(reference)s recorded as returned: it goes into the next payout file.") % {
            "reference": obj.reference}


# ---- a run's approval, payouts and reconciliation

def run_page_url(run_id: int) -> str:
    """The run's page: the run engine's detail page when it is installed, else this area's own."""
    from .lists import url_or_none

    return url_or_none("billing_settlements:run", run_id) or url("run", run_id)


def run_payout_panels(*, run: SettlementRun, user: Any) -> dict[str, Any]:
    """What `billing/admin/payouts/_run_panels.html` shows of a run: approval (who may approve now, or why not),
    payouts by status, payout files, and whether the reconciliation ties out. A fixed number of queries."""
    state = settlement_run_approval_state(run=run)
    may_approve, why_not = False, ""
    if run.status == SettlementRun.Status.ISSUED and not state.blockers:
        try:
            approval_step(actor=user, maker_id=run.created_by_id, first_approver_id=run.approved_by_id,
                          amount=state.largest.amount, threshold=state.threshold, currency=run.currency)
            may_approve = True
        except ApplicationError as error:
            why_not = error.message
    by_status = {row["status"]: row for row in Payout.objects.filter(run=run).order_by().values("status").annotate(
        count=models.Count("pk"), total=models.Sum("amount"))}
    payouts = [{"status": status, "label": label, "count": by_status.get(status, {}).get("count", 0),
                "total": by_status.get(status, {}).get("total") or 0} for status, label in P.choices]
    files = list(PayoutFile.objects.filter(run=run).select_related("created_by").order_by("number"))
    report = settlement_run_reconcile(run=run) if run.status != SettlementRun.Status.BUILDING else None
    return {
        "run": run, "approval": state, "may_approve": may_approve, "why_not": why_not, "note_form": NoteForm(),
        "approve_url": url("approve", run.pk), "payouts": payouts,
        "payout_files": [{"file": f, "url": url("file", f.pk)} for f in files],
        "to_send": by_status.get(P.PENDING, {}).get("count", 0) + by_status.get(P.RETURNED, {}).get("count", 0),
        "file_create_url": url("file_create", run.pk), "payouts_url": url("payouts") + f"?run={run.pk}",
        "statements_url": url("statements") + f"?run={run.pk}", "report": report,
        "reconciliation_url": url("reconciliation", run.pk),
    }


class _Page(FinanceRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    header_icon = "success"


class RunPayoutsView(_Page):
    """A run's approval, payouts and payout files (the run engine's page shows the same panels)."""

    template_name = "billing/admin/payouts/run.html"

    @cached_property
    def run(self) -> SettlementRun:
        return get_object_or_404(SettlementRun.objects.select_related("approved_by", "second_approved_by"),
                                 pk=self.kwargs["pk"])

    def get_page_title(self):
        return str(self.run)

    def get_breadcrumbs_items(self):
        return breadcrumbs_under(self, url=url("statements"), label=gettext_lazy("Statements"))

    def get(self, request, *args, **kwargs):
        # the run engine's page shows the same panels beside the build: go there when it is installed
        if (engine := run_page_url(self.run.pk)) != url("run", self.run.pk):
            return redirect(engine)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(run=self.run, timeline=billing_timeline(target=self.run))
        return context


class ReconciliationView(_Page):
    """The run's reconciliation report: the figures side by side and every exception."""

    template_name = "billing/admin/payouts/reconciliation.html"
    header_icon = "tasks"

    @cached_property
    def run(self) -> SettlementRun:
        return get_object_or_404(SettlementRun, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("Reconciliation of %(run)s") % {"run": run_label(self.run)}

    def get_breadcrumbs_items(self):
        return breadcrumbs_under(self, url=run_page_url(self.run.pk), label=str(self.run))

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "csv":
            return self.exceptions_csv(request)
        return super().get(request, *args, **kwargs)

    def exceptions_csv(self, request) -> HttpResponse:
        """The exceptions as CSV (a byte-order mark for Chinese names, cells a spreadsheet would run defused);
        the download is audited."""
        report = settlement_run_reconcile(run=self.run)
        audit_entry_create(actor=request.user, action="billing.reconciliation.exported", target=self.run,
                           data={"exceptions": len(report.exceptions)},
                           ip_address=request.META.get("REMOTE_ADDR") or None)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (f'attachment; filename="reconciliation-{self.run.period_start:%Y%m%d}'
                                           f'-{timezone.localtime():%Y%m%d-%H%M}.csv"')
        response["Cache-Control"] = "private, no-store"
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow([pgettext("reconciliation", "Check"), _("Where"), _("Merchant"), _("Currency"),
                         _("Expected"), _("Found"), _("Difference")])
        for e in report.exceptions:
            writer.writerow([export_value(str(value)) for value in (
                e.label, e.reference, e.merchant, e.currency, e.expected, e.actual,
                "" if e.difference is None else e.difference)])
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = settlement_run_reconcile(run=self.run)
        figure_labels = [("lines", _("Σ of the statement lines")), ("statements", _("Statements' net payable")),
                         ("payouts", _("Payouts")), ("file", _("Payout files")), ("paid", _("Paid"))]
        context.update(report=report, run=self.run, run_url=run_page_url(self.run.pk),
                       export_url=url("reconciliation", self.run.pk) + "?export=csv",
                       figures=[{"currency": currency, "rows": [{"key": key, "label": label, "value": values[key]}
                                                                for key, label in figure_labels]}
                                for currency, values in sorted(report.figures.items())],
                       checked_at=timezone.now())
        return context


class PayoutDetailView(_Page):
    template_name = "billing/admin/payouts/payout.html"

    @cached_property
    def payout(self) -> Payout:
        return get_object_or_404(Payout.objects.select_related(
            "merchant", "statement", "run", "bank_account", "last_file", "paid_by").defer(
            "bank_account__account_number"), pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("Payout %(reference)s") % {"reference": self.payout.reference}

    def get_page_subtitle(self):
        return self.payout.merchant.name

    def get_breadcrumbs_items(self):
        return breadcrumbs_under(self, url=url("payouts"), label=gettext_lazy("Payouts"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        p = self.payout
        context.update(p=p, account=(f"{p.bank_account.bank_name} {masked(p.bank_account.last4)}"
                                     if p.bank_account else None),
                       paid_form=PaidForm(), return_form=ReturnForm(), paid_url=url("payout_paid", p.pk),
                       return_url=url("payout_return", p.pk), run_url=run_page_url(p.run_id),
                       file_url=url("file", p.last_file_id) if p.last_file_id else None,
                       paid_by=_user(p.paid_by) if p.paid_by else "", paid_on=_day(p.paid_on),
                       timeline=billing_timeline(target=p))
        return context


class PayoutViewSet(ViewSet):
    """/admin/billing/payouts/: the statements and payouts lists, a run's approval and payouts, payout files."""

    name = "billing_payouts"
    url_prefix = "billing/payouts"
    url_namespace = NAMESPACE

    def get_urlpatterns(self):
        patterns = []
        for view in (StatementListView, PayoutListView):
            prefix = "" if view is PayoutListView else "statements/"
            patterns += [path(prefix, view.as_view(), name=view.url_name),
                         path(f"{prefix}results/", view.as_view(results_only=True), name=f"{view.url_name}_results")]
        return [
            *patterns,
            path("runs/<int:pk>/", RunPayoutsView.as_view(), name="run"),
            path("runs/<int:pk>/approve/", RunApproveView.as_view(), name="approve"),
            path("runs/<int:pk>/files/", FileCreateView.as_view(), name="file_create"),
            path("runs/<int:pk>/reconciliation/", ReconciliationView.as_view(), name="reconciliation"),
            path("files/<int:pk>/", PayoutFileView.as_view(), name="file"),
            path("files/<int:pk>/results/", PayoutFileView.as_view(results_only=True), name="file_results"),
            path("files/<int:pk>/full/", PayoutFileFullView.as_view(), name="file_full"),
            path("files/<int:pk>/paid/", FilePaidView.as_view(), name="file_paid"),
            path("<int:pk>/", PayoutDetailView.as_view(), name="payout"),
            path("<int:pk>/paid/", PayoutPaidView.as_view(), name="payout_paid"),
            path("<int:pk>/returned/", PayoutReturnView.as_view(), name="payout_return"),
        ]


payout_viewset = PayoutViewSet()


def menu_items() -> list[FinanceMenuItem]:
    return [FinanceMenuItem(gettext_lazy("Statements"), url("statements"), name="finance-statements",
                            icon_name="doc-full", order=300),
            FinanceMenuItem(gettext_lazy("Payouts"), url("payouts"), name="finance-payouts",
                            icon_name="success", order=310)]

