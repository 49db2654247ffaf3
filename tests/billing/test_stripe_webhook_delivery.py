"""The webhook as localstripe really delivers it (signed, about a second after the charge, once) to a running
server: a card charged without our page hearing back is recorded by the webhook alone."""

import time
from decimal import Decimal

import pytest

from billing.models import LedgerEntry, Payment, StripeEvent
from tests.factories.billing import BillingWorld

from .test_stripe_webhook import paid_by_card_at_stripe

pytestmark = pytest.mark.django_db(transaction=True)


def test_localstripe_delivers_the_success_and_the_payment_is_recorded(live_server, stripe_server, settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the live server's thread and the test write the same database at once: PostgreSQL only")
    stripe_server.webhook_register("portal", f"{live_server.url}/billing/stripe/webhook/",
                                   settings.STRIPE_WEBHOOK_SECRET)
    w = BillingWorld(deposit=Decimal("60000.00"))
    payment = paid_by_card_at_stripe(w, stripe_server)
    deadline = time.time() + 15
    while time.time() < deadline and Payment.objects.get(pk=payment.pk).status != "succeeded":
        time.sleep(0.2)
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert StripeEvent.objects.filter(type="payment_intent.succeeded", object_id=payment.stripe_payment_intent_id,
                                      processed_at__isnull=False).count() == 1
    assert LedgerEntry.objects.filter(payment=payment).count() == 1
    # the contract becomes active after the webhook's commit (contracts' deposit_paid receiver)
    while time.time() < deadline and w.contract.status != "active":
        time.sleep(0.2)
        w.contract.refresh_from_db()
    assert w.contract.status == "active"
