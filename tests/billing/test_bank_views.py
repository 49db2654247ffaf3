"""The merchant's bank-transfer page (details, amount, reference, status, printable copy; another merchant's
payment → 404) and finance's admin screens (record, confirm by a second user only, reject, the pending list at
a constant number of queries, 403 for other staff)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from billing.models import BillingSettings, Payment
from billing.services.bank_transfers import bank_transfer_record
from billing.services.payments import deposit_payment_open
from contracts.models import ContractStatus
from tests.factories.billing import BillingWorld
from tests.onboarding.admin_support import english_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = BillingWorld()
    english_admin(world.finance_staff, world.finance2, world.lead)
    world.payment = deposit_payment_open(account=world.account, provider="bank_transfer", actor=world.owner)
    return world


def url(name: str, lang: str = "en", *args) -> str:
    with translation.override(lang):
        return reverse(name, args=args or None)


def client_for(user) -> Client:
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    client = Client(REMOTE_ADDR="198.51.100.4")
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


# ---- the merchant's page

def test_the_page_shows_our_account_the_amount_and_the_reference(w):
    response = client_for(w.owner).get(url("billing:payment_bank", "en", w.payment.reference))
    body = text(response)
    assert response.status_code == 200
    settings = BillingSettings.load()
    for value in (settings.payee_name, settings.payee_bank, settings.payee_account_number, w.payment.reference,
                  "¥60,000.00", "Awaiting your transfer", "What happens next"):
        assert value in body
    assert 'data-status="awaiting"' in body
    assert "<script>" not in body and "style=" not in body


def test_the_page_in_chinese(w):
    body = text(client_for(w.owner).get(url("billing:payment_bank", "zh-hans", w.payment.reference)))
    assert "附言" in body and w.payment.reference in body and "¥60,000.00" in body


def test_another_merchants_payment_and_a_card_payment_are_404(w):
    other = client_for(w.other_owner)
    assert other.get(url("billing:payment_bank", "en", w.payment.reference)).status_code == 404
    assert other.get(url("billing:payment_bank_print", "en", w.payment.reference)).status_code == 404
    card = deposit_payment_open(account=w.account, provider="stripe", actor=w.owner)
    assert client_for(w.owner).get(url("billing:payment_bank", "en", card.reference)).status_code == 404
    assert client_for(w.owner).get(url("billing:payment_bank", "en", "ZS-NONE-NONE")).status_code == 404


def test_a_member_who_may_not_pay_is_told_so(w):
    response = client_for(w.operations).get(url("billing:payment_bank", "en", w.payment.reference))
    assert response.status_code == 403
    assert "Only an owner, an admin or a finance user" in text(response)
    assert BillingSettings.load().payee_account_number not in text(response)


def test_the_status_follows_the_record_and_the_confirmation(w):
    client = client_for(w.finance)
    page = url("billing:payment_bank", "en", w.payment.reference)
    bank_transfer_record(actor=w.finance_staff, payment=w.payment, amount=Decimal("60000"),
                         received_on=timezone.localdate(), bank_reference="B-1", payer_name="张三")
    body = text(client.get(page))
    assert 'data-status="received"' in body and "Finance is confirming it" in body
    assert w.payment.reference not in body.split('id="transfer-state"')[1].split("</div>")[0]
    from billing.services.bank_transfers import bank_transfer_confirm

    bank_transfer_confirm(payment=w.payment, actor=w.finance2)
    body = text(client.get(page))
    assert 'data-status="confirmed"' in body and "is confirmed" in body


def test_the_printable_copy(w):
    body = text(client_for(w.owner).get(url("billing:payment_bank_print", "en", w.payment.reference)))
    assert "Bank transfer instructions" in body and w.payment.reference in body and "¥60,000.00" in body
    assert 'class="workspace-nav"' not in body and "<script>" not in body


# ---- finance's screens

def record_post(client, **data):
    values = {"reference": "", "amount": "60000.00", "received_on": timezone.localdate().isoformat(),
              "bank_reference": "B-100", "payer_name": "张三", "purpose": "deposit"}
    values.update(data)
    return client.post(reverse("billing_bank:record"), values)


def test_finance_records_and_a_second_user_confirms_in_the_admin(w, django_capture_on_commit_callbacks):
    maker, checker = client_for(w.finance_staff), client_for(w.finance2)
    response = record_post(maker, reference=w.payment.reference.lower())
    payment = Payment.objects.get(pk=w.payment.pk)
    assert response.status_code == 302 and response["Location"] == reverse("billing_bank:payment", args=[payment.pk])
    assert (payment.status, payment.recorded_by, payment.bank_reference) == ("pending", w.finance_staff, "B-100")
    detail = text(maker.get(reverse("billing_bank:payment", args=[payment.pk])))
    assert "another finance user confirms it" in detail and 'id="bank-confirm"' not in detail
    assert 'data-event="bank_transfer.recorded"' in detail and "Transfer recorded" in detail and "B-100" in detail
    maker.post(reverse("billing_bank:confirm", args=[payment.pk]))
    assert Payment.objects.get(pk=payment.pk).status == "pending"
    listing = text(checker.get(reverse("billing_bank:index")))
    assert payment.reference in listing and 'data-action="confirm"' in listing
    with django_capture_on_commit_callbacks(execute=True):
        response = checker.post(reverse("billing_bank:confirm", args=[payment.pk]), {"next": "index"})
    assert response["Location"] == reverse("billing_bank:index")
    payment.refresh_from_db()
    w.contract.refresh_from_db()
    assert (payment.status, payment.confirmed_by) == ("succeeded", w.finance2)
    assert w.contract.status == ContractStatus.ACTIVE
    assert "No recorded transfer awaits confirmation" in text(checker.get(reverse("billing_bank:index")))


def test_the_record_form_says_what_is_wrong(w):
    client = client_for(w.finance_staff)
    response = record_post(client, reference="ZS-AAAA-BBBB")
    assert response.status_code == 200 and "No payment has the reference ZS-AAAA-BBBB" in text(response)
    response = record_post(client, reference=w.payment.reference, amount="50000.00")
    body = text(response)
    assert "tick “partial payment”" in body and 'name="partial"' in body
    response = record_post(client, reference=w.payment.reference, amount="70000.00")
    assert "the excess goes back to the merchant" in text(response)
    response = record_post(client)
    assert "Enter the payment&#x27;s reference, or choose the merchant" in text(response)
    assert Payment.objects.get(pk=w.payment.pk).status == "created"


def test_the_record_form_accepts_a_partial_payment_and_a_receipt(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories.onboarding import pdf_bytes

    client = client_for(w.finance_staff)
    receipt = SimpleUploadedFile("回单.pdf", pdf_bytes(), content_type="application/pdf")
    response = record_post(client, reference=w.payment.reference, amount="50000.00", partial="on", receipt=receipt)
    part = Payment.objects.exclude(pk=w.payment.pk).get()
    assert response.status_code == 302 and part.amount == Decimal("50000.00") and part.status == "succeeded"
    download = client.get(reverse("billing_bank:receipt", args=[part.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    bad = SimpleUploadedFile("receipt.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = record_post(client, reference=w.payment.reference, amount="10000.00", bank_reference="B-2",
                           receipt=bad)
    assert "is not a PDF, JPEG or PNG file" in text(response)


def test_rejecting_in_the_admin(w):
    bank_transfer_record(actor=w.finance_staff, payment=w.payment, amount=Decimal("60000"),
                         received_on=timezone.localdate(), bank_reference="B-1", payer_name="张三")
    client = client_for(w.finance2)
    client.post(reverse("billing_bank:reject", args=[w.payment.pk]), {"reason": ""})
    assert Payment.objects.get(pk=w.payment.pk).status == "pending"
    client.post(reverse("billing_bank:reject", args=[w.payment.pk]), {"reason": "Not on our statement"})
    payment = Payment.objects.get(pk=w.payment.pk)
    assert (payment.status, payment.failure_message) == ("failed", "Not on our statement")


def test_other_staff_and_merchants_get_no_bank_screens(w):
    for user in (w.lead, w.reviewer):
        assert client_for(user).get(reverse("billing_bank:index")).status_code == 403
        assert client_for(user).post(reverse("billing_bank:confirm", args=[w.payment.pk])).status_code == 403
    assert client_for(w.owner).get(reverse("billing_bank:index")).status_code in (302, 403)


def test_the_pending_list_costs_the_same_queries_for_one_or_many_rows(w):
    settings = BillingSettings.load()
    settings.transfer_confirm_threshold = Decimal("1")
    settings.save()
    client = client_for(w.finance2)

    def make(n):
        for i in range(n):
            bank_transfer_record(actor=w.finance_staff, merchant=w.merchant, purpose="deposit",
                                 amount=Decimal("10"), received_on=timezone.localdate(),
                                 bank_reference=f"Q-{Payment.objects.count()}-{i}", payer_name="x",
                                 partial=True)

    make(1)
    client.get(reverse("billing_bank:index"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("billing_bank:index"))
    make(5)
    with CaptureQueriesContext(connection) as six:
        body = text(client.get(reverse("billing_bank:index")))
    assert body.count('data-action="confirm"') == 6
    assert len(six) == len(one)
