"""Finance's bank-transfer screens in the Wagtail admin (namespace "billing_bank", /admin/billing/bank/): the
transfers awaiting confirmation with their actions, recording a receipt, one transfer with confirm and reject, its
receipt file. Statement imports are in `bank_statements`.

Access: the finance role (superusers hold every role) to open any page, 403 otherwise. Each action calls one
service of billing.services.bank_transfers, which decides (the four-eyes rule included); what it refuses comes
back as a message on the page or on the form's fields, never a 500.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, error_messages
from portal.money import format_money
from portal.roles import Role, user_has_any_role

from ..models import BankStatementLine, BillingSettings, Payment
from ..selectors.bank import bank_transfer_for_staff, bank_transfers_pending
from ..selectors.bank_timeline import bank_transfer_timeline
from ..services.bank_statements import statement_line_recorded
from ..services.bank_transfers import (
    PartialTransfer,
    bank_transfer_confirm,
    bank_transfer_record,
    bank_transfer_reject,
)
from .bank_forms import ReceiptForm, RejectForm
from .lists import url_or_none

URL_NAMESPACE = "billing_bank"
BANK_STAFF_ROLES = frozenset({Role.FINANCE.value})


def url(name: str, *args) -> str:
    return reverse(f"{URL_NAMESPACE}:{name}", args=args)


def user_is_bank_staff(user) -> bool:
    return user_has_any_role(user, BANK_STAFF_ROLES)


class BankStaffRequiredMixin:
    """403 with a page saying who works with bank transfers, for anyone without the finance role."""

    def dispatch(self, request, *args, **kwargs):
        if not user_is_bank_staff(request.user):
            return TemplateResponse(request, "billing/admin/bank/forbidden.html", {
                "page_title": _("No access to bank transfers"), "header_icon": "warning"}, status=403)
        return super().dispatch(request, *args, **kwargs)


class BankPageMixin(BankStaffRequiredMixin, WagtailAdminTemplateMixin):
    header_icon = "form"
    breadcrumb_label = gettext_lazy("Bank transfers")

    def get_breadcrumbs_items(self):
        items = [*self.breadcrumbs_items, {"url": url("index"), "label": gettext_lazy("Bank transfers")}]
        return [*items, {"url": "", "label": self.get_page_title()}]


class PendingTransfersView(BankPageMixin, TemplateView):
    """The recorded transfers awaiting a second person, with confirm (not for their maker) and reject."""

    template_name = "billing/admin/bank/pending.html"
    page_title = gettext_lazy("Bank transfers awaiting confirmation")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": gettext_lazy("Bank transfers")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(bank_transfers_pending())
        totals: dict[str, object] = {}
        for row in rows:
            totals[row.currency] = totals.get(row.currency, 0) + row.amount
        context.update(rows=rows, totals=[format_money(v, c) for c, v in sorted(totals.items())],
                       threshold=BillingSettings.load().transfer_confirm_threshold,
                       currency=BillingSettings.load().currency, reject_form=RejectForm())
        return context


class RecordReceiptView(BankPageMixin, TemplateView):
    template_name = "billing/admin/bank/record.html"
    page_title = gettext_lazy("Record a bank transfer")

    def _initial(self) -> dict:
        keys = ("reference", "amount", "received_on", "bank_reference", "payer_name", "line")
        return {key: self.request.GET[key] for key in keys if self.request.GET.get(key)}

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=ReceiptForm(initial=self._initial())))

    def post(self, request, *args, **kwargs):
        form = ReceiptForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment = bank_transfer_record(
                    actor=request.user, amount=data["amount"], received_on=data["received_on"],
                    bank_reference=data["bank_reference"], payer_name=data["payer_name"],
                    receipt=data.get("receipt"), payment=form.payment,
                    merchant=None if form.payment else data.get("merchant"),
                    purpose=None if form.payment else data.get("purpose"), invoice=form.invoice,
                    partial=data.get("partial", False))
            except PartialTransfer as error:
                form.add_error("amount", error.message)
                form.partial_needed = True
            except (ValidationError, ApplicationError) as error:
                for message in error_messages(error):
                    form.add_error(None, message)
            else:
                line = BankStatementLine.objects.filter(pk=data.get("line")).first() if data.get("line") else None
                if line is not None and line.outcome in ("unmatched", "amount_mismatch"):
                    statement_line_recorded(line=line, payment=payment)
                facts = {"amount": format_money(payment.amount, payment.currency), "ref": payment.reference,
                         "merchant": payment.merchant.name}
                if payment.status == "succeeded":
                    messages.success(request, _("Transfer of %(amount)s from %(merchant)s recorded and confirmed "
                                                "(%(ref)s).") % facts)
                else:
                    messages.success(request, _("Transfer of %(amount)s from %(merchant)s recorded (%(ref)s). "
                                                "Above the threshold, another finance user confirms it.") % facts)
                return redirect(url("payment", payment.pk))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        settings = BillingSettings.load()
        context.update(submit_url=url("record"), threshold=settings.transfer_confirm_threshold,
                       currency=settings.currency)
        return context


class TransferDetailView(BankPageMixin, TemplateView):
    template_name = "billing/admin/bank/detail.html"

    @cached_property
    def payment(self) -> Payment:
        payment = bank_transfer_for_staff(pk=self.kwargs["pk"])
        if payment is None:
            raise Http404
        return payment

    def get_page_title(self):
        return _("Bank transfer %(ref)s") % {"ref": self.payment.reference}

    def get_page_subtitle(self):
        return self.payment.merchant.name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        payment, user = self.payment, self.request.user
        pending = payment.status == "pending"
        context.update(
            payment=payment,
            lines=list(payment.statement_lines.select_related("statement").order_by("id")),
            show_confirm=pending and payment.recorded_by_id != user.pk,
            confirm_blocked=pending and payment.recorded_by_id == user.pk,
            show_reject=pending,
            show_record=payment.status in ("created", "failed"),
            reject_form=RejectForm(),
            record_url=f"{url('record')}?reference={payment.reference}",
            timeline=bank_transfer_timeline(payment=payment),
            deposit_url=url_or_none("billing_finance:deposit", payment.account_id) if payment.account_id else None,
            invoice_url=url_or_none("billing_invoices:detail", payment.invoice_id) if payment.invoice_id else None,
        )
        return context


class TransferActionView(BankStaffRequiredMixin, View):
    """POST only: call one service, say what happened, go back (to the list when asked, else the transfer)."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        payment = bank_transfer_for_staff(pk=pk)
        if payment is None:
            raise Http404
        next_url = url("index") if request.POST.get("next") == "index" else url("payment", payment.pk)
        try:
            self.perform(payment)
        except (ValidationError, ApplicationError) as error:
            for message in error_messages(error):
                messages.error(request, message)
        return redirect(next_url)

    def perform(self, payment: Payment) -> None:
        raise NotImplementedError("each action view calls its own service")


class ConfirmView(TransferActionView):
    def perform(self, payment):
        payment = bank_transfer_confirm(payment=payment, actor=self.request.user)
        messages.success(self.request, _("Transfer %(ref)s of %(amount)s confirmed: the money is booked.")
                         % {"ref": payment.reference, "amount": format_money(payment.amount, payment.currency)})


class RejectView(TransferActionView):
    def perform(self, payment):
        form = RejectForm(self.request.POST)
        if not form.is_valid():
            raise ApplicationError(_("Say why the recorded transfer is rejected."))
        payment = bank_transfer_reject(payment=payment, actor=self.request.user, reason=form.cleaned_data["reason"])
        messages.success(self.request, _("The transfer recorded for %(ref)s was rejected; the payment awaits its "
                                         "money again.") % {"ref": payment.reference})


class ReceiptDownloadView(BankStaffRequiredMixin, View):
    """The bank receipt finance attached, from private storage; each download is recorded."""

    def get(self, request, pk: int):
        payment = bank_transfer_for_staff(pk=pk)
        if payment is None or not payment.receipt:
            raise Http404
        try:
            handle = payment.receipt.open("rb")
        except (FileNotFoundError, OSError) as error:
            raise Http404 from error
        audit_entry_create(actor=request.user, action="billing.bank_transfer.receipt_downloaded", target=payment,
                           data={"name": payment.receipt.name}, ip_address=request.META.get("REMOTE_ADDR") or None)
        name = payment.receipt.name.rsplit("/", 1)[-1]
        response = FileResponse(handle, as_attachment=True, filename=f"{payment.reference}-{name}")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

