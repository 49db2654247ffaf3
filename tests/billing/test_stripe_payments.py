"""Card payments through Stripe (localstripe, real): the PaymentIntent is made once per payment row and confirmed
on the server; declines and 3-D Secure; Stripe unreachable loses nothing and the read-back finishes the job."""

from decimal import Decimal

import pytest
import stripe

from billing.models import DepositAccount, LedgerEntry, Payment, PaymentStatus
from billing.providers import ProviderUnavailable, provider_for
from billing.providers.stripe import sget, stripe_client
from billing.services.payments import deposit_payment_open
from billing.services.reconcile import payments_reconcile
from contracts.models import ContractStatus
from portal.models import MerchantStatus
from tests.factories.billing import BillingWorld

pytestmark = pytest.mark.django_db

S = PaymentStatus


@pytest.fixture
def w(stripe_server):
    return BillingWorld(deposit=Decimal("60000.00"))


def card_payment(w) -> Payment:
    return deposit_payment_open(account=w.account, provider="stripe", actor=w.owner)


def intents_of(payment: Payment) -> list:
    return [i for i in stripe_client().v1.payment_intents.list(params={"limit": 100}).data
            if sget(i.metadata, "reference") == payment.reference]


def test_a_card_payment_charges_the_deposit_once_and_activates_the_contract(w, stripe_server,
                                                                            django_capture_on_commit_callbacks):
    payment = card_payment(w)
    provider = provider_for("stripe")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = provider.confirm_card(payment, token=stripe_server.card_token(), actor=w.owner)
    assert outcome.status == S.SUCCEEDED
    payment.refresh_from_db()
    assert payment.status == S.SUCCEEDED and payment.stripe_attempts == 1
    intent = stripe_client().v1.payment_intents.retrieve(payment.stripe_payment_intent_id)
    # minor units at the Stripe boundary only: ¥60,000.00 = 6,000,000 fen
    assert (intent.amount, intent.currency, intent.status) == (6_000_000, "cny", "succeeded")
    assert intent.metadata["reference"] == payment.reference
    entry = LedgerEntry.objects.get(payment=payment)
    assert (entry.kind, entry.amount) == ("payment", Decimal("60000.00"))
    w.account.refresh_from_db()
    w.contract.refresh_from_db()
    w.merchant.refresh_from_db()
    assert w.account.status == DepositAccount.Status.HELD
    assert w.contract.status == ContractStatus.ACTIVE
    assert w.merchant.status == MerchantStatus.ACTIVE


def test_double_click_on_pay_makes_one_payment_intent(w, stripe_server):
    first, second = card_payment(w), card_payment(w)
    assert first == second  # the open attempt is reused
    provider = provider_for("stripe")
    token = stripe_server.card_token()
    provider.confirm_card(first, token=token, actor=w.owner)
    outcome = provider.confirm_card(second, token=token, actor=w.owner)  # the second click's request
    assert outcome.status == S.SUCCEEDED
    assert len(intents_of(first)) == 1
    assert LedgerEntry.objects.filter(account=w.account).count() == 1


def test_a_declined_card_fails_with_its_message_and_another_card_then_pays(w, stripe_server):
    payment = card_payment(w)
    provider = provider_for("stripe")
    outcome = provider.confirm_card(payment, token=stripe_server.card_token("4000000000000341"), actor=w.owner)
    assert outcome.status == S.FAILED
    assert "declined" in outcome.message
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == (S.FAILED, "card_declined")
    assert "declined" in payment.failure_message
    assert not LedgerEntry.objects.filter(account=w.account).exists()
    declined_intent = payment.stripe_payment_intent_id
    # the merchant tries again with another card, on the same payment row
    outcome = provider.confirm_card(payment, token=stripe_server.card_token(), actor=w.owner)
    assert outcome.status == S.SUCCEEDED
    payment.refresh_from_db()
    assert payment.failure_message == "" and payment.stripe_attempts == 2
    intents = {i.id: i.status for i in intents_of(payment)}
    # the declined intent was cancelled before the new card got its own: never two that can charge
    assert intents == {declined_intent: "canceled", payment.stripe_payment_intent_id: "succeeded"}
    assert LedgerEntry.objects.filter(account=w.account).count() == 1


def test_3d_secure_asks_for_authentication_then_the_read_back_pays(w, stripe_server):
    payment = card_payment(w)
    provider = provider_for("stripe")
    outcome = provider.confirm_card(payment, token=stripe_server.card_token("4000002500003155"), actor=w.owner)
    assert outcome.status == S.REQUIRES_ACTION
    payment.refresh_from_db()
    assert outcome.client_secret.startswith(payment.stripe_payment_intent_id)
    assert not LedgerEntry.objects.exists()
    # the browser: stripe.confirmCardPayment(client_secret) on localstripe
    stripe_server.authenticate(payment.stripe_payment_intent_id, outcome.client_secret, success=True)
    assert provider.refresh_card(payment, actor=w.owner).status == S.SUCCEEDED
    assert LedgerEntry.objects.filter(payment=payment).count() == 1


def test_3d_secure_refused_fails_the_payment_with_a_clear_message(w, stripe_server):
    payment = card_payment(w)
    provider = provider_for("stripe")
    outcome = provider.confirm_card(payment, token=stripe_server.card_token("4000002500003155"), actor=w.owner)
    payment.refresh_from_db()
    stripe_server.authenticate(payment.stripe_payment_intent_id, outcome.client_secret, success=False)
    outcome = provider.refresh_card(payment, actor=w.owner)
    assert outcome.status == S.FAILED
    assert "3-D Secure" in outcome.message


def test_stripe_down_during_a_payment_loses_nothing_and_the_read_back_finishes_it(w, stripe_server):
    payment = card_payment(w)
    provider = provider_for("stripe")
    token = stripe_server.card_token()
    stripe_server.stop()
    with pytest.raises(ProviderUnavailable) as raised:
        provider.confirm_card(payment, token=token, actor=w.owner)
    assert "Nothing was charged" in raised.value.message
    payment.refresh_from_db()
    assert (payment.status, payment.stripe_payment_intent_id) == (S.CREATED, None)
    stripe_server.start()
    # Stripe is back: the merchant pays again, and is charged once
    outcome = provider.confirm_card(payment, token=stripe_server.card_token(), actor=w.owner)
    assert outcome.status == S.SUCCEEDED


def test_a_lost_answer_after_the_charge_is_found_by_the_read_back(w, stripe_server, monkeypatch):
    """Stripe charged the card but our request timed out: the payment stays pending with its intent id, and
    the reconciliation reads the intent back and records the payment once."""
    payment = card_payment(w)
    provider = provider_for("stripe")
    # the SDK call is the boundary we cut: the request reaches localstripe, its answer is lost
    from stripe._payment_intent_service import PaymentIntentService

    original = PaymentIntentService.confirm

    def confirm_then_lose_the_answer(self, *args, **kwargs):
        original(self, *args, **kwargs)
        raise stripe.APIConnectionError("timed out")

    monkeypatch.setattr(PaymentIntentService, "confirm", confirm_then_lose_the_answer)
    with pytest.raises(ProviderUnavailable):
        provider.confirm_card(payment, token=stripe_server.card_token(), actor=w.owner)
    monkeypatch.undo()
    payment.refresh_from_db()
    assert payment.status == S.PENDING and payment.stripe_payment_intent_id
    assert not LedgerEntry.objects.exists()
    Payment.objects.filter(pk=payment.pk).update(updated_at=payment.updated_at.replace(year=2020))
    result = payments_reconcile()
    assert result.payments == 1 and not result.unavailable
    payment.refresh_from_db()
    assert payment.status == S.SUCCEEDED
    assert LedgerEntry.objects.filter(payment=payment).count() == 1
    assert payments_reconcile().payments == 0  # nothing left to read back


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_the_same_moment_make_one_payment_intent_and_one_charge(stripe_server):
    """Two requests of the same payment at once (PostgreSQL row locks): the second waits for the first and finds
    the payment paid."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    w = BillingWorld(deposit=Decimal("60000.00"))
    payment = card_payment(w)
    token = stripe_server.card_token()
    outcomes, errors = [], []
    start = threading.Barrier(2)

    def click():
        try:
            start.wait(5)
            outcomes.append(provider_for("stripe").confirm_card(Payment.objects.get(pk=payment.pk), token=token,
                                                                actor=w.owner).status)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors and outcomes == [S.SUCCEEDED, S.SUCCEEDED]
    assert len(intents_of(payment)) == 1
    assert LedgerEntry.objects.filter(account=w.account).count() == 1
