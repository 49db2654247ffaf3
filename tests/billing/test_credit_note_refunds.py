"""A credit note moves the money it corrects: on an invoice paid by card the excess becomes a refund to that card
(through the refund machinery: approved by another person, sent to Stripe); paid by bank transfer, a refund due
for finance to pay; unpaid with a PaymentIntent for the old amount, that intent is cancelled so nothing charges
more than is still owed (localstripe, real)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import FeeType, Invoice, Payment, PaymentStatus, Refund
from billing.providers import provider_for
from billing.providers.stripe import stripe_client
from billing.services.bank_accounts import bank_account_add
from billing.services.bank_transfers import bank_transfer_record
from billing.services.invoices import InvoiceLineSpec, credit_note_issue, invoice_issue_for, invoice_payment_open
from billing.services.refund_actions import refund_approve, refund_send
from portal.exceptions import PermissionDenied
from portal.models import AuditEntry
from tests.factories.billing import BillingWorld

pytestmark = pytest.mark.django_db
DECLINED = "4000000000000341"


def issued(w, amount="12000.00") -> Invoice:
    return invoice_issue_for(merchant=w.merchant, currency="CNY", lines=[
        InvoiceLineSpec(FeeType.MEMBERSHIP_GOLD_YEAR, "黄金会员 2026–2027", unit_price=Decimal(amount))])


def paid_by_card(w, stripe_server, invoice) -> Payment:
    payment = invoice_payment_open(invoice=invoice, provider="stripe", actor=w.owner)
    outcome = provider_for("stripe").confirm_card(payment, token=stripe_server.card_token(), actor=w.owner)
    assert outcome.status == PaymentStatus.SUCCEEDED
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    return payment


def test_a_credit_note_on_a_card_paid_invoice_refunds_the_card_once_approved_and_sent(stripe_server):
    w = BillingWorld()
    invoice = issued(w)
    card = paid_by_card(w, stripe_server, invoice)
    note = credit_note_issue(invoice=invoice, amount=Decimal("800.00"), reason="老客户折让", actor=w.finance_staff)
    [refund] = Refund.objects.filter(invoice=invoice)
    assert (refund.reason, refund.provider, refund.payment, refund.amount, refund.status) == (
        "fee", "stripe", card, Decimal("800.00"), "created")
    assert refund.created_by == w.finance_staff and refund.account is None and refund.due_on > timezone.localdate()
    entry = AuditEntry.objects.get(action="billing.refund.due", target_id=str(refund.pk))
    assert (entry.data["credit_note"], entry.data["invoice"]) == (note.number, invoice.number)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID  # partly credited, still paid
    with pytest.raises(PermissionDenied):  # the credit note's issuer is the refund's maker
        refund_approve(refund=refund, actor=w.finance_staff)
    refund_approve(refund=refund, actor=w.finance2)
    refund = refund_send(refund=refund, actor=w.finance2)
    assert refund.status == "succeeded" and refund.stripe_refund_id
    [at_stripe] = stripe_client().v1.refunds.list(params={"payment_intent": card.stripe_payment_intent_id}).data
    assert at_stripe.amount == 80_000
    # the rest credited later: only that goes back (what is already returning counts)
    credit_note_issue(invoice=invoice, amount=Decimal("11200.00"), reason="会员取消", actor=w.finance_staff)
    amounts = sorted(Refund.objects.filter(invoice=invoice).values_list("amount", flat=True))
    assert amounts == [Decimal("800.00"), Decimal("11200.00")]
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CREDITED


def test_a_credit_note_on_an_invoice_paid_by_bank_transfer_makes_a_refund_due_for_finance():
    w = BillingWorld()
    account = bank_account_add(merchant=w.merchant, actor=w.owner, holder_name="张三贸易有限公司",
                               bank_name="中国建设银行", account_number="6217000011112222333")
    invoice = issued(w, "3000.00")
    bank_transfer_record(actor=w.finance_staff, amount=Decimal("3000.00"), received_on=timezone.localdate(),
                         bank_reference="B-42", merchant=w.merchant, purpose="invoice", invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    credit_note_issue(invoice=invoice, amount=Decimal("1000.00"), reason="多收", actor=w.finance_staff)
    [refund] = Refund.objects.filter(invoice=invoice)
    assert (refund.provider, refund.bank_account, refund.amount, refund.status, refund.payment) == (
        "bank_transfer", account, Decimal("1000.00"), "created", None)


def test_a_credit_note_within_what_is_still_unpaid_refunds_nothing():
    w = BillingWorld()
    invoice = issued(w, "3000.00")
    bank_transfer_record(actor=w.finance_staff, amount=Decimal("1000.00"), received_on=timezone.localdate(),
                         bank_reference="B-43", merchant=w.merchant, purpose="invoice", invoice=invoice, partial=True)
    credit_note_issue(invoice=invoice, amount=Decimal("2000.00"), reason="折让", actor=w.finance_staff)
    assert not Refund.objects.exists()  # 3,000 − 2,000 credited = 1,000, which is what was paid
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_an_open_payment_intent_for_the_old_amount_is_cancelled_and_the_next_one_asks_for_what_is_owed(
        stripe_server, django_capture_on_commit_callbacks):
    w = BillingWorld()
    invoice = issued(w)
    payment = invoice_payment_open(invoice=invoice, provider="stripe", actor=w.owner)
    outcome = provider_for("stripe").confirm_card(payment, token=stripe_server.card_token(DECLINED), actor=w.owner)
    assert outcome.status == PaymentStatus.FAILED
    payment.refresh_from_db()
    old_intent = payment.stripe_payment_intent_id
    assert old_intent and payment.amount == Decimal("12000.00")
    with django_capture_on_commit_callbacks(execute=True):
        credit_note_issue(invoice=invoice, amount=Decimal("2000.00"), reason="折让", actor=w.finance_staff)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELED
    assert stripe_client().v1.payment_intents.retrieve(old_intent).status == "canceled"
    assert not Refund.objects.exists()  # nothing was paid
    fresh = invoice_payment_open(invoice=invoice, provider="stripe", actor=w.owner)
    assert fresh.pk != payment.pk and fresh.amount == Decimal("10000.00")
    assert provider_for("stripe").confirm_card(fresh, token=stripe_server.card_token(), actor=w.owner).status == (
        PaymentStatus.SUCCEEDED)
    fresh.refresh_from_db()
    assert stripe_client().v1.payment_intents.retrieve(fresh.stripe_payment_intent_id).amount == 1_000_000
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_stripe_down_at_the_credit_note_leaves_the_old_intent_until_the_merchant_pays_again(
        stripe_server, django_capture_on_commit_callbacks):
    w = BillingWorld()
    invoice = issued(w)
    payment = invoice_payment_open(invoice=invoice, provider="stripe", actor=w.owner)
    provider_for("stripe").confirm_card(payment, token=stripe_server.card_token(DECLINED), actor=w.owner)
    stripe_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        credit_note_issue(invoice=invoice, amount=Decimal("12000.00") - Decimal("1.00"), reason="折让",
                          actor=w.finance_staff)  # the credit note stands
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    stripe_server.start()
    fresh = invoice_payment_open(invoice=invoice, provider="stripe", actor=w.owner)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELED and fresh.amount == Decimal("1.00")
    assert not Refund.objects.exists()
