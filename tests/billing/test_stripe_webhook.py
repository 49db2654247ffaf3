"""Stripe's webhook: verified (400 for a missing, forged or stale signature, nothing changes), recorded once by
event id, the object re-read from Stripe before anything moves (so a replay or an event out of order changes
nothing), unknown types answered 200, a lock timeout answered 503."""

import contextlib
import json
import threading
import time
from decimal import Decimal

import pytest
import stripe
from django.db import connection, transaction

from billing.models import LedgerEntry, Payment, PaymentStatus, Refund, StripeEvent
from billing.providers import provider_for
from billing.services.payments import deposit_payment_open
from portal.models import AuditEntry
from tests.factories.billing import BillingWorld
from tests.stripe_server import stripe_event, webhook_signature

pytestmark = pytest.mark.django_db
URL = "/billing/stripe/webhook/"
S = PaymentStatus


@pytest.fixture
def w(stripe_server):
    return BillingWorld(deposit=Decimal("60000.00"))


def post_event(client, event: dict, *, secret: str = "whsec_localstripe",  # noqa: S107 (the test secret)
               timestamp: int | None = None, signature: str | None = None):
    payload = json.dumps(event).encode()
    header = signature if signature is not None else webhook_signature(payload, secret, timestamp=timestamp)
    extra = {"HTTP_STRIPE_SIGNATURE": header} if header else {}
    return client.post(URL, data=payload, content_type="application/json", **extra)


def paid_by_card_at_stripe(w, stripe_server, number="4242424242424242") -> Payment:
    """The card was charged at Stripe but our side has not heard yet (the page's answer was lost)."""
    from billing.providers.stripe import stripe_client

    payment = deposit_payment_open(account=w.account, provider="stripe", actor=w.owner)
    provider = provider_for("stripe")
    provider._intent_prepare(stripe_client(), payment, actor=w.owner)
    payment.refresh_from_db()
    client = stripe_client()
    customer = client.v1.customers.create(params={"source": stripe_server.card_token(number)})
    client.v1.payment_intents.update(payment.stripe_payment_intent_id,
                                     params={"customer": customer.id, "payment_method": customer.default_source})
    with contextlib.suppress(stripe.CardError):  # a declined card raises here; the test looks at what follows
        client.v1.payment_intents.confirm(payment.stripe_payment_intent_id)
    payment.refresh_from_db()
    assert payment.status == S.PENDING
    return payment


def intent_event(payment: Payment, event_type="payment_intent.succeeded", **kwargs) -> dict:
    return stripe_event(event_type, {"id": payment.stripe_payment_intent_id, "object": "payment_intent",
                                     "status": "succeeded", "metadata": {"payment": str(payment.pk)}}, **kwargs)


@pytest.mark.parametrize("how", ["missing", "forged", "stale", "garbage"])
def test_a_missing_forged_or_stale_signature_is_refused_and_changes_nothing(client, w, stripe_server, how):
    payment = paid_by_card_at_stripe(w, stripe_server)
    event = intent_event(payment)
    if how == "missing":
        response = post_event(client, event, signature="")
    elif how == "forged":
        response = post_event(client, event, secret="whsec_someone_else")
    elif how == "stale":
        response = post_event(client, event, timestamp=int(time.time()) - 3600)
    else:
        response = post_event(client, event, signature="t=1,v1=nothex")
    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == S.PENDING
    assert not StripeEvent.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_the_same_event_five_times_makes_one_ledger_entry(client, w, stripe_server,
                                                          django_capture_on_commit_callbacks):
    payment = paid_by_card_at_stripe(w, stripe_server)
    event = intent_event(payment)
    with django_capture_on_commit_callbacks(execute=True):
        answers = [post_event(client, event) for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert [a.json()["outcome"] for a in answers][1:] == ["duplicate"] * 4
    payment.refresh_from_db()
    assert payment.status == S.SUCCEEDED
    assert LedgerEntry.objects.filter(account=w.account).count() == 1
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    assert AuditEntry.objects.filter(action="billing.stripe.event_received").count() == 1
    w.contract.refresh_from_db()
    assert w.contract.status == "active"


def test_events_out_of_order_follow_what_stripe_says_now(client, w, stripe_server):
    """A payment_failed event that arrives after the success (or a success event for a failed intent) is
    re-read: Stripe says succeeded, so the payment is and stays succeeded, once."""
    payment = paid_by_card_at_stripe(w, stripe_server)
    late_failure = intent_event(payment, "payment_intent.payment_failed")
    assert post_event(client, late_failure).status_code == 200
    payment.refresh_from_db()
    assert payment.status == S.SUCCEEDED  # the re-read said so, whatever the event's type
    assert post_event(client, intent_event(payment)).status_code == 200
    assert post_event(client, intent_event(payment, "payment_intent.requires_action")).status_code == 200
    payment.refresh_from_db()
    assert payment.status == S.SUCCEEDED
    assert LedgerEntry.objects.filter(account=w.account).count() == 1


def test_a_success_event_for_a_declined_card_records_the_failure(client, w, stripe_server):
    payment = paid_by_card_at_stripe(w, stripe_server, number="4000000000000341")
    assert post_event(client, intent_event(payment)).status_code == 200
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == (S.FAILED, "card_declined")
    assert not LedgerEntry.objects.exists()


def test_unknown_event_types_and_unknown_objects_answer_200(client, w, stripe_server):
    response = post_event(client, stripe_event("customer.created", {"id": "cus_x", "object": "customer"}))
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    response = post_event(client, stripe_event("payment_intent.succeeded", {"id": "pi_unknown",
                                                                            "object": "payment_intent"}))
    # the re-read asks Stripe, which does not know it either: still 200, nothing changes
    assert response.status_code in (200,)
    assert StripeEvent.objects.count() >= 1
    assert not Payment.objects.filter(status=S.SUCCEEDED).exists()


def test_stripe_unreachable_for_the_re_read_answers_503_and_records_nothing(client, w, stripe_server):
    payment = paid_by_card_at_stripe(w, stripe_server)
    stripe_server.stop()
    response = post_event(client, intent_event(payment))
    assert response.status_code == 503
    assert not StripeEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == S.PENDING


@pytest.mark.django_db(transaction=True)
def test_a_locked_payment_answers_503_and_the_retry_succeeds(client, stripe_server, settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    settings.STRIPE_WEBHOOK_LOCK_TIMEOUT_MS = 200
    w = BillingWorld(deposit=Decimal("60000.00"))
    payment = paid_by_card_at_stripe(w, stripe_server)
    event = intent_event(payment)
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock():
        from django.db import connections

        with transaction.atomic():
            Payment.objects.select_for_update().get(pk=payment.pk)
            locked.set()
            release.wait(10)
        connections.close_all()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(10)
        response = post_event(client, event)
        assert response.status_code == 503
        assert not StripeEvent.objects.filter(event_id=event["id"]).exists()
    finally:
        release.set()
        holder.join()
    response = post_event(client, event)  # Stripe delivers it again
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == S.SUCCEEDED
    assert LedgerEntry.objects.filter(payment=payment).count() == 1


def test_a_refund_made_in_the_stripe_dashboard_is_recorded_once(client, w, stripe_server):
    from billing.providers.stripe import stripe_client

    payment = paid_by_card_at_stripe(w, stripe_server)
    assert post_event(client, intent_event(payment)).status_code == 200
    # someone refunds ¥1,000 in the Stripe dashboard
    stripe_refund = stripe_client().v1.refunds.create(params={"payment_intent": payment.stripe_payment_intent_id,
                                                               "amount": 100_000})
    event = stripe_event("charge.refunded", {"id": "ch_x", "object": "charge",
                                             "payment_intent": payment.stripe_payment_intent_id})
    assert post_event(client, event).status_code == 200
    assert post_event(client, stripe_event("charge.refunded", event["data"]["object"])).status_code == 200
    refund = Refund.objects.get()
    assert (refund.source, refund.status, refund.amount, refund.stripe_refund_id) == (
        "dashboard", "succeeded", Decimal("1000.00"), stripe_refund.id)
    from billing.services.ledger import balance_of

    assert balance_of(w.account).balance == Decimal("59000.00")
    assert LedgerEntry.objects.filter(refund=refund, kind="refund").count() == 1
    w.account.refresh_from_db()
    assert w.account.status == "shortfall"  # the deposit is short: a top-up is asked for
