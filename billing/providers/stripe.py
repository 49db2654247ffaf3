"""Card payments through Stripe PaymentIntents (operator guide §15).

The card is collected by Stripe.js on our page (the Card Element makes a token; card data never reaches our
server) and the PaymentIntent is confirmed here, on the server:

    confirm_card(payment, token)
      1. one transaction: lock the payment; create its PaymentIntent if it has none (idempotency key from the row)
         and store the id; the payment becomes pending ("card submitted") — committed BEFORE confirming, so a
         lost answer is found again by the read-back task;
      2. a second transaction: lock again; attach the card (a Stripe customer holding the token's card, which
         both Stripe and localstripe accept) and confirm with an idempotency key per attempt; apply the result:
         succeeded → payment_succeeded, requires_action → the page calls stripe.confirmCardPayment(client_secret)
         and then asks us to read the intent back, declined → payment_failed with the card's message.

What holds:
- at most one PaymentIntent that can still charge per payment row: a double click finds the stored id under the
  row lock. Only after a declined charge is the spent intent canceled and the next card given a new one (key
  `payment-<id>-intent-<n>`): Stripe would let us reuse it, localstripe cannot, and a canceled intent charges
  nobody;
- no Stripe call runs inside a transaction that has already written an audit entry (the audit chain's lock would
  be held across the network);
- a Stripe that does not answer raises ProviderUnavailable: nothing is charged twice, nothing recorded is lost,
  and billing.tasks.payments_reconcile_task reads the payment back later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import stripe
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.exceptions import ApplicationError
from portal.money import to_minor_units
from portal.workflow import row_lock

from .base import PaymentProvider, ProviderUnavailable, provider_register

logger = logging.getLogger(__name__)

# Stripe's errors that mean "Stripe did not answer usefully just now": retry later, nothing was decided
UNAVAILABLE = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError, stripe.AuthenticationError)


def stripe_client() -> stripe.StripeClient:
    """A client on settings.STRIPE_API_BASE (localstripe) or Stripe itself, with our timeout and no retries of
    its own (the read-back task retries)."""
    kwargs: dict[str, Any] = {
        "max_network_retries": 0,
        "http_client": stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT),
    }
    if settings.STRIPE_API_BASE:
        kwargs["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **kwargs)


def stripe_js_url() -> str:
    """Where the browser loads Stripe.js: localstripe serves its stand-in at /js.stripe.com/v3/."""
    if settings.STRIPE_JS_URL:
        return settings.STRIPE_JS_URL
    if settings.STRIPE_API_BASE:
        return settings.STRIPE_API_BASE.rstrip("/") + "/js.stripe.com/v3/"
    return "https://js.stripe.com/v3/"


def stripe_csp_sources() -> dict[str, list[str]]:
    """What the card page's Content-Security-Policy adds for Stripe.js: its script, its frames (the Card
    Element, 3-D Secure) and the API it calls."""
    js = urlsplit(stripe_js_url())
    origin = f"{js.scheme}://{js.netloc}"
    if settings.STRIPE_API_BASE and origin == _origin(settings.STRIPE_API_BASE):
        return {"script-src": [origin], "frame-src": [origin], "connect-src": [origin]}
    return {"script-src": [origin], "frame-src": [origin, "https://hooks.stripe.com"],
            "connect-src": ["https://api.stripe.com", origin]}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def sget(obj: Any, key: str, default: Any = None) -> Any:
    """A field of a Stripe object (stripe-python's objects are not dicts) or of a plain dict."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(key, default)
    if not hasattr(obj, "__getitem__"):
        return getattr(obj, key, default)
    try:
        value = obj[key]
    except KeyError:
        return default
    return default if value is None else value


def _id(value: Any) -> str | None:
    """An expandable Stripe field: an id, an object or None."""
    if value is None or isinstance(value, str):
        return value
    return sget(value, "id")


# Our own words for the usual declines (Stripe's decline_code or code); anything else shows Stripe's message.
DECLINE_MESSAGES = {
    "card_declined": gettext_lazy("Your card was declined. Try another card or pay by bank transfer."),
    "generic_decline": gettext_lazy("Your card was declined. Try another card or pay by bank transfer."),
    "insufficient_funds": gettext_lazy("Your card has insufficient funds."),
    "expired_card": gettext_lazy("Your card has expired."),
    "incorrect_cvc": gettext_lazy("The card's security code is incorrect."),
    "incorrect_number": gettext_lazy("The card number is incorrect."),
    "processing_error": gettext_lazy("The card could not be processed. Please try again."),
    "payment_intent_authentication_failure": gettext_lazy(
        "The card's authentication (3-D Secure) failed or was cancelled. Try again or use another card."),
}


def decline_message(code: str, stripe_message: str = "") -> str:
    message = DECLINE_MESSAGES.get(code)
    return str(message) if message else (stripe_message or str(DECLINE_MESSAGES["card_declined"]))


@dataclass(frozen=True)
class CardOutcome:
    """What the card page needs after a confirmation or a read-back."""

    status: str
    client_secret: str = ""  # for stripe.confirmCardPayment when status is requires_action
    message: str = ""  # the decline, for the merchant


class StripeProvider(PaymentProvider):
    identifier = "stripe"
    verbose_name = gettext_lazy("Card (Stripe)")

    # ---- payments

    def start(self, payment) -> dict[str, Any]:
        """What the card page shows: no Stripe call (the PaymentIntent is made when the card is submitted)."""
        return {"publishable_key": settings.STRIPE_PUBLISHABLE_KEY, "js_url": stripe_js_url(),
                "amount": payment.amount, "currency": payment.currency}

    def confirm(self, payment, data: dict[str, Any]) -> str:
        return self.confirm_card(payment, token=data.get("token", ""), actor=data.get("actor")).status

    def confirm_card(self, payment, *, token: str, actor: Any | None = None) -> CardOutcome:
        from ..models import PaymentStatus as S

        if not token or not token.startswith("tok_") or len(token) > 100:
            raise ApplicationError(_("The card details did not reach us. Please enter them again."))
        client = stripe_client()
        intent_id = self._intent_prepare(client, payment, actor=actor)
        if intent_id is None:  # already paid or cancelled: nothing to confirm
            payment.refresh_from_db()
            return CardOutcome(status=payment.status)
        with transaction.atomic():
            payment = row_lock(payment)
            if payment.status in (S.SUCCEEDED, S.CANCELED) or payment.stripe_payment_intent_id != intent_id:
                return CardOutcome(status=payment.status)
            attempt = payment.stripe_attempts + 1
            try:
                customer = client.v1.customers.create(
                    params={"source": token, "metadata": {"payment": str(payment.pk),
                                                          "reference": payment.reference}},
                    options={"idempotency_key": f"payment-{payment.pk}-customer-{attempt}"})
                client.v1.payment_intents.update(intent_id, params={
                    "customer": customer.id, "payment_method": customer.default_source})
                try:
                    intent = client.v1.payment_intents.confirm(
                        intent_id, options={"idempotency_key": f"payment-{payment.pk}-confirm-{attempt}"})
                except stripe.CardError as error:
                    intent = client.v1.payment_intents.retrieve(intent_id)
                    code = error.code or ""
                    decline = sget(getattr(error, "error", None), "decline_code") or code
                    payment.stripe_attempts = attempt
                    payment.save(update_fields=["stripe_attempts", "updated_at"])
                    return self._apply(payment, intent, actor=actor,
                                       failure=(code or "card_declined", decline_message(decline, error.user_message
                                                                                          or "")))
            except stripe.CardError as error:  # the card was refused when it was attached
                payment.stripe_attempts = attempt
                payment.save(update_fields=["stripe_attempts", "updated_at"])
                from ..services.payments import payment_failed

                message = decline_message(error.code or "card_declined", error.user_message or "")
                payment = payment_failed(payment=payment, code=error.code or "card_declined", message=message,
                                         actor=actor)
                return CardOutcome(status=payment.status, message=message)
            except stripe.InvalidRequestError as error:
                logger.warning("stripe refused the card of payment %s: %s", payment.pk, error)
                raise ApplicationError(_("The card could not be used. Please enter it again or try another card.")
                                       ) from error
            except UNAVAILABLE as error:
                logger.warning("stripe unreachable confirming payment %s: %s", payment.pk, error)
                raise ProviderUnavailable() from error
            payment.stripe_attempts = attempt
            payment.save(update_fields=["stripe_attempts", "updated_at"])
            return self._apply(payment, intent, actor=actor)

    def _intent_prepare(self, client: stripe.StripeClient, payment, *, actor: Any | None) -> str | None:
        """The payment's PaymentIntent that can take a card (created, or renewed after a decline), stored and
        committed with the payment pending. None when the payment is final."""
        from ..models import PaymentStatus as S
        from ..services.payments import payment_pending

        with transaction.atomic():
            payment = row_lock(payment)
            if payment.status in (S.SUCCEEDED, S.CANCELED):
                return None
            try:
                intent_id = payment.stripe_payment_intent_id
                if intent_id:
                    intent = client.v1.payment_intents.retrieve(intent_id)
                    if intent.status == "succeeded":
                        return intent_id  # the confirmation below applies it
                    # a declined charge or an abandoned 3-D Secure: that intent takes no new card on localstripe
                    spent = intent.status in ("canceled", "requires_action") or (
                        intent.status == "requires_payment_method" and _id(intent.latest_charge) is not None)
                    if spent:
                        if intent.status != "canceled":
                            client.v1.payment_intents.cancel(intent_id)
                        intent_id = None
                if not intent_id:
                    intent_id = self._intent_create(client, payment)
            except UNAVAILABLE as error:
                logger.warning("stripe unreachable preparing payment %s: %s", payment.pk, error)
                raise ProviderUnavailable() from error
            if payment.stripe_payment_intent_id != intent_id:
                payment.stripe_payment_intent_id = intent_id
                payment.save(update_fields=["stripe_payment_intent_id", "updated_at"])
            if payment.status != S.PENDING:
                payment_pending(payment=payment, actor=actor)
        return intent_id

    def _intent_create(self, client: stripe.StripeClient, payment) -> str:
        from ..models import PaymentStatus as S

        renewed = payment.stripe_payment_intent_id is not None
        # the first intent of a row has the row's key; a renewal after a decline its own
        key = payment.idempotency_key if not renewed else f"{payment.idempotency_key}-{payment.stripe_attempts + 1}"
        intent = client.v1.payment_intents.create(
            params={"amount": to_minor_units(payment.amount, payment.currency), "currency": payment.currency.lower(),
                    "payment_method_types": ["card"],
                    "metadata": {"payment": str(payment.pk), "reference": payment.reference,
                                 "purpose": payment.purpose, "merchant": str(payment.merchant_id)}},
            options={"idempotency_key": key})
        from portal.audit import audit_entry_create

        # after the Stripe calls of this transaction (the audit chain's lock is held until commit)
        audit_entry_create(actor=None, action="billing.payment.intent_created", target=payment,
                           data={"intent": intent.id, "amount": payment.amount, "currency": payment.currency,
                                 "replaces": payment.stripe_payment_intent_id or "",
                                 "status": S(payment.status).value})
        return intent.id

    def refresh(self, payment, *, actor: Any | None = None) -> str:
        """Read the PaymentIntent back and apply it (the card page after 3-D Secure, the webhook, the task)."""
        return self.refresh_card(payment, actor=actor).status

    def refresh_card(self, payment, *, actor: Any | None = None, abandon_unconfirmed: bool = False) -> CardOutcome:
        """`abandon_unconfirmed` (the read-back task): a pending payment whose intent never got a card confirmed
        (the confirmation did not reach Stripe) becomes failed, so the merchant can try again."""
        payment = type(payment).objects.get(pk=payment.pk)
        if not payment.stripe_payment_intent_id:
            return CardOutcome(status=payment.status)
        try:
            intent = stripe_client().v1.payment_intents.retrieve(payment.stripe_payment_intent_id)
        except UNAVAILABLE as error:
            raise ProviderUnavailable() from error
        with transaction.atomic():
            payment = row_lock(payment)
            return self._apply(payment, intent, actor=actor, abandon_unconfirmed=abandon_unconfirmed)

    def _apply(self, payment, intent, *, actor: Any | None = None, failure: tuple[str, str] | None = None,
               abandon_unconfirmed: bool = False) -> CardOutcome:
        """Move the locked `payment` to what its PaymentIntent says. Idempotent; a stale intent (replaced after a
        decline) changes nothing."""
        from ..models import PaymentStatus as S
        from ..services import payments as svc

        now = timezone.now()
        type(payment).objects.filter(pk=payment.pk).update(last_checked_at=now)
        payment.last_checked_at = now
        if intent.id != payment.stripe_payment_intent_id or payment.status in (S.SUCCEEDED, S.CANCELED):
            return CardOutcome(status=payment.status)
        status = intent.status
        if status == "succeeded":
            if (intent.amount != to_minor_units(payment.amount, payment.currency)
                    or intent.currency.upper() != payment.currency.upper()):
                logger.error("payment %s: intent %s is for %s %s, not %s %s", payment.pk, intent.id, intent.amount,
                             intent.currency, payment.amount, payment.currency)
                return CardOutcome(status=payment.status)
            payment = svc.payment_succeeded(payment=payment, actor=actor)
            return CardOutcome(status=payment.status)
        if status == "requires_action":
            payment = svc.payment_requires_action(payment=payment, actor=actor)
            return CardOutcome(status=payment.status, client_secret=intent.client_secret or "")
        if status in ("processing", "requires_confirmation", "requires_capture"):
            payment = svc.payment_pending(payment=payment, actor=actor)
            return CardOutcome(status=payment.status)
        if status == "canceled":
            if payment.status == S.FAILED:
                return CardOutcome(status=payment.status, message=payment.failure_message)
            payment = svc.payment_canceled(payment=payment, actor=actor, reason="canceled in Stripe")
            return CardOutcome(status=payment.status)
        # requires_payment_method: a decline or a failed authentication, or no card yet
        error = intent.last_payment_error
        if failure is None and error:
            code = sget(error, "decline_code") or sget(error, "code") or "card_declined"
            failure = (sget(error, "code") or code, decline_message(code, sget(error, "message", "")))
        if failure is None and abandon_unconfirmed and payment.status == S.PENDING:
            failure = ("not_confirmed", _("The card payment was not completed. Nothing was charged; please try "
                                          "again."))
        if failure is not None:
            payment = svc.payment_failed(payment=payment, code=failure[0], message=failure[1], actor=actor)
            return CardOutcome(status=payment.status, message=failure[1])
        return CardOutcome(status=payment.status)

    def cancel(self, payment, *, actor: Any | None = None, reason: str = "") -> str:
        """Close a card attempt that must no longer charge (what it asks for is not what is due any more): its
        PaymentIntent is cancelled at Stripe, then the payment. An intent that already took the money is applied
        instead (nothing is cancelled). ProviderUnavailable when Stripe cannot be reached (nothing changes)."""
        from ..models import PaymentStatus as S
        from ..services.payments import payment_canceled

        intent_id = payment.stripe_payment_intent_id
        if intent_id:
            client = stripe_client()
            try:
                intent = client.v1.payment_intents.retrieve(intent_id)
                if intent.status in ("succeeded", "processing"):
                    with transaction.atomic():
                        return self._apply(row_lock(payment), intent, actor=actor).status
                if intent.status != "canceled":
                    client.v1.payment_intents.cancel(intent_id)
            except UNAVAILABLE as error:
                logger.warning("stripe unreachable cancelling payment %s: %s", payment.pk, error)
                raise ProviderUnavailable() from error
        with transaction.atomic():
            payment = row_lock(payment)
            if payment.status in (S.SUCCEEDED, S.CANCELED):
                return payment.status
            return payment_canceled(payment=payment, actor=actor, reason=reason).status

    # ---- refunds

    def refund(self, refund, *, actor: Any | None = None) -> str:
        """Send `refund` back to the card of `refund.payment`: the amount is reserved first (refund_pending,
        committed), then Stripe is asked with the refund's idempotency key. Stripe unreachable → the refund stays
        pending (reserved) and ProviderUnavailable is raised; the read-back task sends it when Stripe answers."""
        from ..services.refunds import refund_pending

        payment = refund.payment
        if payment is None or not payment.stripe_payment_intent_id or payment.status != "succeeded":
            raise ApplicationError(_("This refund has no card payment to go back to: send it by bank transfer."))
        if refund.status not in ("pending",):
            refund = refund_pending(refund=refund, actor=actor)
        return self._refund_send(refund, actor=actor)

    def _refund_send(self, refund, *, actor: Any | None = None) -> str:
        client = stripe_client()
        try:
            attempt = _refund_attempt(refund)
            found = self._stripe_refund_of(client, refund, attempt)
            if found is None:
                found = client.v1.refunds.create(
                    params={"payment_intent": refund.payment.stripe_payment_intent_id,
                            "amount": to_minor_units(refund.amount, refund.currency),
                            "metadata": {"refund": str(refund.pk), "attempt": str(attempt),
                                         "reason": refund.reason}},
                    options={"idempotency_key": f"{refund.idempotency_key}-{attempt}"})
        except UNAVAILABLE as error:
            logger.warning("stripe unreachable sending refund %s: %s", refund.pk, error)
            raise ProviderUnavailable(_(
                "Stripe cannot be reached just now. The refund is reserved and will be sent automatically when "
                "Stripe answers again; nothing is lost.")) from error
        except stripe.InvalidRequestError as error:
            from ..services.refunds import refund_failed

            refund = refund_failed(refund=refund, message=error.user_message or str(error)[:300], actor=actor)
            return refund.status
        return self._refund_apply(refund, found, actor=actor)

    def _stripe_refund_of(self, client: stripe.StripeClient, refund, attempt: int):
        """The Stripe refund already made for this attempt of `refund` (its stored id, or found by its metadata
        when the answer to the create was lost), or None."""
        if refund.stripe_refund_id:
            found = client.v1.refunds.retrieve(refund.stripe_refund_id)
            if sget(found.metadata, "attempt", "1") == str(attempt):
                return found
        listed = client.v1.refunds.list(params={"payment_intent": refund.payment.stripe_payment_intent_id,
                                                "limit": 100})
        for item in listed.data:
            metadata = item.metadata
            if sget(metadata, "refund") == str(refund.pk) and sget(metadata, "attempt", "1") == str(attempt):
                return item
        return None

    def refresh_refund(self, refund, *, actor: Any | None = None) -> str:
        """Read a sent refund back (and send it if Stripe never got it)."""
        if refund.status != "pending" or refund.provider != self.identifier:
            return refund.status
        return self._refund_send(refund, actor=actor)

    def _refund_apply(self, refund, stripe_refund, *, actor: Any | None = None) -> str:
        from ..models import Refund
        from ..services.refunds import refund_failed, refund_succeeded

        now = timezone.now()
        Refund.objects.filter(pk=refund.pk).update(last_checked_at=now,
                                                   stripe_refund_id=stripe_refund.id)
        refund.stripe_refund_id = stripe_refund.id
        if stripe_refund.status == "succeeded":
            refund = refund_succeeded(refund=refund, actor=actor)
        elif stripe_refund.status in ("failed", "canceled"):
            refund = refund_failed(refund=refund, message=sget(stripe_refund, "failure_reason")
                                   or stripe_refund.status, actor=actor)
        return refund.status


def _refund_attempt(refund) -> int:
    """Which sending of `refund` this is, so that a refund that failed and is sent again gets a new Stripe
    idempotency key: a deposit refund reserves its amount once per sending (hold `refund:<id>:<n>`)."""
    from portal.models import AuditEntry

    from ..models import LedgerEntry

    reserved = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.FREEZE,
                                          hold_reference__startswith=f"refund:{refund.pk}:").count()
    if reserved:
        return reserved
    # a refund that reserves nothing (a fee refund): one sending more than the failures so far
    return 1 + AuditEntry.objects.filter(action="billing.refund.failed", target_id=str(refund.pk),
                                         target_type__app_label="billing", target_type__model="refund").count()


provider_register(StripeProvider())
