"""The merchant's invoice pages, under /<language>/portal/billing/invoices/: the list (invoices and credit
notes), one invoice (lines, what is credited and paid, its payments, the fapiao), its PDF and fapiao PDF,
paying it (by card or bank transfer) and the invoice details the fapiao is made out to (title and tax ID).

Every view works in `request.merchant` (`verified_merchant_required`) and reads through the selectors scoped to
it, so another merchant's invoice is a 404. Reading needs the READ_STATEMENTS capability, paying and changing
the invoice details PAY (owners, admins and finance users of the organisation)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.decorators import verified_merchant_required
from portal.accounts.permissions import Capability, membership_can, refusal_message
from portal.exceptions import ApplicationError

from . import invoice_selectors as selectors
from .downloads import private_file_response
from .invoice_forms import BillingProfileForm, PayForm
from .models import BillingProfile, Invoice, Payment
from .services.invoices import billing_profile_save, invoice_payment_open


def _refused(request: HttpRequest, capability: Capability) -> HttpResponse:
    return render(request, "billing/invoices/refused.html", {"refusal": refusal_message(capability)}, status=403)


def own_invoice(request: HttpRequest, pk) -> Invoice:
    invoice = selectors.invoice_get_for_merchant(merchant=request.merchant, pk=pk)
    if invoice is None:
        raise Http404(_("Your organisation has no invoice with this number."))
    return invoice


@require_GET
@verified_merchant_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    if not membership_can(request.membership, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    invoices = selectors.merchant_invoices(merchant=request.merchant)
    return render(request, "billing/invoices/list.html", {
        "invoices": invoices,
        "profile": BillingProfile.objects.filter(merchant=request.merchant).first(),
        "can_pay": membership_can(request.membership, Capability.PAY),
        "currency_due": _due_by_currency(invoices),
        "today": timezone.localdate(),
    })


def _due_by_currency(invoices) -> list[tuple[str, object]]:
    totals: dict[str, object] = {}
    for invoice in invoices:
        if invoice.due > 0:
            totals[invoice.currency] = totals.get(invoice.currency, 0) + invoice.due
    return sorted(totals.items())


@require_GET
@verified_merchant_required
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not membership_can(request.membership, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    invoice = own_invoice(request, pk)
    payments = selectors.invoice_payments(invoice)
    return render(request, "billing/invoices/detail.html", {
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "payments": payments,
        "credit_notes": selectors.invoice_credit_notes(invoice) if invoice.kind == Invoice.Kind.INVOICE else [],
        "can_pay": membership_can(request.membership, Capability.PAY),
        "pay_refusal": refusal_message(Capability.PAY),
        "awaiting": [p for p in payments if p.status in ("pending", "requires_action")],
        "today": timezone.localdate(),
    })


@require_GET
@verified_merchant_required
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    if not membership_can(request.membership, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    invoice = own_invoice(request, pk)
    return private_file_response(invoice.pdf, f"{invoice.number}.pdf")


@require_GET
@verified_merchant_required
def invoice_fapiao(request: HttpRequest, pk: int) -> HttpResponse:
    if not membership_can(request.membership, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    invoice = own_invoice(request, pk)
    return private_file_response(invoice.fapiao_pdf, f"{invoice.number}-fapiao-{invoice.fapiao_number}.pdf")


def payment_page_url(payment: Payment) -> str | None:
    """The page where the merchant completes `payment` (the card page or our bank details)."""
    name = "billing:payment_card" if payment.provider == "stripe" else "billing:payment_bank"
    try:
        return reverse(name, kwargs={"reference": payment.reference})
    except NoReverseMatch:
        return None


@require_POST
@verified_merchant_required
def invoice_pay(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = own_invoice(request, pk)
    if not membership_can(request.membership, Capability.PAY):
        messages.error(request, refusal_message(Capability.PAY))
        return redirect("billing:invoice_detail", pk=invoice.pk)
    form = PayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how to pay: by card or by bank transfer."))
        return redirect("billing:invoice_detail", pk=invoice.pk)
    try:
        payment = invoice_payment_open(invoice=invoice, provider=form.cleaned_data["method"], actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("billing:invoice_detail", pk=invoice.pk)
    url = payment_page_url(payment)
    if url is None:
        messages.info(request, _("Your payment %(reference)s is recorded; its page opens here soon.")
                      % {"reference": payment.reference})
        return redirect("billing:invoice_detail", pk=invoice.pk)
    return redirect(url)


@require_http_methods(["GET", "POST"])
@verified_merchant_required
def invoice_profile(request: HttpRequest) -> HttpResponse:
    """The invoice title [发票抬头] and tax ID [纳税人识别号] the next invoices and fapiao are made out to."""
    can_edit = membership_can(request.membership, Capability.PAY)
    profile = BillingProfile.objects.filter(merchant=request.merchant).first()
    if request.method == "POST":
        if not can_edit:
            messages.error(request, refusal_message(Capability.PAY))
            return redirect("billing:invoice_profile")
        form = BillingProfileForm(request.POST, instance=profile)
        if form.is_valid():
            billing_profile_save(merchant=request.merchant, data=form.cleaned_data, actor=request.user)
            messages.success(request, _("Invoice details saved. Invoices issued from now on are made out to them; "
                                        "invoices already issued keep theirs."))
            return redirect("billing:invoice_profile")
        status = 400
    else:
        form = BillingProfileForm(instance=profile)
        status = 200
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "billing/invoices/profile.html", {
        "form": form, "profile": profile, "can_edit": can_edit, "refusal": refusal_message(Capability.PAY),
    }, status=status)
