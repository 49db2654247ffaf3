"""Bank transfers: the provider's details, finance recording a receipt, the four-eyes confirmation above the
threshold (the maker never confirms, superusers included), partial and excess transfers, a bank transaction
recorded once, rejection, and the contract becoming active once the deposit is confirmed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import BillingSettings, DepositAccount, LedgerEntry, Payment, Refund
from billing.providers import provider_for
from billing.services.bank_transfers import (
    PartialTransfer,
    bank_transfer_confirm,
    bank_transfer_due,
    bank_transfer_record,
    bank_transfer_reject,
)
from billing.services.ledger import balance_of
from billing.services.payments import deposit_payment_open
from contracts.models import ContractStatus
from portal.exceptions import ApplicationError, InvalidTransition, PermissionDenied
from portal.models import MerchantStatus
from portal.models.audit import AuditEntry
from tests.factories.billing import BillingWorld

pytestmark = pytest.mark.django_db



@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def w():
    return BillingWorld()  # deposit ¥60,000: above the default threshold of ¥50,000


@pytest.fixture
def small():
    return BillingWorld(deposit=Decimal("20000.00"))


def opened(world) -> Payment:
    return deposit_payment_open(account=world.account, provider="bank_transfer", actor=world.owner)


def record(world, payment=None, *, actor=None, amount=None, bank_reference="B-001", **kwargs) -> Payment:
    payment = payment or opened(world)
    return bank_transfer_record(actor=actor or world.finance_staff, payment=payment,
                                amount=amount if amount is not None else payment.amount,
                                received_on=timezone.localdate(), bank_reference=bank_reference,
                                payer_name="上海云帆贸易有限公司", **kwargs)


def test_the_provider_gives_our_account_details_and_the_payments_reference(w):
    payment = opened(w)
    details = provider_for("bank_transfer").start(payment)
    settings = BillingSettings.load()
    assert details["payee_name"] == settings.payee_name
    assert details["payee_account_number"] == settings.payee_account_number
    assert details["reference"] == payment.reference
    assert (details["amount"], details["currency"]) == (Decimal("60000.00"), "CNY")
    assert details["status"] == "awaiting"
    assert details["needs_second_person"] is True
    assert provider_for("bank_transfer").confirm(payment, {}) == "created"  # the merchant confirms nothing


def test_at_or_below_the_threshold_recording_confirms_and_activates_the_contract(
        small, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payment = record(small)
    assert payment.status == "succeeded"
    assert (payment.recorded_by, payment.confirmed_by) == (small.finance_staff, small.finance_staff)
    entry = LedgerEntry.objects.get(payment=payment)
    assert (entry.kind, entry.amount) == ("payment", Decimal("20000.00"))
    assert payment.reference in entry.memo
    small.account.refresh_from_db()
    small.contract.refresh_from_db()
    small.merchant.refresh_from_db()
    assert small.account.status == DepositAccount.Status.HELD
    assert small.contract.status == ContractStatus.ACTIVE
    assert small.merchant.status == MerchantStatus.ACTIVE


def test_above_the_threshold_the_maker_never_confirms_a_second_finance_user_does(
        w, django_capture_on_commit_callbacks):
    payment = record(w)
    assert payment.status == "pending"
    assert not LedgerEntry.objects.filter(account=w.account).exists()
    with pytest.raises(PermissionDenied):
        bank_transfer_confirm(payment=payment, actor=w.finance_staff)
    assert Payment.objects.get(pk=payment.pk).status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        payment = bank_transfer_confirm(payment=payment, actor=w.finance2)
        bank_transfer_confirm(payment=payment, actor=w.finance2)  # a second click changes nothing
    assert (payment.status, payment.recorded_by, payment.confirmed_by) == ("succeeded", w.finance_staff, w.finance2)
    assert LedgerEntry.objects.filter(account=w.account).count() == 1
    assert balance_of(w.account).balance == Decimal("60000.00")
    w.contract.refresh_from_db()
    w.merchant.refresh_from_db()
    assert (w.contract.status, w.merchant.status) == (ContractStatus.ACTIVE, MerchantStatus.ACTIVE)
    assert AuditEntry.objects.filter(action="billing.bank_transfer.recorded", target_id=str(payment.pk)).count() == 1


def test_a_superuser_who_recorded_a_transfer_cannot_confirm_it(w):
    from tests.factories.portal import UserFactory

    boss = UserFactory(email="boss@example.com", is_staff=True, is_superuser=True)
    payment = record(w, actor=boss)
    with pytest.raises(PermissionDenied):
        bank_transfer_confirm(payment=payment, actor=boss)
    assert bank_transfer_confirm(payment=payment, actor=w.finance_staff).status == "succeeded"


@pytest.mark.parametrize(("threshold", "status"), [("60000.00", "succeeded"), ("59999.99", "pending")])
def test_the_threshold_boundary(w, threshold, status):
    settings = BillingSettings.load()
    settings.transfer_confirm_threshold = Decimal(threshold)
    settings.save()
    assert record(w).status == status


def test_only_finance_records_or_confirms(w):
    payment = opened(w)
    for user in (w.lead, w.owner, w.reviewer):
        with pytest.raises(PermissionDenied):
            record(w, payment, actor=user)
    payment = record(w, payment)
    with pytest.raises(PermissionDenied):
        bank_transfer_confirm(payment=payment, actor=w.lead)


def test_less_than_asked_is_recorded_only_as_a_partial_payment_and_the_rest_stays_due(
        w, django_capture_on_commit_callbacks):
    payment = opened(w)
    with pytest.raises(PartialTransfer):
        record(w, payment, amount=Decimal("50000"))
    assert not Payment.objects.exclude(pk=payment.pk).exists()
    part = record(w, payment, amount=Decimal("50000"), partial=True)
    assert part.pk != payment.pk and part.account == w.account and part.purpose == "deposit"
    assert (part.amount, part.status) == (Decimal("50000.00"), "succeeded")  # ≤ threshold: confirmed
    assert bank_transfer_due(payment=Payment.objects.get(pk=payment.pk)) == Decimal("10000.00")
    details = provider_for("bank_transfer").start(Payment.objects.get(pk=payment.pk))
    assert (details["amount"], details["reference"]) == (Decimal("10000.00"), payment.reference)
    with django_capture_on_commit_callbacks(execute=True):
        rest = record(w, payment, amount=Decimal("10000"), bank_reference="B-002")
    assert rest.pk == payment.pk and rest.status == "succeeded"
    w.account.refresh_from_db()
    w.contract.refresh_from_db()
    assert (w.account.status, w.contract.status) == (DepositAccount.Status.HELD, ContractStatus.ACTIVE)
    assert balance_of(w.account).balance == Decimal("60000.00")


def test_a_pending_partial_receipt_is_counted_before_it_is_confirmed(w):
    payment = opened(w)
    settings = BillingSettings.load()
    settings.transfer_confirm_threshold = Decimal("1000")
    settings.save()
    part = record(w, payment, amount=Decimal("30000"), partial=True)
    assert part.status == "pending"
    assert bank_transfer_due(payment=Payment.objects.get(pk=payment.pk)) == Decimal("30000.00")
    with pytest.raises(ApplicationError, match="asks for"):
        record(w, payment, amount=Decimal("60000"), bank_reference="B-009")


def test_more_than_is_due_is_refused_with_the_amount_due(w):
    payment = opened(w)
    with pytest.raises(ApplicationError, match="60,000.00"):
        record(w, payment, amount=Decimal("60000.01"))
    assert Payment.objects.get(pk=payment.pk).status == "created"


def test_a_bank_transaction_is_recorded_once(small):
    record(small)
    other = BillingWorld(deposit=Decimal("20000.00"))
    with pytest.raises(ApplicationError, match="already recorded"):
        record(other, bank_reference="B-001")


def test_a_payment_already_recorded_or_confirmed_takes_no_second_transfer(w, small):
    pending = record(w)
    with pytest.raises(InvalidTransition, match="awaits confirmation"):
        record(w, pending, bank_reference="B-002")
    done = record(small, bank_reference="B-003")
    with pytest.raises(InvalidTransition, match="already confirmed"):
        record(small, done, bank_reference="B-004")


def test_a_card_payment_takes_no_bank_transfer(w):
    card = deposit_payment_open(account=w.account, provider="stripe", actor=w.owner)
    with pytest.raises(ApplicationError, match="card payment"):
        record(w, card)


def test_rejecting_a_recorded_transfer_frees_its_bank_reference_and_the_payment_waits_again(w):
    payment = record(w)
    with pytest.raises(ApplicationError):
        bank_transfer_reject(payment=payment, actor=w.finance2, reason="  ")
    payment = bank_transfer_reject(payment=payment, actor=w.finance2, reason="No such credit on our account")
    assert (payment.status, payment.failure_code, payment.bank_reference) == ("failed", "transfer_rejected", "")
    assert payment.recorded_by is None
    assert deposit_payment_open(account=w.account, provider="bank_transfer") == payment  # the same reference
    again = record(w, payment, bank_reference="B-001")  # the same bank transaction may now be recorded
    assert again.status == "pending" and again.pk == payment.pk
    with pytest.raises(InvalidTransition):
        bank_transfer_reject(payment=bank_transfer_confirm(payment=again, actor=w.finance2), actor=w.finance2,
                             reason="late")


def test_without_a_reference_the_merchants_open_attempt_is_used_or_one_is_made(w, small):
    payment = opened(w)
    got = bank_transfer_record(actor=w.finance_staff, merchant=w.merchant, purpose="deposit",
                               amount=Decimal("60000"), received_on=timezone.localdate(), bank_reference="B-010",
                               payer_name="张三")
    assert got.pk == payment.pk and got.status == "pending"
    made = bank_transfer_record(actor=small.finance_staff, merchant=small.merchant, purpose="deposit",
                                amount=Decimal("5000"), received_on=timezone.localdate(), bank_reference="B-011",
                                payer_name="张三")
    assert (made.amount, made.purpose, made.account, made.status) == (Decimal("5000.00"), "deposit",
                                                                      small.account, "succeeded")
    with pytest.raises(ApplicationError, match="15,000.00"):
        bank_transfer_record(actor=small.finance_staff, merchant=small.merchant, purpose="deposit",
                             amount=Decimal("15000.01"), received_on=timezone.localdate(), bank_reference="B-012",
                             payer_name="张三")


def test_a_merchant_owing_nothing_gets_no_receipt(w):
    with pytest.raises(ApplicationError, match="owes nothing"):
        bank_transfer_record(actor=w.finance_staff, merchant=w.other_merchant, purpose="deposit",
                             amount=Decimal("10"), received_on=timezone.localdate(), bank_reference="B-020",
                             payer_name="x")


def test_a_transfer_cannot_have_arrived_tomorrow(w):
    with pytest.raises(ApplicationError, match="future"):
        bank_transfer_record(actor=w.finance_staff, payment=opened(w), amount=Decimal("60000"),
                             received_on=timezone.localdate() + dt.timedelta(days=1), bank_reference="B-1",
                             payer_name="x")


def test_a_bank_transfer_refund_is_sent_and_reserved(small):
    import datetime

    from billing.services.refunds import deposit_refund_due

    record(small)
    refund = deposit_refund_due(contract=small.contract, effective_on=datetime.date(2026, 9, 30))
    assert refund.provider == "bank_transfer"
    assert provider_for("bank_transfer").refund(refund) == "pending"
    assert Refund.objects.get(pk=refund.pk).status == "pending"
    assert balance_of(small.account).frozen == Decimal("20000.00")
