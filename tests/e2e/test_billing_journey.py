"""The deposit's whole life in a real browser against localstripe, in each site language.

A merchant whose contract is countersigned finds "Pay your deposit" on the workspace and pays it by card: a declined
card first (its message on the page, nothing booked), then the 3-D Secure card, authenticated in Stripe's window.
localstripe's webhook reaches the live server: in Chinese the page reads the payment back and the webhook that
follows changes nothing; in English the browser's read-back after the authentication is lost (the connection
drops), so the webhook alone books the payment. Either way the contract and the merchant become active.

Finance proposes a deduction with its evidence file; above the threshold a second finance user and management
approve it; the deposit gives it and a top-up is requested. The merchant pays the top-up by bank transfer with the
reference in the remark: one finance user records the receipt, the same user may not confirm it, a second one
does. A recruitment lead ends the contract; the deposit refund falls due in 30 PRC working days; finance and
management approve it and finance sends it back to the card through Stripe, and the account closes.

Each person has their own browser context; the database (payments, ledger entries, balances, statuses) and the
text of the pages are checked at every step, and every page is watched for Content-Security-Policy violations.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import threading
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from billing.models import (
    Deduction,
    DepositAccount,
    LedgerEntry,
    Payment,
    Refund,
    StripeEvent,
    TopUpRequest,
)
from billing.providers.stripe import stripe_client
from billing.services.ledger import balance_of
from billing.services.refunds import refund_due_date
from contracts.models import ContractStatus
from portal.models import MerchantStatus
from portal.money import format_money
from portal.roles import Role
from tests.stripe_server import LocalStripe

from .test_onboarding_journey import pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)

OWNER_PASSWORD = "Deposit-owner-2026"  # noqa: S105  (a test account's password)
SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "var/screenshots")) / "billing"
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
DECLINED = {"zh-hans": "您的银行卡被拒绝", "en": "Your card was declined"}
DEPOSIT = Decimal("60000.00")
DEDUCTION = Decimal("52000.00")  # above the ¥50,000 four-eyes threshold: finance and management approve
E = LedgerEntry.Kind
A = DepositAccount.Status


@pytest.fixture(scope="module")
def stripe_server():
    """localstripe for this module (tests/stripe_server.py), on a free port."""
    server = LocalStripe().start()
    yield server
    server.close()


@pytest.fixture
def world(base_data, stripe_server, settings, live_server):
    """A merchant whose contract is countersigned (deposit ¥60,000 due), its owner with a password, two finance
    users, management and a recruitment lead; localstripe emptied and told the live server's webhook URL."""
    from tests.factories.billing import BillingWorld
    from tests.factories.onboarding import staff_user

    settings.SITE_URL = live_server.url
    settings.STRIPE_API_BASE = stripe_server.url
    settings.STRIPE_JS_URL = ""
    settings.STRIPE_WEBHOOK_SECRET = f"whsec_journey_{secrets.token_hex(8)}"
    stripe_server.flush()
    stripe_server.webhook_register("journey", f"{live_server.url}/billing/stripe/webhook/",
                                   settings.STRIPE_WEBHOOK_SECRET)

    w = BillingWorld(deposit=DEPOSIT)
    w.owner.set_password(OWNER_PASSWORD)
    w.owner.email_verified_at = timezone.now()
    w.owner.save()
    w.management = staff_user(Role.MANAGEMENT, first_name="Sun", last_name="Management")
    w.server = stripe_server
    return w


@pytest.fixture
def webhooks():
    from django.core.signals import request_finished, request_started
    from django.db.models.signals import post_save

    watch = WebhookWatch()
    request_started.connect(watch.request_started, weak=False, dispatch_uid="journey-webhooks-started")
    request_finished.connect(watch.request_finished, weak=False, dispatch_uid="journey-webhooks-finished")
    post_save.connect(watch.event_saved, sender=StripeEvent, weak=False, dispatch_uid="journey-webhooks-saved")
    yield watch
    request_started.disconnect(dispatch_uid="journey-webhooks-started")
    request_finished.disconnect(dispatch_uid="journey-webhooks-finished")
    post_save.disconnect(sender=StripeEvent, dispatch_uid="journey-webhooks-saved")


# ---------------------------------------------------------------------------------------------- helpers

def t(lang: str, message: str, **values) -> str:
    """`message` as the site shows it in `lang` (from the project's translations)."""
    with translation.override(lang):
        text = gettext(message)
    return text % values if values else text


def money(amount: Decimal | str) -> str:
    return format_money(Decimal(amount), "CNY")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def wait_until(condition, *, timeout: float = 15.0, what: str = "the condition"):
    """Poll the database until `condition()` is truthy (webhooks arrive about a second after the change).

    On SQLite the live server's threads and this one share one in-memory database: a read here while the webhook
    writes may find the table locked for a moment, so that read is simply tried again."""
    from django.db import OperationalError

    deadline = time.monotonic() + timeout
    while True:
        time.sleep(0.3)
        try:
            value = condition()
        except OperationalError:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what} (Stripe events: {events_seen()})")


def balance(w) -> tuple[Decimal, Decimal, str]:
    """(balance, frozen, status) of the merchant's deposit account, from the ledger."""
    w.account.refresh_from_db()
    b = balance_of(w.account)
    return b.balance, b.frozen, w.account.status


def kinds(w) -> list[tuple]:
    """The account's ledger, oldest first: (kind, amount, frozen delta); freezes move no money."""
    return [(e.kind, e.amount, e.frozen_delta) for e in LedgerEntry.objects.filter(account=w.account).order_by("id")]


class Clock:
    """How long each part of the journey took (printed with -s; the report gives them)."""

    def __init__(self, lang: str):
        self.lang, self.start, self.last, self.laps = lang, time.monotonic(), time.monotonic(), []

    def lap(self, what: str) -> None:
        now = time.monotonic()
        self.laps.append(f"{what} {now - self.last:.1f} s")
        self.last = now

    def report(self) -> None:
        print(f"\nbilling journey ({self.lang}): {time.monotonic() - self.start:.1f} s: "  # noqa: T201
              + ", ".join(self.laps))


def staff_page(page, live_server, user):
    """`page` signed in to the admin as `user` (a session made on the server: the journey is not about the login
    form, which test_onboarding_journey covers)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
    return page


def merchant_login(page, live_server, lang: str, user) -> None:
    page.goto(f"{live_server.url}/{lang}/accounts/login/?next=/{lang}/portal/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(OWNER_PASSWORD)
    page.locator("section.accounts form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/{lang}/portal/$"))


def fill_card(page, number: str) -> None:
    """localstripe's Card Element: plain inputs named by placeholder (Stripe's own lives in an iframe)."""
    element = page.locator("#card-element")
    element.locator("input[placeholder=number]").fill(number)
    element.locator("input[placeholder=exp_month]").fill("12")
    element.locator("input[placeholder=exp_year]").fill("30")
    element.locator("input[placeholder=cvc]").fill("123")
    postal = element.locator("input[placeholder=postal_code]")
    if postal.count():
        postal.fill("200000")


class WebhookWatch:
    """The Stripe webhooks the live server is handling and the events it has processed, seen through Django's
    signals in the server's threads: waiting for them reads no database. (On SQLite this thread and the server's
    share one in-memory database, and a read here while a webhook writes would find its table locked.)"""

    PATH = "/billing/stripe/webhook/"

    def __init__(self):
        self.lock = threading.Lock()
        self.in_flight: set[int] = set()
        self.last_activity = time.monotonic()
        self.processed: list[tuple[str, str, str]] = []

    def request_started(self, sender, environ=None, **kwargs):
        if environ and environ.get("PATH_INFO") == self.PATH:
            with self.lock:
                self.in_flight.add(threading.get_ident())
                self.last_activity = time.monotonic()

    def request_finished(self, sender, **kwargs):
        with self.lock:
            if threading.get_ident() in self.in_flight:
                self.in_flight.discard(threading.get_ident())
                self.last_activity = time.monotonic()

    def event_saved(self, sender, instance, **kwargs):
        if instance.processed_at:
            with self.lock:
                self.processed.append((instance.type, instance.object_id, instance.outcome))

    def settle(self, event_type: str, *, timeout: float = 20.0, quiet: float = 1.0) -> None:
        """Wait until an event of `event_type` was processed and no webhook arrived for `quiet` seconds (the
        events of one change come together, about a second after it)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                seen = any(kind == event_type for kind, _obj, _outcome in self.processed)
                idle = not self.in_flight and time.monotonic() - self.last_activity >= quiet
            if seen and idle:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"no {event_type} webhook processed; seen: {self.processed}")
            time.sleep(0.2)


def processed_event(event_type: str, object_id: str):
    return StripeEvent.objects.filter(type=event_type, object_id=object_id, processed_at__isnull=False).first()


def events_seen() -> str:
    """What the webhook recorded so far (for a failure's message)."""
    rows = StripeEvent.objects.order_by("id").values_list("type", "object_id", "processed_at", "outcome")
    return "; ".join(f"{kind} {obj} processed={bool(at)} {outcome}" for kind, obj, at, outcome in rows) or "none"


def success_actor(payment: Payment):
    """Who booked the payment: the merchant (the page read it back) or nobody (the webhook)."""
    from portal.audit import audit_entries_for

    entry = audit_entries_for(target=payment).filter(action="billing.payment.succeeded").first()
    return entry.actor if entry else None


# ---------------------------------------------------------------------------------------------- the journey

@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_deposit_paid_by_card_deducted_topped_up_by_transfer_and_refunded_to_the_card(
        lang, world, webhooks, new_context, live_server, tmp_path):
    w = world
    clock = Clock(lang)
    merchant = new_context(locale=LOCALES[lang])
    staff = SimpleNamespace(**{name: staff_page(new_context(locale=LOCALES[lang]), live_server, user)
                               for name, user in (("finance", w.finance_staff), ("finance2", w.finance2),
                                                  ("management", w.management), ("lead", w.lead))})
    clock.lap("staff signed in")

    card_payment = pay_the_deposit_by_card(w, lang, merchant, live_server, webhooks)
    clock.lap("deposit paid by card")
    deduct_with_evidence(w, lang, staff, live_server, tmp_path)
    clock.lap("deduction")
    top_up_by_bank_transfer(w, lang, merchant, staff, live_server, tmp_path)
    clock.lap("top-up by bank transfer")
    end_the_contract_and_refund_to_the_card(w, lang, merchant, staff, live_server, card_payment)
    clock.lap("contract ended, refund sent")
    clock.report()


def pay_the_deposit_by_card(w, lang: str, page, live_server, webhooks) -> Payment:
    base = f"{live_server.url}/{lang}"
    assert balance(w) == (0, 0, A.AWAITING)
    assert w.contract.status == ContractStatus.SIGNED

    # ------------------------------------------------------------ the workspace's to-do leads to the billing page
    merchant_login(page, live_server, lang, w.owner)
    todo = page.locator(".todo-list li[data-todo='billing.deposit']")
    expect(todo).to_contain_text(t(lang, "Pay your deposit of %(amount)s", amount=money(DEPOSIT)))
    shot(page, f"journey-01-workspace-deposit-todo-{lang}")
    todo.locator("a").click()
    page.wait_for_url(re.compile(rf"/{lang}/portal/billing/$"))
    expect(page.locator("#deposit-required")).to_have_text(money(DEPOSIT))
    expect(page.locator("#deposit-balance")).to_have_text(money(0))
    expect(page.locator("#deposit-due .billing-due-amount strong")).to_have_text(money(DEPOSIT))
    page.locator("#deposit-pay-form input[name=method][value=stripe]").check()
    page.locator("#deposit-pay").click()
    page.wait_for_url(re.compile(rf"/{lang}/portal/billing/payments/ZS-[0-9A-Z]{{4}}-[0-9A-Z]{{4}}/card/$"))
    payment = Payment.objects.get(account=w.account)
    assert (payment.purpose, payment.provider, payment.amount, payment.status) == (
        "deposit", "stripe", DEPOSIT, "created")
    expect(page.locator("#payment-reference")).to_have_text(payment.reference)
    expect(page.locator("#payment-amount")).to_have_text(money(DEPOSIT))
    expect(page.locator("#card-element input[placeholder=number]")).to_be_visible()

    # ------------------------------------------------------------ a declined card: its message, nothing booked
    fill_card(page, "4000000000000341")
    page.locator("#card-pay").click()
    expect(page.locator("#card-errors")).to_contain_text(DECLINED[lang])
    expect(page.locator("#card-pay")).to_be_enabled()
    shot(page, f"journey-02-card-declined-{lang}")
    # localstripe tells the webhook about the failure too; once it is processed, read the database
    webhooks.settle("payment_intent.payment_failed")
    payment.refresh_from_db()
    assert payment.status == "failed"
    declined_intent = payment.stripe_payment_intent_id
    assert declined_intent
    assert processed_event("payment_intent.payment_failed", declined_intent)
    assert not LedgerEntry.objects.filter(account=w.account).exists()
    assert balance(w) == (0, 0, A.AWAITING)

    # ------------------------------------------------------------ the 3-D Secure card: Stripe's window, then paid
    page.reload()
    expect(page.locator("#payment-status")).to_have_class(re.compile(r"card-status--failed"))
    cut_read_back = lang == "en"
    read_backs: list[str] = []
    if cut_read_back:
        # the connection drops right after the authentication: only the webhook can tell us the card was charged
        def drop_read_back(route):
            if "action=refresh" in (route.request.post_data or ""):
                read_backs.append(route.request.url)
                route.abort("connectionreset")
            else:
                route.continue_()
        page.route("**/card/confirm/", drop_read_back)
    fill_card(page, "4000002500003155")
    page.locator("#card-pay").click()
    authenticate = page.get_by_role("button", name="Complete authentication")
    expect(authenticate).to_be_visible()
    shot(page, f"journey-03-card-3d-secure-{lang}")
    authenticate.click()
    if cut_read_back:
        expect(page.locator("#card-errors")).to_contain_text(
            t(lang, "We could not reach the server. Check your connection and try again; you were not charged "
                    "twice."))
        assert len(read_backs) == 1
        webhooks.settle("payment_intent.succeeded")
        payment.refresh_from_db()
        assert payment.status == "succeeded"
        assert success_actor(payment) is None, "the webhook, not the page, booked the payment"
        page.goto(f"{base}/portal/billing/payments/{payment.reference}/")
    else:
        page.wait_for_url(re.compile(rf"/{lang}/portal/billing/payments/{payment.reference}/$"))
        # the webhook that follows finds the payment booked and changes nothing
        webhooks.settle("payment_intent.succeeded")
        payment.refresh_from_db()
        assert payment.status == "succeeded"
        assert success_actor(payment) == w.owner
    intent_id = payment.stripe_payment_intent_id
    # the second attempt had its own PaymentIntent; the declined one was cancelled, so it can never be charged
    assert intent_id and intent_id != declined_intent
    assert stripe_client().v1.payment_intents.retrieve(declined_intent).status == "canceled"
    assert stripe_client().v1.payment_intents.retrieve(intent_id).status == "succeeded"
    assert processed_event("payment_intent.succeeded", intent_id).outcome.endswith("succeeded")
    expect(page.locator("#receipt-reference")).to_have_text(payment.reference)
    expect(page.locator("#receipt-amount")).to_have_text(money(DEPOSIT))
    expect(page.locator("#receipt")).to_contain_text(t(lang, "Payment receipt"))
    shot(page, f"journey-04-card-receipt-{lang}")

    # exactly one ledger entry, the deposit held in full: the contract and the merchant are active
    assert kinds(w) == [(E.PAYMENT, DEPOSIT, 0)]
    assert LedgerEntry.objects.get(account=w.account).payment_id == payment.pk
    assert balance(w) == (DEPOSIT, 0, A.HELD)
    w.contract.refresh_from_db()
    w.merchant.refresh_from_db()
    assert w.contract.status == ContractStatus.ACTIVE
    assert w.merchant.status == MerchantStatus.ACTIVE

    page.goto(f"{base}/portal/")
    expect(page.locator(".todo-list li[data-todo='billing.deposit']")).to_have_count(0)
    expect(page.locator(".stage")).to_contain_text(
        t(lang, "Contract %(number)s is active; your deposit of %(amount)s is held in full.",
          number=w.contract.number, amount=money(DEPOSIT)))
    shot(page, f"journey-05-workspace-active-{lang}")
    page.goto(f"{base}/portal/billing/")
    expect(page.locator("#deposit")).to_contain_text(t(lang, "Your deposit is held in full. Nothing to pay."))
    expect(page.locator("#deposit-balance")).to_have_text(money(DEPOSIT))
    return payment


def deduct_with_evidence(w, lang: str, staff, live_server, tmp_path) -> None:
    evidence = tmp_path / "complaint-evidence.pdf"
    evidence.write_bytes(pdf_bytes("complaint evidence"))
    mail.outbox.clear()

    # ------------------------------------------------------------ finance proposes, with the evidence file
    page = staff.finance
    page.goto(f"{live_server.url}/admin/billing/deductions/new/?account={w.account.pk}")
    form = page.locator("#deduction-form")
    expect(form.locator("select[name=account]")).to_have_value(str(w.account.pk))
    form.locator("select[name=breach]").select_option(Deduction.Breach.COUNTERFEIT)
    form.locator("input[name=reference]").fill("TS-2026-1201-001")
    form.locator("textarea[name=description]").fill("Counterfeit goods sold; the customer's complaint upheld.")
    form.locator("input[name=amount]").fill(str(DEDUCTION))
    form.locator("input[name=evidence]").set_input_files(str(evidence))
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/billing/deductions/\d+/$"))
    deduction = Deduction.objects.get(account=w.account)
    assert (deduction.status, deduction.amount, deduction.breach, deduction.reference, deduction.created_by) == (
        Deduction.Status.PROPOSED, DEDUCTION, Deduction.Breach.COUNTERFEIT, "TS-2026-1201-001", w.finance_staff)
    with deduction.evidence.open("rb") as stored:
        assert stored.read() == evidence.read_bytes()  # kept in private storage as uploaded
    expect(page.locator("#deduction-status")).to_have_attribute("data-status", "proposed")
    expect(page.locator("#deduction-would-deduct")).to_have_text(money(DEDUCTION))
    expect(page.locator("#deduction-would-invoice")).to_have_text(money(0))
    expect(page.locator("#deduction-why-not")).to_be_visible()  # the maker never approves
    expect(page.locator("#deduction-approve")).to_have_count(0)
    assert kinds(w) == [(E.PAYMENT, DEPOSIT, 0)]  # nothing deducted on a proposal
    detail_url = page.url

    # ------------------------------------------------------------ a second finance user reads the evidence, approves
    page = staff.finance2
    page.goto(detail_url)
    response = page.request.get(live_server.url + page.locator("#deduction-evidence").get_attribute("href"))
    assert response.ok and response.body() == evidence.read_bytes()
    page.locator("#deduction-approve").click()
    page.wait_for_load_state()
    expect(page.locator("#deduction-status")).to_have_attribute("data-status", "proposed")
    deduction.refresh_from_db()
    assert (deduction.status, deduction.first_approved_by) == (Deduction.Status.PROPOSED, w.finance2)
    assert kinds(w) == [(E.PAYMENT, DEPOSIT, 0)]  # above the threshold one approval is not enough

    # ------------------------------------------------------------ management completes it: deducted, top-up asked
    page = staff.management
    page.goto(detail_url)
    page.locator("#deduction-approve").click()
    expect(page.locator("#deduction-status")).to_have_attribute("data-status", "approved")
    expect(page.locator("#deduction-deducted")).to_have_text(money(DEDUCTION))
    expect(page.locator("#deduction-top-up")).to_contain_text(money(DEDUCTION))
    shot(page, f"journey-06-deduction-approved-{lang}")
    deduction.refresh_from_db()
    assert (deduction.status, deduction.decided_by) == (Deduction.Status.APPROVED, w.management)
    assert deduction.excess_invoice is None  # the deposit held enough
    assert kinds(w) == [(E.PAYMENT, DEPOSIT, 0), (E.DEDUCTION, -DEDUCTION, 0)]
    assert LedgerEntry.objects.get(account=w.account, kind=E.DEDUCTION).deduction_id == deduction.pk
    assert balance(w) == (DEPOSIT - DEDUCTION, 0, A.SHORTFALL)
    top_up = TopUpRequest.objects.get(account=w.account)
    assert (top_up.amount, top_up.status, top_up.deduction_id) == (DEDUCTION, TopUpRequest.Status.OPEN, deduction.pk)
    assert top_up.due_on == timezone.localdate() + dt.timedelta(days=15)
    assert any(w.owner.email in message.to for message in mail.outbox), "the merchant is told by email"
    w.contract.refresh_from_db()
    assert w.contract.status == ContractStatus.ACTIVE


def top_up_by_bank_transfer(w, lang: str, page, staff, live_server, tmp_path) -> None:
    base = f"{live_server.url}/{lang}"
    top_up = TopUpRequest.objects.get(account=w.account)

    # ------------------------------------------------------------ the merchant sees the top-up and its deadline
    page.goto(f"{base}/portal/")
    todo = page.locator(".todo-list li[data-todo='billing.top_up']")
    expect(todo).to_be_visible()
    expect(todo.locator("time.todo-due")).to_have_attribute("datetime", top_up.due_on.isoformat())
    expect(todo).to_contain_text(money(DEDUCTION))
    todo.locator("a").click()
    page.wait_for_url(re.compile(rf"/{lang}/portal/billing/$"))
    expect(page.locator("#deposit-balance")).to_have_text(money(DEPOSIT - DEDUCTION))
    expect(page.locator("#deposit-due .billing-due-amount strong")).to_have_text(money(DEDUCTION))
    expect(page.locator("#deposit-due")).to_contain_text(deduction_reference := "TS-2026-1201-001")
    shot(page, f"journey-07-billing-top-up-due-{lang}")

    # ------------------------------------------------------------ by bank transfer: our account and the reference
    page.locator("#deposit-pay-form input[name=method][value=bank_transfer]").check()
    page.locator("#deposit-pay").click()
    page.wait_for_url(re.compile(rf"/{lang}/portal/billing/payments/ZS-[0-9A-Z]{{4}}-[0-9A-Z]{{4}}/bank-transfer/$"))
    transfer = Payment.objects.get(account=w.account, provider="bank_transfer")
    assert (transfer.purpose, transfer.amount, transfer.status, transfer.top_up_id) == (
        "top_up", DEDUCTION, "created", top_up.pk)
    expect(page.locator("#transfer-amount")).to_have_text(money(DEDUCTION))
    expect(page.locator("#transfer-status")).to_have_attribute("data-status", "awaiting")
    reference = page.locator("#transfer-reference").inner_text().strip()  # what the merchant writes in the remark
    assert reference == transfer.reference
    shot(page, f"journey-08-bank-transfer-details-{lang}")

    # ------------------------------------------------------------ finance records the receipt found on the statement
    receipt = tmp_path / "bank-receipt.pdf"
    receipt.write_bytes(pdf_bytes("bank receipt"))
    finance = staff.finance
    finance.goto(f"{live_server.url}/admin/billing/bank/record/")
    form = finance.locator("#bank-record-form")
    form.locator("input[name=reference]").fill(reference.lower())  # as typed, in lower case
    form.locator("input[name=amount]").fill(str(DEDUCTION))
    form.locator("input[name=received_on]").fill(timezone.localdate().isoformat())
    form.locator("input[name=bank_reference]").fill(f"ICBC-{lang}-20261201-0042")
    form.locator("input[name=payer_name]").fill(w.contract.merchant_legal_name)
    form.locator("input[name=receipt]").set_input_files(str(receipt))
    form.locator("button[type=submit]").click()
    finance.wait_for_url(re.compile(rf"/admin/billing/bank/{transfer.pk}/$"))
    expect(finance.locator("#bank-status")).to_have_attribute("data-status", "pending")
    expect(finance.locator("#bank-confirm-blocked")).to_be_visible()  # the maker never confirms
    expect(finance.locator("#bank-confirm")).to_have_count(0)
    finance.goto(f"{live_server.url}/admin/billing/bank/")  # nor from the list of transfers awaiting confirmation
    mine = finance.locator(f"#bank-pending tr[data-reference='{transfer.reference}']")
    expect(mine).to_contain_text(money(DEDUCTION))
    expect(mine.locator("button[data-action=confirm]")).to_have_count(0)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.recorded_by, transfer.bank_reference) == (
        "pending", w.finance_staff, f"ICBC-{lang}-20261201-0042")
    assert transfer.receipt
    assert kinds(w) == [(E.PAYMENT, DEPOSIT, 0), (E.DEDUCTION, -DEDUCTION, 0)]  # not booked before the confirmation
    assert balance(w) == (DEPOSIT - DEDUCTION, 0, A.SHORTFALL)

    page.reload()
    expect(page.locator("#transfer-status")).to_have_attribute("data-status", "received")
    page.goto(f"{base}/portal/")
    expect(page.locator(".todo-list li[data-todo='billing.transfer_recorded']")).to_contain_text(reference)
    shot(page, f"journey-09-workspace-transfer-recorded-{lang}")

    # ------------------------------------------------------------ a second finance user confirms from the list
    finance2 = staff.finance2
    finance2.goto(f"{live_server.url}/admin/billing/bank/")
    row = finance2.locator(f"#bank-pending tr[data-reference='{reference}']")
    expect(row).to_contain_text(money(DEDUCTION))
    shot(finance2, f"journey-10-admin-transfers-pending-{lang}")
    row.locator("button[data-action=confirm]").click()
    expect(finance2.locator(f"#bank-pending tr[data-reference='{reference}']")).to_have_count(0)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.confirmed_by) == ("succeeded", w.finance2)
    assert kinds(w) == [(E.PAYMENT, DEPOSIT, 0), (E.DEDUCTION, -DEDUCTION, 0), (E.TOP_UP, DEDUCTION, 0)]
    assert LedgerEntry.objects.get(account=w.account, kind=E.TOP_UP).payment_id == transfer.pk
    assert balance(w) == (DEPOSIT, 0, A.HELD)
    top_up.refresh_from_db()
    assert top_up.status == TopUpRequest.Status.PAID
    w.contract.refresh_from_db()
    assert w.contract.status == ContractStatus.ACTIVE

    # ------------------------------------------------------------ the merchant: confirmed, every movement explained
    page.goto(f"{base}/portal/billing/payments/{reference}/bank-transfer/")
    expect(page.locator("#transfer-status")).to_have_attribute("data-status", "confirmed")
    page.goto(f"{base}/portal/billing/deposit/ledger/")
    rows = page.locator("#ledger tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#ledger-balance")).to_have_text(money(DEPOSIT))
    expect(page.locator("#ledger .ledger-row--deduction")).to_contain_text(deduction_reference)
    expect(page.locator("#ledger .ledger-row--top_up")).to_contain_text(reference)
    # newest first, with the running balance after each entry
    expect(rows.nth(0).locator("td").nth(4)).to_have_text(money(DEPOSIT))
    expect(rows.nth(1).locator("td").nth(4)).to_have_text(money(DEPOSIT - DEDUCTION))
    expect(rows.nth(2).locator("td").nth(4)).to_have_text(money(DEPOSIT))
    shot(page, f"journey-11-ledger-topped-up-{lang}")


def end_the_contract_and_refund_to_the_card(w, lang: str, page, staff, live_server, card_payment: Payment) -> None:
    base = f"{live_server.url}/{lang}"
    today = timezone.localdate()

    # ------------------------------------------------------------ a recruitment lead ends the contract
    lead = staff.lead
    lead.goto(f"{live_server.url}/admin/contracts/{w.contract.pk}/")
    action = lead.locator("details[data-action=terminate]")
    action.locator("summary").click()
    action.locator("input[name='terminate-side']").first.check()
    action.locator("input[name='terminate-effective_on']").fill(today.isoformat())
    action.locator("input[name='terminate-effective_on']").press("Escape")
    action.locator("textarea[name='terminate-reason']").fill("The merchant leaves the platform.")
    action.locator("button[type=submit]").click()
    lead.wait_for_load_state()
    w.contract.refresh_from_db()
    assert w.contract.status == ContractStatus.TERMINATED
    refund = wait_until(lambda: Refund.objects.filter(contract=w.contract).first(), what="the refund due")
    due_on = refund_due_date(today)
    assert (refund.provider, refund.payment_id, refund.amount, refund.status, refund.due_on) == (
        "stripe", card_payment.pk, DEPOSIT, "created", due_on)
    assert due_on >= today + dt.timedelta(days=30 * 7 // 5)  # 30 working days: six weeks at least
    assert balance(w) == (DEPOSIT, 0, A.REFUND_DUE)

    page.goto(f"{base}/portal/billing/")
    expect(page.locator("#refunds")).to_contain_text(money(DEPOSIT))
    expect(page.locator("#refunds")).to_contain_text(due_on.isoformat())
    expect(page.locator("#refunds")).to_contain_text(t(lang, "Back to the card you paid with."))
    shot(page, f"journey-12-billing-refund-due-{lang}")

    # ------------------------------------------------------------ finance and management approve, finance sends it
    detail = f"{live_server.url}/admin/billing/refunds/{refund.pk}/"
    finance = staff.finance
    finance.goto(detail)
    expect(finance.locator("#refund-amount-now")).to_have_text(money(DEPOSIT))
    expect(finance.locator("#refund-method")).to_have_attribute("data-provider", "stripe")
    expect(finance.locator("#refund-method")).to_contain_text(card_payment.reference)
    finance.locator("#refund-approve").click()
    expect(finance.locator("#refund-approvals")).to_contain_text("(1/2)")
    expect(finance.locator("#refund-send")).to_have_count(0)  # above the threshold: management too

    management = staff.management
    management.goto(detail)
    management.locator("#refund-approve").click()
    expect(management.locator("#refund-approvals")).to_contain_text("(2/2)")
    refund.refresh_from_db()
    assert (refund.approved_by, refund.second_approved_by, refund.status) == (w.finance_staff, w.management,
                                                                              "created")
    assert balance(w) == (DEPOSIT, 0, A.REFUND_DUE)

    finance.goto(detail)
    finance.locator("#refund-send").click()
    expect(finance.locator("#refund-status")).to_have_attribute("data-status", "succeeded")
    expect(finance.locator("#refund-amount")).to_have_text(money(DEPOSIT))
    expect(finance.locator("#refund-approvals")).to_contain_text("(2/2)")
    shot(finance, f"journey-13-admin-refund-sent-{lang}")
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert refund.amount == DEPOSIT
    assert refund.stripe_refund_id

    # Stripe has the refund on the card's PaymentIntent, in fen
    stripe_refund = stripe_client().v1.refunds.retrieve(refund.stripe_refund_id)
    assert (stripe_refund.amount, stripe_refund.currency, stripe_refund.status) == (6_000_000, "cny", "succeeded")
    assert stripe_refund.payment_intent == card_payment.stripe_payment_intent_id

    # the reservation released, the refund recorded, nothing left: the account is closed
    assert kinds(w) == [(E.PAYMENT, DEPOSIT, 0), (E.DEDUCTION, -DEDUCTION, 0), (E.TOP_UP, DEDUCTION, 0),
                        (E.FREEZE, 0, DEPOSIT), (E.RELEASE, 0, -DEPOSIT), (E.REFUND, -DEPOSIT, 0)]
    assert LedgerEntry.objects.get(account=w.account, kind=E.REFUND).refund_id == refund.pk
    assert balance(w) == (0, 0, A.CLOSED)

    page.goto(f"{base}/portal/billing/deposit/ledger/")
    expect(page.locator("#ledger-balance")).to_have_text(money(0))
    expect(page.locator("#ledger .ledger-row--refund")).to_contain_text(money(-DEPOSIT).replace("-", ""))
    shot(page, f"journey-14-ledger-refunded-{lang}")
