"""The card page in a real browser against localstripe, in both languages: the Card Element of Stripe.js (here
localstripe's stand-in) makes a token, the server confirms the PaymentIntent; a declined card shows its message
and another card then pays; the 3-D Secure card opens the authentication window and pays once completed. No
Content-Security-Policy violation on the way (the page allows the Stripe host, nothing else)."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import LedgerEntry, Payment, StripeEvent
from billing.services.payments import deposit_payment_open
from tests.stripe_server import LocalStripe

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Card-Owner-2026"  # noqa: S105  (a test account's password)
SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "var/screenshots"))
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
DECLINED = {"zh-hans": "您的银行卡被拒绝", "en": "Your card was declined"}


@pytest.fixture(scope="module")
def localstripe_e2e():
    server = LocalStripe().start()
    yield server
    server.close()


@pytest.fixture
def card_world(base_data, localstripe_e2e, settings, live_server):
    from tests.factories.billing import BillingWorld

    settings.STRIPE_API_BASE = localstripe_e2e.url
    settings.STRIPE_JS_URL = ""
    # localstripe delivers its webhooks to this server, as Stripe would
    localstripe_e2e.webhook_register("portal", f"{live_server.url}/billing/stripe/webhook/",
                                     settings.STRIPE_WEBHOOK_SECRET)
    w = BillingWorld(deposit=Decimal("60000.00"))
    for user in (w.owner, w.finance_staff):
        user.email_verified_at = timezone.now()
        user.set_password(PASSWORD)
        user.save()
    w.payment = deposit_payment_open(account=w.account, provider="stripe", actor=w.owner)
    return w


def log_in(page, live_server, lang: str, email: str, next_path: str) -> None:
    page.goto(f"{live_server.url}/{lang}/accounts/login/?next={next_path}")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("section.accounts form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def fill_card(page, number: str) -> None:
    """localstripe's Card Element: plain inputs named by placeholder (Stripe's own is an iframe)."""
    element = page.locator("#card-element")
    element.locator("input[placeholder=number]").fill(number)
    element.locator("input[placeholder=exp_month]").fill("12")
    element.locator("input[placeholder=exp_year]").fill("30")
    element.locator("input[placeholder=cvc]").fill("123")
    element.locator("input[placeholder=postal_code]").fill("20000")


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_paying_the_deposit_by_card_declined_then_3d_secure(live_server, new_context, card_world, lang):
    w = card_world
    shots = SHOTS / "stripe"
    shots.mkdir(parents=True, exist_ok=True)
    page = new_context(LOCALES[lang])
    path = f"/{lang}/portal/billing/payments/{w.payment.reference}/card/"
    log_in(page, live_server, lang, w.owner.email, path)
    expect(page.locator("#payment-amount")).to_have_text("¥60,000.00")
    expect(page.locator("#card-element input[placeholder=number]")).to_be_visible()
    page.screenshot(path=str(shots / f"card-page-{lang}.png"), full_page=True)

    # a declined card: its message, nothing recorded
    fill_card(page, "4000000000000341")
    page.locator("#card-pay").click()
    expect(page.locator("#card-errors")).to_contain_text(DECLINED[lang])
    expect(page.locator("#card-pay")).to_be_enabled()
    page.screenshot(path=str(shots / f"card-declined-{lang}.png"), full_page=True)
    assert Payment.objects.get(pk=w.payment.pk).status == "failed"
    assert not LedgerEntry.objects.exists()

    # the 3-D Secure card: the authentication window, then paid
    page.reload()
    fill_card(page, "4000002500003155")
    page.locator("#card-pay").click()
    confirm = page.get_by_role("button", name="Complete authentication")
    expect(confirm).to_be_visible()
    page.screenshot(path=str(shots / f"card-3ds-{lang}.png"), full_page=True)
    confirm.click()
    page.wait_for_url(lambda url: "/card/" not in url)
    payment = Payment.objects.get(pk=w.payment.pk)
    assert payment.status == "succeeded"
    assert LedgerEntry.objects.filter(payment=payment).count() == 1
    w.contract.refresh_from_db()
    assert w.contract.status == "active"
    page.screenshot(path=str(shots / f"card-paid-{lang}.png"), full_page=True)

    # finance: the events Stripe sent (localstripe's payment_intent.succeeded arrives about a second later)
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(w.finance_staff)
    profile.preferred_language = lang
    profile.save()
    admin = new_context(LOCALES[lang])
    admin.goto(f"{live_server.url}/admin/login/?next=/admin/billing/stripe/events/")
    admin.locator("#id_username").fill(w.finance_staff.email)
    admin.locator("#id_password").fill(PASSWORD)
    admin.locator("form.login-form button[type=submit]").click()
    admin.wait_for_url(re.compile(r"/admin/billing/stripe/events/$"))
    for _ in range(20):
        if StripeEvent.objects.filter(type="payment_intent.succeeded").exists():
            break
        admin.wait_for_timeout(500)
    admin.reload()
    expect(admin.locator("table.listing")).to_contain_text("payment_intent.succeeded")
    admin.screenshot(path=str(shots / f"admin-stripe-events-{lang}.png"), full_page=True)
    admin.goto(f"{live_server.url}/admin/billing/stripe/reconcile/")
    admin.locator("#stripe-reconcile").click()
    admin.wait_for_url(re.compile(r"/admin/billing/stripe/events/$"))
    expect(admin.locator(".messages")).to_be_visible()
    admin.screenshot(path=str(shots / f"admin-stripe-reconciled-{lang}.png"), full_page=True)
