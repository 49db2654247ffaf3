"""Finance's Stripe pages in the admin: the events Stripe sent (filtered, constant queries), and the read-back run
on demand; finance staff only."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Payment, StripeEvent
from tests.factories.billing import BillingWorld

pytestmark = pytest.mark.django_db
EVENTS = "/admin/billing/stripe/events/"
RECONCILE = "/admin/billing/stripe/reconcile/"


@pytest.fixture
def w(stripe_server):
    return BillingWorld(deposit=Decimal("60000.00"))


def events(n: int, start: int = 0) -> None:
    StripeEvent.objects.bulk_create(
        StripeEvent(event_id=f"evt_{i}", type="payment_intent.succeeded" if i % 2 else "customer.created",
                    object_id=f"pi_{i}", processed_at=timezone.now() if i % 3 else None, outcome="ignored")
        for i in range(start, start + n))


def test_finance_sees_the_events_filtered_at_a_constant_cost(client, w):
    client.force_login(w.finance_staff)
    events(5)
    with CaptureQueriesContext(connection) as few:
        response = client.get(EVENTS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "evt_3" in html and "payment_intent.succeeded" in html
    events(60, start=100)
    with CaptureQueriesContext(connection) as many:
        assert client.get(EVENTS).status_code == 200
    assert len(many) == len(few)
    html = client.get(EVENTS, {"type": "customer", "processed": "false"}).content.decode()
    assert "evt_0" in html and "evt_3" not in html and "evt_1<" not in html


def test_other_staff_may_not_enter(client, w):
    client.force_login(w.reviewer)
    assert client.get(EVENTS).status_code == 403
    assert client.post(RECONCILE).status_code == 403


def test_read_back_now_records_a_payment_no_webhook_confirmed(client, w, stripe_server):
    from .test_stripe_webhook import paid_by_card_at_stripe

    payment = paid_by_card_at_stripe(w, stripe_server)  # charged at Stripe, nobody told us
    Payment.objects.filter(pk=payment.pk).update(updated_at=timezone.now().replace(year=2020))
    client.force_login(w.finance_staff)
    assert 'id="stripe-reconcile"' in client.get(RECONCILE).content.decode()
    response = client.post(RECONCILE, follow=True)
    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"]]
    assert "1" in message  # one payment read back (the admin speaks the staff member's language)
    payment.refresh_from_db()
    assert payment.status == "succeeded"
