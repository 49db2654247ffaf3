"""The merchant's card page (operator guide §15): /<language>/portal/billing/payments/<reference>/card/.

The page shows what is paid and a Stripe Card Element (Stripe.js from Stripe's host, our own billing/card.js);
the card becomes a token in the browser, and card.js posts the token to `payment_card_confirm`, which confirms
the PaymentIntent on the server. When Stripe asks for 3-D Secure, card.js calls stripe.confirmCardPayment with
the client secret and then asks the server to read the intent back. The same page works on localstripe and on
Stripe. Only the card page's Content-Security-Policy allows the Stripe host.

A payment is fetched through the merchant of the request: another merchant's payment is a 404.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.decorators import verified_merchant_required
from portal.accounts.permissions import Capability, membership_can, refusal_message
from portal.exceptions import ApplicationError
from portal.middleware import csp_site_with

from ..models import Payment, PaymentStatus
from ..providers import ProviderUnavailable, provider_for
from ..providers.stripe import stripe_csp_sources

S = PaymentStatus


def status_labels() -> dict[str, str]:
    """The payment's state as the merchant reads it on this page."""
    return {
        S.CREATED: pgettext("card payment status", "Not paid yet"),
        S.PENDING: pgettext("card payment status", "Being processed"),
        S.REQUIRES_ACTION: pgettext("card payment status", "Awaiting card authentication"),
        S.SUCCEEDED: pgettext("card payment status", "Paid"),
        S.FAILED: pgettext("card payment status", "Not paid: the last attempt failed"),
        S.CANCELED: pgettext("card payment status", "Cancelled"),
    }


def _own_card_payment(request: HttpRequest, reference: str) -> Payment:
    payment = (Payment.objects.select_related("invoice", "account")
               .filter(merchant=request.merchant, reference=reference, provider="stripe").first())
    if payment is None:
        raise Http404(_("Your organisation has no card payment with this reference."))
    return payment


def payment_done_url(payment: Payment) -> str:
    """Where the merchant goes once the card is accepted: the payment's receipt."""
    return reverse("billing:payment_detail", kwargs={"reference": payment.reference})


@require_GET
@verified_merchant_required
def payment_card(request: HttpRequest, reference: str) -> HttpResponse:
    payment = _own_card_payment(request, reference)
    if payment.status == S.SUCCEEDED:
        return redirect(payment_done_url(payment))
    provider = provider_for("stripe")
    can_pay = membership_can(request.membership, Capability.PAY)
    response = render(request, "billing/payment_card.html", {
        "payment": payment,
        "card": provider.start(payment),
        "can_pay": can_pay and payment.status != S.CANCELED,
        "refusal": "" if can_pay else refusal_message(Capability.PAY),
        "status_label": status_labels().get(payment.status, payment.get_status_display()),
        "stripe_locale": "zh" if (get_language() or "").startswith("zh") else "en",
    })
    response["Content-Security-Policy"] = csp_site_with(stripe_csp_sources())
    return response


@require_POST
@verified_merchant_required
def payment_card_confirm(request: HttpRequest, reference: str) -> JsonResponse:
    """JSON for card.js: {status, message, client_secret (3-D Secure), redirect (when done)}."""
    payment = _own_card_payment(request, reference)
    if not membership_can(request.membership, Capability.PAY):
        return JsonResponse({"status": payment.status, "message": refusal_message(Capability.PAY)}, status=403)
    provider = provider_for("stripe")
    action = request.POST.get("action", "confirm")
    try:
        if action == "refresh":
            outcome = provider.refresh_card(payment, actor=request.user)
        elif action == "confirm":
            outcome = provider.confirm_card(payment, token=request.POST.get("token", ""), actor=request.user)
        else:
            return JsonResponse({"status": payment.status, "message": _("Unknown action.")}, status=400)
    except ProviderUnavailable as error:
        return JsonResponse({"status": "unavailable", "message": error.message}, status=503)
    except ApplicationError as error:
        return JsonResponse({"status": payment.status, "message": error.message}, status=400)
    answer: dict = {"status": outcome.status, "message": outcome.message}
    if outcome.status == S.REQUIRES_ACTION:
        answer["client_secret"] = outcome.client_secret
    elif outcome.status in (S.SUCCEEDED, S.PENDING):
        answer["redirect"] = payment_done_url(payment)
    elif outcome.status == S.CANCELED:
        answer["message"] = _("This payment was cancelled. Start a new one from your billing page.")
    return JsonResponse(answer)
