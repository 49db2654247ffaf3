"""The merchant's bank-transfer page, under /<language>/portal/billing/payments/<reference>/bank-transfer/: our
account details, the amount due now, the reference to write in the remark [附言], where the transfer stands, and
a printable copy. The payment is fetched through the merchant the request works in: another merchant's payment
(or a card payment) is a 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.accounts.decorators import verified_merchant_required
from portal.accounts.permissions import Capability, membership_can, refusal_message

from ..providers import provider_for
from ..selectors.bank import bank_payment_for_merchant, bank_receipts_related


def _page(request: HttpRequest, reference: str, template: str) -> HttpResponse:
    payment = bank_payment_for_merchant(merchant=request.merchant, reference=reference)
    if payment is None:
        raise Http404(_("Your organisation has no bank transfer with this reference."))
    if not (membership_can(request.membership, Capability.PAY)
            or membership_can(request.membership, Capability.READ_STATEMENTS)):
        return render(request, "billing/bank/refused.html",
                      {"refusal": refusal_message(Capability.PAY)}, status=403)
    details = provider_for("bank_transfer").start(payment)
    return render(request, template, {**details, "receipts": bank_receipts_related(payment=details["payment"])})


@require_GET
@verified_merchant_required
def payment_bank(request: HttpRequest, reference: str) -> HttpResponse:
    return _page(request, reference, "billing/bank/transfer.html")


@require_GET
@verified_merchant_required
def payment_bank_print(request: HttpRequest, reference: str) -> HttpResponse:
    """The same details on one printable page (no navigation)."""
    return _page(request, reference, "billing/bank/transfer_print.html")
