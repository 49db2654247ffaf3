"""Refunds to the card through Stripe (localstripe): the amount is reserved before Stripe is asked, Stripe's refund
carries our idempotency key and our refund's id, Stripe unreachable leaves the refund reserved and the read-back
sends it once Stripe answers; refunds made in the Stripe dashboard and card disputes are recorded."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from billing.models import DepositAccount, LedgerEntry, Refund
from billing.providers import ProviderUnavailable, provider_for
from billing.providers.stripe import sget, stripe_client
from billing.services.ledger import balance_of
from billing.services.payments import deposit_payment_open
from billing.services.reconcile import payments_reconcile
from billing.services.refunds import deposit_refund_due
from tests.factories.billing import BillingWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(stripe_server):
    """A merchant whose ¥60,000 deposit was paid by card; its contract has ended, the refund is due."""
    w = BillingWorld(deposit=Decimal("60000.00"))
    w.payment = deposit_payment_open(account=w.account, provider="stripe", actor=w.owner)
    assert provider_for("stripe").confirm_card(w.payment, token=stripe_server.card_token(),
                                               actor=w.owner).status == "succeeded"
    w.payment.refresh_from_db()
    return w


def refund_due(w) -> Refund:
    refund = deposit_refund_due(contract=w.contract, effective_on=dt.date(2026, 9, 30))
    assert (refund.provider, refund.payment, refund.amount) == ("stripe", w.payment, Decimal("60000.00"))
    return refund


def stripe_refunds_of(payment) -> list:
    return list(stripe_client().v1.refunds.list(params={"payment_intent": payment.stripe_payment_intent_id}).data)


def test_a_deposit_refund_goes_back_to_the_card_once(paid):
    refund = refund_due(paid)
    status = provider_for("stripe").refund(refund, actor=paid.finance_staff)
    assert status == "succeeded"
    refund.refresh_from_db()
    assert refund.status == "succeeded" and refund.stripe_refund_id
    [at_stripe] = stripe_refunds_of(paid.payment)
    assert (at_stripe.id, at_stripe.amount) == (refund.stripe_refund_id, 6_000_000)
    assert sget(at_stripe.metadata, "refund") == str(refund.pk)
    assert balance_of(paid.account).balance == Decimal("0")
    assert LedgerEntry.objects.filter(refund=refund, kind="refund", amount=Decimal("-60000.00")).count() == 1
    paid.account.refresh_from_db()
    assert paid.account.status == DepositAccount.Status.CLOSED
    # asked again (a double click, the read-back): nothing more goes back
    assert provider_for("stripe").refresh_refund(refund) == "succeeded"
    assert len(stripe_refunds_of(paid.payment)) == 1


def test_stripe_down_during_a_refund_keeps_it_reserved_and_the_read_back_sends_it(paid, stripe_server):
    refund = refund_due(paid)
    stripe_server.stop()
    with pytest.raises(ProviderUnavailable) as raised:
        provider_for("stripe").refund(refund, actor=paid.finance_staff)
    assert "will be sent automatically" in raised.value.message
    refund.refresh_from_db()
    assert refund.status == "pending" and refund.stripe_refund_id is None
    balance = balance_of(paid.account)
    # nothing lost: the money is still in the deposit, reserved for this refund
    assert (balance.balance, balance.frozen) == (Decimal("60000.00"), Decimal("60000.00"))
    assert payments_reconcile(now=refund.updated_at + dt.timedelta(minutes=10)).unavailable
    stripe_server.start()
    result = payments_reconcile(now=refund.updated_at + dt.timedelta(minutes=10))
    assert result.refunds == 1 and not result.unavailable
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert len(stripe_refunds_of(paid.payment)) == 1
    balance = balance_of(paid.account)
    assert (balance.balance, balance.frozen) == (Decimal("0"), Decimal("0"))


def test_a_lost_answer_to_the_refund_is_found_by_its_id_not_sent_twice(paid, monkeypatch):
    import stripe
    from stripe._refund_service import RefundService

    refund = refund_due(paid)
    original = RefundService.create

    def create_then_lose_the_answer(self, *args, **kwargs):
        original(self, *args, **kwargs)
        raise stripe.APIConnectionError("timed out")

    monkeypatch.setattr(RefundService, "create", create_then_lose_the_answer)
    with pytest.raises(ProviderUnavailable):
        provider_for("stripe").refund(refund, actor=paid.finance_staff)
    monkeypatch.undo()
    refund.refresh_from_db()
    assert refund.status == "pending"
    payments_reconcile(now=refund.updated_at + dt.timedelta(minutes=10))
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert len(stripe_refunds_of(paid.payment)) == 1  # found by our refund's id in its metadata


def test_a_refund_without_a_card_payment_is_refused(paid):
    refund = refund_due(paid)
    Refund.objects.filter(pk=refund.pk).update(payment=None)
    refund.refresh_from_db()
    from portal.exceptions import ApplicationError

    with pytest.raises(ApplicationError):
        provider_for("stripe").refund(refund)
    refund.refresh_from_db()
    assert refund.status == "created"


def test_a_dashboard_refund_is_found_by_the_read_back(paid):
    """localstripe sends no refund events: the hourly check of recent card payments finds it."""
    stripe_client().v1.refunds.create(params={"payment_intent": paid.payment.stripe_payment_intent_id,
                                              "amount": 250_000})
    later = timezone.now() + dt.timedelta(hours=2)  # the payment was read back when it was paid
    result = payments_reconcile(now=later)
    assert result.dashboard_checked == 1
    refund = Refund.objects.get(payment=paid.payment)
    assert (refund.source, refund.status, refund.amount) == ("dashboard", "succeeded", Decimal("2500.00"))
    assert balance_of(paid.account).balance == Decimal("57500.00")
    # checked again at once: nothing new, nothing twice
    assert payments_reconcile(now=later).dashboard_checked == 0
    assert payments_reconcile(now=later + dt.timedelta(hours=2)).dashboard_checked == 1
    assert Refund.objects.filter(payment=paid.payment).count() == 1


def test_a_card_dispute_freezes_the_amount_until_it_closes(paid, client, monkeypatch):
    """localstripe has no disputes: Stripe's answer to the dispute re-read is the one thing stood in for."""
    import json

    from stripe._dispute_service import DisputeService

    from tests.stripe_server import stripe_event, webhook_signature

    state = {"status": "needs_response"}

    def retrieve(self, dispute_id, *args, **kwargs):
        return SimpleNamespace(id=dispute_id, amount=1_000_000, status=state["status"],
                               payment_intent=paid.payment.stripe_payment_intent_id)

    monkeypatch.setattr(DisputeService, "retrieve", retrieve)

    def deliver(event_type):
        payload = json.dumps(stripe_event(event_type, {"id": "dp_1", "object": "dispute"})).encode()
        return client.post("/billing/stripe/webhook/", data=payload, content_type="application/json",
                           HTTP_STRIPE_SIGNATURE=webhook_signature(payload, "whsec_localstripe"))

    assert deliver("charge.dispute.created").status_code == 200
    assert deliver("charge.dispute.updated").status_code == 200
    balance = balance_of(paid.account)
    assert (balance.balance, balance.frozen, balance.available) == (
        Decimal("60000.00"), Decimal("10000.00"), Decimal("50000.00"))
    state["status"] = "won"
    assert deliver("charge.dispute.closed").status_code == 200
    assert deliver("charge.dispute.closed").status_code == 200
    balance = balance_of(paid.account)
    assert (balance.balance, balance.frozen) == (Decimal("60000.00"), Decimal("0"))
    assert LedgerEntry.objects.filter(hold_reference="dispute:dp_1").count() == 2


def test_a_lost_dispute_is_money_gone_back_to_the_card(paid, client, monkeypatch):
    import json

    from stripe._dispute_service import DisputeService

    from tests.stripe_server import stripe_event, webhook_signature

    state = {"status": "needs_response"}
    monkeypatch.setattr(DisputeService, "retrieve", lambda self, dispute_id, *a, **k: SimpleNamespace(
        id=dispute_id, amount=500_000, status=state["status"], payment_intent=paid.payment.stripe_payment_intent_id))

    def deliver(event_type):
        payload = json.dumps(stripe_event(event_type, {"id": "dp_2", "object": "dispute"})).encode()
        return client.post("/billing/stripe/webhook/", data=payload, content_type="application/json",
                           HTTP_STRIPE_SIGNATURE=webhook_signature(payload, "whsec_localstripe"))

    deliver("charge.dispute.created")
    state["status"] = "lost"
    deliver("charge.dispute.closed")
    deliver("charge.dispute.closed")
    refund = Refund.objects.get(payment=paid.payment)
    assert (refund.source, refund.status, refund.amount) == ("dashboard", "succeeded", Decimal("5000.00"))
    balance = balance_of(paid.account)
    assert (balance.balance, balance.frozen) == (Decimal("55000.00"), Decimal("0"))


def test_a_fee_refund_goes_back_to_the_card_without_touching_the_deposit(paid):
    refund = Refund.objects.create(merchant=paid.merchant, reason=Refund.Reason.FEE, provider="stripe",
                                   payment=paid.payment, amount=Decimal("120.50"), currency="CNY")
    assert provider_for("stripe").refund(refund, actor=paid.finance_staff) == "succeeded"
    [at_stripe] = stripe_refunds_of(paid.payment)
    assert at_stripe.amount == 12_050
    assert balance_of(paid.account).balance == Decimal("60000.00")
