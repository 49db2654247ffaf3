"""Finance's refund workflow: the amount is what the deposit can give back at the moment (recomputed at send),
the maker never approves, finance and management above the threshold, a bank-transfer refund is sent then recorded
with the bank's reference, a card refund that cannot be made switches to bank transfer, and the due date of a
deposit refund counts PRC working days across Spring Festival and National Day."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.models import BankAccount, BillingSettings, LedgerEntry, Refund
from billing.services.ledger import balance_of, ledger_append
from billing.services.refund_actions import (
    refund_amount_now,
    refund_approve,
    refund_bank_transfer_failed,
    refund_bank_transfer_record,
    refund_is_approved,
    refund_method_switch,
    refund_send,
)
from billing.services.refunds import deposit_refund_due
from portal.exceptions import ApplicationError, PermissionDenied
from portal.models import AuditEntry
from tests.billing.deposit_world import DepositWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = DepositWorld()
    world.bank = BankAccount.objects.create(merchant=world.merchant, holder_name="张三贸易有限公司",
                                            bank_name="中国建设银行", account_number="6217 0000 1111 2222 333")
    return world


@pytest.fixture
def refund(w):
    return deposit_refund_due(contract=w.contract, effective_on=dt.date(2026, 9, 30))


def test_the_refund_due_goes_by_bank_transfer_to_the_default_account(w, refund):
    assert (refund.provider, refund.bank_account, refund.amount, refund.created_by) == (
        "bank_transfer", w.bank, Decimal("60000.00"), None)
    assert refund_amount_now(refund) == Decimal("60000.00")


def test_above_the_threshold_finance_and_management_approve_then_it_is_sent_and_recorded(w, refund):
    refund = refund_approve(refund=refund, actor=w.finance_staff)
    assert not refund_is_approved(refund)
    with pytest.raises(PermissionDenied):
        refund_approve(refund=refund, actor=w.finance2)  # finance twice is not enough above the threshold
    refund = refund_approve(refund=refund, actor=w.management)
    assert refund_is_approved(refund) and refund.second_approved_by == w.management
    refund = refund_send(refund=refund, actor=w.finance2)
    assert refund.status == "pending"
    assert balance_of(w.account).available == 0  # reserved while finance pays it
    with pytest.raises(ValidationError):
        refund_bank_transfer_record(refund=refund, bank_reference=" ", actor=w.finance2)
    refund = refund_bank_transfer_record(refund=refund, bank_reference="CCB20261002-0042", actor=w.finance2,
                                         paid_on=dt.date(2026, 10, 8))
    assert (refund.status, refund.bank_reference) == ("succeeded", "CCB20261002-0042")
    w.account.refresh_from_db()
    assert w.account.status == "closed"
    assert LedgerEntry.objects.get(refund=refund).amount == Decimal("-60000.00")
    assert AuditEntry.objects.filter(action="billing.refund.bank_transfer_recorded").count() == 1


def test_at_the_threshold_one_approver_who_is_not_the_maker(w, refund):
    settings = BillingSettings.load()
    settings.refund_approval_threshold = Decimal("60000.00")
    settings.save()
    refund_method_switch(refund=refund, provider="bank_transfer", bank_account=w.bank, actor=w.finance_staff)
    refund.refresh_from_db()
    with pytest.raises(PermissionDenied):
        refund_approve(refund=refund, actor=w.finance_staff)  # whoever chose where it goes does not approve it
    refund = refund_approve(refund=refund, actor=w.finance2)
    assert refund_is_approved(refund)


def test_the_amount_is_recomputed_when_it_is_sent(w, refund):
    settings = BillingSettings.load()
    settings.refund_approval_threshold = Decimal("100000")
    settings.save()
    refund = refund_approve(refund=refund, actor=w.finance2)
    # a dispute freezes part of the deposit after the approval
    ledger_append(account=w.account, kind="freeze", amount=Decimal("2500"), currency="CNY", hold_reference="dp_x")
    refund = refund_send(refund=refund, actor=w.finance_staff)
    assert (refund.status, refund.amount) == ("pending", Decimal("57500.00"))
    assert AuditEntry.objects.get(action="billing.refund.amount_recomputed").data["sent"] == "57500.00"


def test_more_to_give_back_than_approved_needs_approving_again(w, refund):
    settings = BillingSettings.load()
    settings.refund_approval_threshold = Decimal("100000")
    settings.save()
    ledger_append(account=w.account, kind="freeze", amount=Decimal("1000"), currency="CNY", hold_reference="dp_y")
    refund = refund_approve(refund=refund, actor=w.finance2)
    assert refund.amount == Decimal("59000.00")
    ledger_append(account=w.account, kind="release", amount=Decimal("1000"), currency="CNY", hold_reference="dp_y")
    with pytest.raises(ApplicationError, match="approve it again|请重新审批"):
        refund_send(refund=refund, actor=w.finance_staff)
    refund = refund_approve(refund=refund, actor=w.management)
    assert refund.amount == Decimal("60000.00") and refund.approved_by == w.management
    assert refund_send(refund=refund, actor=w.finance_staff).status == "pending"


def test_an_unapproved_refund_is_not_sent_and_only_finance_sends(w, refund):
    with pytest.raises(ApplicationError):
        refund_send(refund=refund, actor=w.finance2)
    with pytest.raises(PermissionDenied):
        refund_send(refund=refund, actor=w.management)
    assert Refund.objects.get(pk=refund.pk).status == "created"


def test_a_returned_bank_transfer_releases_the_amount_and_can_go_again(w, refund):
    refund_approve(refund=refund, actor=w.finance_staff)
    refund = refund_approve(refund=refund, actor=w.management)
    refund = refund_send(refund=refund, actor=w.finance2)
    refund = refund_bank_transfer_failed(refund=refund, message="账户已销户 account closed", actor=w.finance2)
    assert refund.status == "failed" and balance_of(w.account).available == Decimal("60000.00")
    other = BankAccount.objects.create(merchant=w.merchant, holder_name="张三贸易有限公司", bank_name="招商银行",
                                       account_number="6225 8800 0000 1234")
    refund = refund_method_switch(refund=refund, provider="bank_transfer", bank_account=other, actor=w.finance2)
    assert refund.approved_by is None and refund.created_by == w.finance2  # approved again, by others
    refund_approve(refund=refund, actor=w.finance_staff)
    refund = refund_approve(refund=refund, actor=w.management)
    assert refund_send(refund=refund, actor=w.finance2).status == "pending"


def test_a_card_refund_without_a_card_payment_is_refused_and_switched(w, refund):
    with pytest.raises(ApplicationError):
        refund_method_switch(refund=refund, provider="stripe", actor=w.finance2)  # paid by bank transfer
    Refund.objects.filter(pk=refund.pk).update(provider="stripe")
    refund.refresh_from_db()
    refund_approve(refund=refund, actor=w.finance_staff)
    refund = refund_approve(refund=refund, actor=w.management)
    with pytest.raises(ApplicationError, match="bank transfer|银行转账"):
        refund_send(refund=refund, actor=w.finance2)
    assert Refund.objects.get(pk=refund.pk).status == "created"
    assert balance_of(w.account).frozen == 0  # nothing was reserved
    other_merchants_account = BankAccount.objects.create(merchant=w.other_merchant, holder_name="x", bank_name="y",
                                                         account_number="1234567890")
    with pytest.raises(ValidationError):
        refund_method_switch(refund=refund, provider="bank_transfer", bank_account=other_merchants_account,
                             actor=w.finance2)
    refund = refund_method_switch(refund=refund, provider="bank_transfer", bank_account=w.bank, actor=w.finance2)
    assert refund.provider == "bank_transfer"


def test_nothing_left_to_refund_is_a_clear_message(w, refund):
    from billing.services.deductions import deduction_approve, deduction_propose
    from tests.billing.deposit_world import evidence

    deduction = deduction_propose(account=w.account, breach="fake_shipment", reference="ORD-1", description="x",
                                  evidence=evidence(), amount="60000", actor=w.finance_staff)
    deduction_approve(deduction=deduction, actor=w.finance2)
    deduction_approve(deduction=deduction, actor=w.management)
    with pytest.raises(ApplicationError, match="nothing left|没有可退"):
        refund_approve(refund=refund, actor=w.finance2)


# ---- the admin pages

def test_the_admin_approves_sends_and_records_a_refund(w, refund, client):
    client.force_login(w.finance_staff)
    index = client.get("/admin/billing/refunds/").content.decode()
    assert f'data-refund="{refund.pk}"' in index
    page = client.get(f"/admin/billing/refunds/{refund.pk}/").content.decode()
    assert "¥60,000.00" in page and "**** **** 2333" in page and "6217 0000 1111 2222 333" not in page
    client.post(f"/admin/billing/refunds/{refund.pk}/approve/")
    client.post(f"/admin/billing/refunds/{refund.pk}/approve/")  # the same user again: refused
    assert Refund.objects.get(pk=refund.pk).second_approved_by is None
    client.force_login(w.management)
    client.post(f"/admin/billing/refunds/{refund.pk}/approve/")
    client.post(f"/admin/billing/refunds/{refund.pk}/send/")  # management does not send: refused, a message
    assert Refund.objects.get(pk=refund.pk).status == "created"
    client.force_login(w.finance2)
    client.post(f"/admin/billing/refunds/{refund.pk}/send/")
    assert Refund.objects.get(pk=refund.pk).status == "pending"
    assert "refund-record-form" in client.get(f"/admin/billing/refunds/{refund.pk}/").content.decode()
    client.post(f"/admin/billing/refunds/{refund.pk}/record/", {"bank_reference": "CCB-1", "paid_on": "2026-10-08"})
    assert Refund.objects.get(pk=refund.pk).status == "succeeded"


def test_an_overdue_refund_is_flagged_in_the_admin(w, refund, client):
    Refund.objects.filter(pk=refund.pk).update(due_on=dt.date(2026, 1, 5))
    client.force_login(w.finance_staff)
    assert "billing-overdue-flag" in client.get("/admin/billing/refunds/").content.decode()


def test_the_refund_pages_are_for_finance_and_management_only(w, refund, client):
    for user in (w.lead, w.admin, w.owner):
        client.force_login(user)
        assert client.get(f"/admin/billing/refunds/{refund.pk}/").status_code in (302, 403)
        client.post(f"/admin/billing/refunds/{refund.pk}/approve/")
    assert Refund.objects.get(pk=refund.pk).approved_by is None
