"""The merchant's card page and its confirmation endpoint: the merchant's own payment only (404 otherwise), the
Stripe host allowed by this page's CSP only, the card confirmed on the server, clear answers when Stripe is down."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.models import LedgerEntry, PaymentStatus
from billing.services.payments import deposit_payment_open
from tests.factories.billing import BillingWorld

pytestmark = pytest.mark.django_db
S = PaymentStatus


@pytest.fixture
def w(stripe_server):
    return BillingWorld(deposit=Decimal("60000.00"))


@pytest.fixture
def payment(w):
    return deposit_payment_open(account=w.account, provider="stripe", actor=w.owner)


def client_for(user) -> Client:
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    client = Client()
    client.force_login(user)
    return client


def page_url(payment, lang="en"):
    return f"/{lang}/portal/billing/payments/{payment.reference}/card/"


def confirm_url(payment, lang="en"):
    return f"/{lang}/portal/billing/payments/{payment.reference}/card/confirm/"


def test_the_card_page_shows_the_amount_and_allows_the_stripe_host_only_there(w, payment, stripe_server):
    client = client_for(w.owner)
    response = client.get(page_url(payment))
    assert response.status_code == 200
    html = response.content.decode()
    assert payment.reference in html and "¥60,000.00" in html
    assert f'src="{stripe_server.url}/js.stripe.com/v3/"' in html
    assert 'id="card-element"' in html and "<script>" not in html
    csp = response["Content-Security-Policy"]
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src"))
    assert script_src == f"script-src 'self' {stripe_server.url}"
    assert f"connect-src 'self' {stripe_server.url}" in csp and f"frame-src 'self' {stripe_server.url}" in csp
    # another page keeps the site's own policy
    other = client.get("/en/portal/")
    assert stripe_server.url not in other.get("Content-Security-Policy", "")


def test_the_chinese_card_page(w, payment):
    client = client_for(w.owner)
    response = client.get(page_url(payment, "zh-hans"))
    assert response.status_code == 200
    assert 'data-locale="zh"' in response.content.decode()


def test_another_merchants_payment_is_a_404(w, payment):
    client = client_for(w.other_owner)
    assert client.get(page_url(payment)).status_code == 404
    assert client.post(confirm_url(payment), {"token": "tok_x"}).status_code == 404


def test_a_member_who_may_not_pay_sees_why_and_cannot_confirm(w, payment, stripe_server):
    client = client_for(w.operations)
    html = client.get(page_url(payment)).content.decode()
    assert 'id="card-form"' not in html and "Only an owner" in html
    response = client.post(confirm_url(payment), {"token": stripe_server.card_token()})
    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.status == S.CREATED and payment.stripe_payment_intent_id is None


def test_confirming_a_card_pays_and_sends_the_browser_to_the_receipt(w, payment, stripe_server):
    client = client_for(w.owner)
    response = client.post(confirm_url(payment), {"action": "confirm", "token": stripe_server.card_token()})
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "succeeded" and answer["redirect"]
    assert LedgerEntry.objects.filter(payment=payment).count() == 1
    # the paid payment's card page now leads to the receipt
    assert client.get(page_url(payment)).status_code == 302


def test_3d_secure_through_the_page(w, payment, stripe_server):
    client = client_for(w.owner)
    answer = client.post(confirm_url(payment), {"token": stripe_server.card_token("4000002500003155")}).json()
    assert answer["status"] == "requires_action" and answer["client_secret"]
    payment.refresh_from_db()
    stripe_server.authenticate(payment.stripe_payment_intent_id, answer["client_secret"])
    answer = client.post(confirm_url(payment), {"action": "refresh"}).json()
    assert answer["status"] == "succeeded"


def test_a_declined_card_answers_with_its_message(w, payment, stripe_server):
    client = client_for(w.owner)
    answer = client.post(confirm_url(payment), {"token": stripe_server.card_token("4000000000000341")}).json()
    assert answer["status"] == "failed"
    assert answer["message"] == "Your card was declined. Try another card or pay by bank transfer."
    html = client.get(page_url(payment)).content.decode()
    assert "Your card was declined" in html


def test_stripe_down_answers_503_with_a_clear_message(w, payment, stripe_server):
    client = client_for(w.owner)
    token = stripe_server.card_token()
    stripe_server.stop()
    response = client.post(confirm_url(payment), {"token": token})
    assert response.status_code == 503
    assert "Nothing was charged" in response.json()["message"]
    payment.refresh_from_db()
    assert payment.status == S.CREATED


def test_a_bad_token_is_a_clear_message_not_a_500(w, payment):
    client = client_for(w.owner)
    response = client.post(confirm_url(payment), {"token": "<script>"})
    assert response.status_code == 400
    assert "did not reach us" in response.json()["message"]


def test_the_url_names(payment):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert reverse("billing:payment_card", args=[payment.reference]) == page_url(payment, "zh-hans")
    assert reverse("billing_webhooks:stripe") == "/billing/stripe/webhook/"
