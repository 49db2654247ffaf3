"""The merchant's billing pages, under /<language>/portal/billing/: the overview of what is due, paying the deposit
(choose card or bank transfer), the deposit ledger, the payments and each payment's receipt.

Every view works in `request.merchant` (`verified_merchant_required`) and reads through `billing.selectors.merchant`,
so another merchant's payment or ledger is a 404. Reading needs the capability `read_statements` (owners, admins
and finance users of the merchant); paying needs `pay` (the others see the amounts without the button).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.decorators import verified_merchant_required
from portal.accounts.permissions import Capability, membership_can, refusal_message
from portal.exceptions import ApplicationError

from ..models import DepositAccount, PaymentStatus
from ..models.payments import Provider
from ..selectors import merchant as selectors
from ..selectors.ledger import ledger_rows
from ..services.payments import deposit_payment_open

PAGE_SIZE = 25
# where each method's page lives (the card page and the bank-transfer page), by the payment's reference
METHOD_PAGES = {Provider.STRIPE: "billing:payment_card", Provider.BANK_TRANSFER: "billing:payment_bank"}


def _refused(request: HttpRequest, capability: str) -> HttpResponse:
    return render(request, "billing/workspace/refused.html", {"refusal": refusal_message(capability)}, status=403)


def _can(request: HttpRequest, capability: str) -> bool:
    return membership_can(request.membership, capability)


def method_page_url(payment) -> str:
    """The page where the merchant continues this payment (the card form, our bank details), or its receipt
    while that page is not installed."""
    try:
        return reverse(METHOD_PAGES[payment.provider], kwargs={"reference": payment.reference})
    except (KeyError, NoReverseMatch):
        return reverse("billing:payment_detail", kwargs={"reference": payment.reference})


@require_GET
@verified_merchant_required
def overview(request: HttpRequest) -> HttpResponse:
    if not _can(request, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    overview = selectors.billing_overview(merchant=request.merchant)
    return render(request, "billing/workspace/overview.html", {
        "overview": overview,
        "can_pay": _can(request, Capability.PAY),
        "pay_refusal": refusal_message(Capability.PAY),
        "methods": Provider.choices,
        "invoices_url": _optional_url("billing:invoices"),
    })


def _optional_url(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


@require_POST
@verified_merchant_required
def deposit_pay(request: HttpRequest) -> HttpResponse:
    """POST method=stripe|bank_transfer: the open attempt to pay what the deposit lacks by that method (a double
    click reuses it), then that method's page."""
    if not _can(request, Capability.PAY):
        messages.error(request, refusal_message(Capability.PAY))
        return redirect("billing:overview")
    method = request.POST.get("method", "")
    if method not in Provider.values:
        messages.error(request, _("Choose how you want to pay: by card or by bank transfer."))
        return redirect("billing:overview")
    account = selectors.deposit_account_for_merchant(merchant=request.merchant)
    if account is None or account.status in (DepositAccount.Status.REFUND_DUE, DepositAccount.Status.CLOSED):
        messages.info(request, _("Your deposit has nothing to pay."))
        return redirect("billing:overview")
    try:
        payment = deposit_payment_open(account=account, provider=method, actor=request.user)
    except ApplicationError as exc:
        messages.info(request, exc.message)
        return redirect("billing:overview")
    return redirect(method_page_url(payment))


@require_GET
@verified_merchant_required
def ledger(request: HttpRequest) -> HttpResponse:
    if not _can(request, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    account = selectors.deposit_account_for_merchant(merchant=request.merchant)
    if account is None:
        raise Http404(_("Your organisation has no deposit yet."))
    rows = ledger_rows(account)
    page = Paginator(rows, 50).get_page(request.GET.get("p"))
    return render(request, "billing/workspace/ledger.html", {
        "account": account, "pager": page, "rows": page.object_list, "latest": rows[0] if rows else None,
    })


@require_GET
@verified_merchant_required
def payments(request: HttpRequest) -> HttpResponse:
    if not _can(request, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    page = Paginator(selectors.payments_for_merchant(merchant=request.merchant), PAGE_SIZE).get_page(
        request.GET.get("p"))
    return render(request, "billing/workspace/payments.html", {"pager": page, "payments": page.object_list})


@require_GET
@verified_merchant_required
def payment_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The payment and, once it succeeded, its receipt (printable)."""
    if not _can(request, Capability.READ_STATEMENTS):
        return _refused(request, Capability.READ_STATEMENTS)
    payment = selectors.payment_for_merchant(merchant=request.merchant, reference=reference)
    if payment is None:
        raise Http404(_("Your organisation has no payment with this reference."))
    continue_url = None
    if payment.status in (PaymentStatus.CREATED, PaymentStatus.REQUIRES_ACTION, PaymentStatus.FAILED) \
            and _can(request, Capability.PAY):
        target = method_page_url(payment)
        continue_url = target if target != request.path else None
    return render(request, "billing/workspace/payment_detail.html", {
        "payment": payment,
        "receipt": payment.status == PaymentStatus.SUCCEEDED,
        "continue_url": continue_url,
        "payee": _payee(),
    })


def _payee():
    from ..models import BillingSettings

    return BillingSettings.load()
