"""Stripe's webhook events (operator guide §15): each is verified by the view, recorded once by its id, and only a
hint — the object is re-read from Stripe before anything moves, so events that arrive late, twice or out of order
change nothing the read-back does not confirm.

    payment_intent.*                   → the payment's transitions (billing.providers.stripe)
    charge.refunded, charge.refund.updated, refund.*
                                       → our refunds read back; a refund made in the Stripe dashboard becomes a
                                         Refund with source "dashboard" (and its ledger entry for a deposit)
    charge.dispute.created / .updated / .closed
                                       → the disputed amount frozen in the deposit ledger (hold reference = the
                                         dispute id), released when the dispute closes; a lost dispute is recorded
                                         as money gone back to the card
    anything else                      → recorded, ignored (200)

`stripe_event_process` raises `StripeLockTimeout` when a row stays locked longer than the webhook lock timeout
(PostgreSQL `lock_timeout`): the view answers 503 and the event is not recorded, so Stripe delivers it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError

from ..models import LedgerEntry, Payment, Refund, StripeEvent
from ..providers.base import ProviderUnavailable
from ..providers.stripe import UNAVAILABLE, StripeProvider, _id, sget, stripe_client

logger = logging.getLogger(__name__)

PAYMENT_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.requires_action",
                  "payment_intent.canceled", "payment_intent.processing", "payment_intent.created",
                  "payment_intent.amount_capturable_updated")
REFUND_EVENTS = ("charge.refunded", "charge.refund.updated", "refund.created", "refund.updated", "refund.failed")
DISPUTE_EVENTS = ("charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
                  "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated")
DISPUTE_OPEN = ("warning_needs_response", "warning_under_review", "needs_response", "under_review")


class StripeLockTimeout(Exception):
    """A row needed by the event was locked longer than the webhook's lock timeout."""


@dataclass(frozen=True)
class EventOutcome:
    status: int
    outcome: str


def _lock_timeout_set() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = %s", [f"{int(settings.STRIPE_WEBHOOK_LOCK_TIMEOUT_MS)}ms"])


def _is_lock_timeout(error: OperationalError) -> bool:
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == "55P03" or "lock timeout" in str(error).lower()


def stripe_event_process(event: Any) -> EventOutcome:
    """Record `event` (verified already) once and act on it. Raises ProviderUnavailable when the re-read cannot
    reach Stripe and StripeLockTimeout on a lock timeout: in both cases nothing is recorded (Stripe retries)."""
    event_id, event_type = event["id"], event["type"]
    obj = event["data"]["object"]
    if StripeEvent.objects.filter(event_id=event_id, processed_at__isnull=False).exists():
        return EventOutcome(200, "duplicate")
    # the re-read happens before any transaction (no lock is held across the network)
    fresh = _reread(event_type, obj)
    try:
        with transaction.atomic():
            _lock_timeout_set()
            try:
                with transaction.atomic():
                    record = StripeEvent.objects.create(
                        event_id=event_id, type=event_type[:100], object_id=(obj.get("id") or "")[:100],
                        livemode=bool(event.get("livemode")))
            except IntegrityError:
                return EventOutcome(200, "duplicate")
            # the rows first, the audit chain's lock last: the card page's confirmation locks the payment and then
            # audits, so auditing before the dispatch locked the two in the other order (a deadlock)
            outcome = _dispatch(event_type, fresh)
            audit_entry_create(actor=None, action="billing.stripe.event_received", target=record,
                               data={"id": event_id, "type": event_type, "object": obj.get("id", ""),
                                     "payload": _payload_summary(obj)})
            record.processed_at = timezone.now()
            record.outcome = outcome[:200]
            record.save(update_fields=["processed_at", "outcome"])
            return EventOutcome(200, outcome)
    except OperationalError as error:
        if _is_lock_timeout(error):
            raise StripeLockTimeout(str(error)) from error
        raise


def _payload_summary(obj: dict) -> dict:
    """What the audit keeps of the event's object (no card data is ever in it: Stripe sends only last4)."""
    keys = ("id", "object", "status", "amount", "currency", "payment_intent", "charge", "reason", "metadata",
            "amount_refunded", "last_payment_error")
    return {key: obj.get(key) for key in keys if key in obj}


def _reread(event_type: str, obj: dict) -> Any:
    """The event's object as Stripe has it now."""
    client = stripe_client()
    try:
        if event_type.startswith("payment_intent."):
            return client.v1.payment_intents.retrieve(obj["id"])
        if event_type in REFUND_EVENTS:
            intent_id = obj.get("payment_intent")
            if not intent_id:
                charge_id = obj.get("charge") if obj.get("object") == "refund" else obj.get("id")
                intent_id = _id(client.v1.charges.retrieve(charge_id).payment_intent) if charge_id else None
            if not intent_id:
                return None
            return {"intent": intent_id,
                    "refunds": list(client.v1.refunds.list(params={"payment_intent": intent_id, "limit": 100}).data)}
        if event_type in DISPUTE_EVENTS:
            return client.v1.disputes.retrieve(obj["id"])
    except UNAVAILABLE as error:
        raise ProviderUnavailable() from error
    except stripe.InvalidRequestError as error:
        # Stripe does not know the object (another account's event, a deleted test object): nothing to act on
        logger.info("stripe event %s for %s: re-read refused (%s)", event_type, obj.get("id"), error)
        return None
    return None


def _dispatch(event_type: str, fresh: Any) -> str:
    if fresh is None:
        return "ignored"
    if event_type.startswith("payment_intent."):
        return _intent_event(fresh)
    if event_type in REFUND_EVENTS:
        return stripe_refunds_apply(intent_id=fresh["intent"], refunds=fresh["refunds"])
    if event_type in DISPUTE_EVENTS:
        return _dispute_event(fresh)
    return "ignored"


def _payment_for_intent(intent_id: str, metadata: dict | None = None) -> Payment | None:
    payment = Payment.objects.filter(stripe_payment_intent_id=intent_id).first()
    wanted = str(sget(metadata, "payment", ""))
    if payment is None and wanted.isdigit():
        payment = Payment.objects.filter(pk=int(wanted), provider="stripe").first()
    return payment


def _intent_event(intent: Any) -> str:
    from portal.workflow import row_lock

    payment = _payment_for_intent(intent.id, intent.metadata)
    if payment is None:
        return "no payment"
    payment = row_lock(payment)
    if payment.stripe_payment_intent_id != intent.id:
        return f"superseded intent of {payment.reference}"
    outcome = StripeProvider()._apply(payment, intent)
    return f"{payment.reference}: {outcome.status}"


# ---- refunds: ours read back, the dashboard's recorded

def stripe_refunds_apply(*, intent_id: str, refunds: list, actor: Any | None = None) -> str:
    """Apply Stripe's refunds of one PaymentIntent: each of ours moves to what Stripe says; each one we do not know
    (made in the Stripe dashboard) becomes a Refund with source "dashboard". Idempotent (stripe_refund_id is
    unique). Runs in the caller's transaction."""
    from portal.workflow import row_lock

    payment = Payment.objects.filter(stripe_payment_intent_id=intent_id).first()
    if payment is None:
        return "no payment"
    done = []
    provider = StripeProvider()
    for item in refunds:
        known = Refund.objects.filter(stripe_refund_id=item.id).first()
        wanted = str(sget(item.metadata, "refund", ""))
        if known is None and wanted.isdigit():
            known = Refund.objects.filter(pk=int(wanted), payment=payment).first()
        if known is not None:
            known = row_lock(known)
            if known.status == "pending":
                provider._refund_apply(known, item, actor=actor)
            done.append(f"R-{known.pk}:{known.status}")
            continue
        if item.status not in ("succeeded", "pending"):
            continue  # a dashboard refund that failed moved no money
        refund = dashboard_refund_record(payment=payment, stripe_refund=item, actor=actor)
        done.append(f"dashboard R-{refund.pk}:{refund.status}")
    return ", ".join(done) or "no refunds"


def dashboard_refund_record(*, payment: Payment, stripe_refund: Any, actor: Any | None = None) -> Refund:
    """A refund someone made in the Stripe dashboard: recorded as a Refund (source dashboard) of `payment`; a
    deposit's ledger records it (the deposit may then be short: a top-up is asked for). When the deposit cannot
    absorb it (frozen sums), the refund stays "due" with the reason, for finance."""
    from portal.money import currency_places

    from .deposits import deposit_account_sync
    from .refunds import refund_pending, refund_succeeded

    amount = Decimal(stripe_refund.amount).scaleb(-currency_places(payment.currency))
    deposit = payment.purpose in (Payment.Purpose.DEPOSIT, Payment.Purpose.TOP_UP)
    refund = Refund.objects.create(
        merchant=payment.merchant, reason=Refund.Reason.DEPOSIT if deposit else Refund.Reason.FEE,
        source=Refund.Source.DASHBOARD, provider="stripe", account=payment.account if deposit else None,
        payment=payment, invoice=payment.invoice, amount=amount, currency=payment.currency,
        stripe_refund_id=stripe_refund.id, due_on=timezone.localdate())
    audit_entry_create(actor=actor, action="billing.refund.dashboard_recorded", target=refund,
                       data={"stripe_refund": stripe_refund.id, "payment": payment.reference, "amount": amount})
    if stripe_refund.status != "succeeded":
        return refund_pending(refund=refund, actor=actor) if _absorbable(refund) else refund
    try:
        with transaction.atomic():
            refund = refund_pending(refund=refund, actor=actor)
            refund = refund_succeeded(refund=refund, actor=actor)
            if refund.account_id:
                from portal.workflow import row_lock

                deposit_account_sync(account=row_lock(refund.account), actor=actor)
    except ApplicationError as error:
        Refund.objects.filter(pk=refund.pk).update(failure_message=str(error.message)[:500])
        logger.error("dashboard refund %s of payment %s could not be entered in the ledger: %s",
                     stripe_refund.id, payment.reference, error.message)
        refund.refresh_from_db()
    return refund


def _absorbable(refund: Refund) -> bool:
    if not refund.account_id:
        return True
    from .ledger import balance_of

    return balance_of(refund.account).available >= refund.amount


# ---- disputes

def _dispute_event(dispute: Any) -> str:
    from portal.money import currency_places
    from portal.workflow import row_lock

    from .ledger import balance_of, ledger_append

    intent_id = _id(sget(dispute, "payment_intent"))
    payment = Payment.objects.filter(stripe_payment_intent_id=intent_id).first() if intent_id else None
    if payment is None or payment.account_id is None:
        return "no deposit payment"
    account = row_lock(payment.account)
    hold = f"dispute:{dispute.id}"
    frozen = LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.FREEZE, hold_reference=hold).first()
    released = LedgerEntry.objects.filter(account=account, kind=LedgerEntry.Kind.RELEASE,
                                          hold_reference=hold).exists()
    amount = Decimal(dispute.amount).scaleb(-currency_places(payment.currency))
    if dispute.status in DISPUTE_OPEN:
        if frozen is None:
            size = min(amount, balance_of(account).available)
            if size > 0:
                ledger_append(account=account, kind=LedgerEntry.Kind.FREEZE, amount=size, currency=payment.currency,
                              hold_reference=hold,
                              memo=_("Frozen: card dispute %(dispute)s on payment %(ref)s")
                              % {"dispute": dispute.id, "ref": payment.reference})
        return f"{hold} frozen"
    # closed: won, lost, warning_closed, prevented
    if frozen is not None and not released:
        ledger_append(account=account, kind=LedgerEntry.Kind.RELEASE, amount=frozen.frozen_delta,
                      currency=payment.currency, hold_reference=hold,
                      memo=_("Released: card dispute %(dispute)s closed (%(status)s)")
                      % {"dispute": dispute.id, "status": dispute.status})
    if dispute.status == "lost" and not Refund.objects.filter(payment=payment, stripe_refund_id=hold).exists():
        # the card holder's bank took the money back: it has left the deposit like a refund
        from .refunds import refund_pending, refund_succeeded

        refund = Refund.objects.create(
            merchant=payment.merchant, reason=Refund.Reason.DEPOSIT, source=Refund.Source.DASHBOARD,
            provider="stripe", account=account, payment=payment, amount=amount, currency=payment.currency,
            stripe_refund_id=hold, due_on=timezone.localdate(),
            failure_message="")
        audit_entry_create(actor=None, action="billing.refund.dispute_lost", target=refund,
                           data={"dispute": dispute.id, "payment": payment.reference, "amount": amount})
        refund_succeeded(refund=refund_pending(refund=refund))
        from .deposits import deposit_account_sync

        deposit_account_sync(account=account)  # a held deposit now short asks for a top-up
    return f"{hold} {dispute.status}"
