"""An invoice paid by card through Stripe (localstripe, real): the invoice page's "Pay by card" opens the card
page of one payment for what is still due, and the confirmed charge marks the invoice paid."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.models import FeeType, Invoice, Payment, PaymentStatus
from billing.providers import provider_for
from billing.providers.stripe import stripe_client
from billing.services.invoices import InvoiceLineSpec, credit_note_issue, invoice_issue_for
from tests.factories.billing import BillingWorld

pytestmark = pytest.mark.django_db


def test_pay_by_card_opens_the_card_page_and_the_charge_pays_the_invoice(stripe_server):
    w = BillingWorld()
    invoice = invoice_issue_for(merchant=w.merchant, currency="CNY", lines=[
        InvoiceLineSpec(FeeType.MEMBERSHIP_GOLD_YEAR, "黄金会员 2026–2027", unit_price=Decimal("12800.00"))])
    credit_note_issue(invoice=invoice, amount=Decimal("800.00"), reason="老客户折让", actor=None)
    w.owner.email_verified_at = timezone.now()
    w.owner.save(update_fields=["email_verified_at"])
    client = Client()
    client.force_login(w.owner)
    pay_url = reverse("billing:invoice_pay", args=[invoice.pk])
    first = client.post(pay_url, {"method": "stripe"})
    second = client.post(pay_url, {"method": "stripe"})  # a double click
    payment = Payment.objects.get(invoice=invoice)
    assert first["Location"] == second["Location"] == reverse("billing:payment_card",
                                                              kwargs={"reference": payment.reference})
    assert payment.amount == Decimal("12000.00")
    assert client.get(first["Location"]).status_code == 200
    outcome = provider_for("stripe").confirm_card(payment, token=stripe_server.card_token(), actor=w.owner)
    assert outcome.status == PaymentStatus.SUCCEEDED
    intent = stripe_client().v1.payment_intents.retrieve(Payment.objects.get(pk=payment.pk).stripe_payment_intent_id)
    assert (intent.amount, intent.currency) == (1_200_000, "cny")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and invoice.paid_at is not None
