"""The merchant hears when finance confirms or rejects its bank transfer: one email per payer (owner, admin,
finance user), each in their own language, sent after the decision commits (none when it rolls back)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from billing.models import Payment
from billing.services.bank_transfers import bank_transfer_confirm, bank_transfer_record, bank_transfer_reject
from billing.services.deposit_mail import merchant_payers
from billing.services.payments import deposit_payment_open
from tests.factories.billing import BillingWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = BillingWorld()  # ¥60,000: above the threshold, so a second finance user confirms
    world.owner.preferred_language = "zh-hans"
    world.owner.save(update_fields=["preferred_language"])
    world.finance.preferred_language = "en"
    world.finance.save(update_fields=["preferred_language"])
    return world


def recorded(world, *, amount=None) -> Payment:
    payment = deposit_payment_open(account=world.account, provider="bank_transfer", actor=world.owner)
    return bank_transfer_record(actor=world.finance_staff, payment=payment, amount=amount or payment.amount,
                                received_on=timezone.localdate(), bank_reference="B-7",
                                payer_name="上海云帆贸易有限公司")


def _by_address(messages) -> dict:
    return {message.to[0]: message for message in messages}


def test_a_confirmed_transfer_is_mailed_to_each_payer_in_their_language(w, django_capture_on_commit_callbacks):
    payment = recorded(w)
    assert payment.status == "pending" and mail.outbox == []  # recorded, awaiting the second person
    with django_capture_on_commit_callbacks(execute=True):
        bank_transfer_confirm(payment=payment, actor=w.finance2)
    payers = merchant_payers(w.merchant.pk)
    assert {user.email for user in payers} == {m.to[0] for m in mail.outbox} and len(mail.outbox) == len(payers)
    sent = _by_address(mail.outbox)
    english, chinese = sent[w.finance.email], sent[w.owner.email]
    assert "is confirmed" in english.subject and payment.reference in english.subject
    assert "60,000.00" in english.body and "the money is booked" in english.body
    assert f"/en/portal/billing/payments/{payment.reference}/" in english.body
    assert "已确认" in chinese.subject and "60,000.00" in chinese.body and "款项已入账" in chinese.body
    assert f"/zh-hans/portal/billing/payments/{payment.reference}/" in chinese.body
    assert w.other_owner.email not in sent  # another merchant hears nothing


def test_recording_at_or_below_the_threshold_confirms_and_mails_once(django_capture_on_commit_callbacks):
    world = BillingWorld(deposit=Decimal("20000.00"))
    with django_capture_on_commit_callbacks(execute=True):
        payment = recorded(world)
    assert payment.status == "succeeded"
    assert len(mail.outbox) == len(merchant_payers(world.merchant.pk))
    assert all("20,000.00" in message.body for message in mail.outbox)


def test_a_rejected_transfer_is_mailed_with_the_reason_and_the_amount_still_due(
        w, django_capture_on_commit_callbacks):
    payment = recorded(w)
    with django_capture_on_commit_callbacks(execute=True):
        bank_transfer_reject(payment=payment, actor=w.finance2, reason="No such credit on 1 December")
    sent = _by_address(mail.outbox)
    english, chinese = sent[w.finance.email], sent[w.owner.email]
    assert "could not be confirmed" in english.subject
    assert "No such credit on 1 December" in english.body and "still due under the same reference" in english.body
    assert "未能确认" in chinese.subject and "No such credit on 1 December" in chinese.body


def test_nothing_is_mailed_when_the_decision_rolls_back(w, django_capture_on_commit_callbacks):
    payment = recorded(w)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                bank_transfer_confirm(payment=payment, actor=w.finance2)
                raise RuntimeError("the caller failed after the confirmation")
        except RuntimeError:
            pass
    payment.refresh_from_db()
    assert payment.status == "pending" and mail.outbox == []
