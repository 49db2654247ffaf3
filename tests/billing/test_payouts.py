"""Approving a settlement run (four-eyes above the adjustment threshold), its payouts, the payout file, marking
payouts paid or returned, and what merchants still owe at the end of their contract invoiced."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing.models import (
    BillingSettings,
    Invoice,
    Payout,
    PayoutFile,
    PayoutStatus,
    SettlementRun,
    Statement,
    StatementStatus,
)
from billing.services.payouts import (
    payout_file_create,
    payout_file_mark_paid,
    payout_mark_paid,
    payout_return,
    run_adjustments_largest,
    settlement_balances_invoice_for_contract,
    settlement_run_approval_blockers,
    settlement_run_approve,
)
from portal.exceptions import ApplicationError, InvalidTransition, PermissionDenied
from portal.models import AuditEntry
from portal.roles import Role
from tests.factories.onboarding import MerchantFactory, staff_user
from tests.factories.settlements import LineSpec, bank_account_for, issued_run, statement_from_spec

pytestmark = pytest.mark.django_db
R = SettlementRun.Status
S = StatementStatus
D = Decimal


class World:
    def __init__(self):
        self.finance = staff_user(Role.FINANCE, first_name="Qian", last_name="Finance")
        self.finance2 = staff_user(Role.FINANCE, first_name="Zhao", last_name="Finance")
        self.management = staff_user(Role.MANAGEMENT, first_name="Sun", last_name="Director")
        self.reviewer = staff_user(Role.REVIEWER)
        self.run = issued_run(created_by=self.finance)
        self.m1, self.m2, self.m3 = (MerchantFactory(name=f"商家{i}") for i in (1, 2, 3))
        for m in (self.m1, self.m2, self.m3):
            bank_account_for(m, number=f"62220202001122{m.pk:05d}")
        # ¥950 to pay; ¥1,880 + a ¥20 subsidy; a negative balance carried forward
        self.s1 = statement_from_spec(run=self.run, merchant=self.m1)
        self.s2 = statement_from_spec(run=self.run, merchant=self.m2, status=S.DISPUTED, spec=LineSpec(
            orders=[("1000.00", "0.00", "50.00"), ("1000.00", "100.00", "45.00")], subsidies=["20.00"],
            frozen=["300.00"]))
        self.s3 = statement_from_spec(run=self.run, merchant=self.m3, spec=LineSpec(
            orders=[("100.00", "0.00", "5.00")], fees=["500.00"]))


@pytest.fixture
def w():
    return World()


def test_one_approver_approves_the_statements_and_makes_a_payout_per_statement_to_pay(w):
    run = settlement_run_approve(run=w.run, actor=w.finance2, note="checked")
    assert (run.status, run.approved_by, run.second_approved_by) == (R.APPROVED, w.finance2, None)
    w.s1.refresh_from_db(), w.s2.refresh_from_db(), w.s3.refresh_from_db()
    assert (w.s1.status, w.s2.status) == (S.APPROVED, S.APPROVED)
    assert w.s1.approved_at is not None
    # nothing to pay (its balance of −¥405 is carried forward): settled at once, no payout
    assert (w.s3.status, w.s3.carried_forward) == (S.PAID, D("-405.00"))
    payouts = {p.statement_id: p for p in Payout.objects.all()}
    assert set(payouts) == {w.s1.pk, w.s2.pk}
    assert payouts[w.s1.pk].amount == D("950.00") and payouts[w.s2.pk].amount == D("1825.00")
    assert payouts[w.s1.pk].status == PayoutStatus.PENDING
    assert payouts[w.s1.pk].due_on == w.run.payout_due_on
    assert payouts[w.s1.pk].reference == f"PO-{w.s1.number}"
    entry = AuditEntry.objects.get(action="billing.settlement_run.approved")
    assert entry.data["payouts"] == 2 and entry.data["statements"] == 3 and entry.data["nothing_due"] == 1
    # approving again changes nothing
    assert settlement_run_approve(run=run, actor=w.management).status == R.APPROVED
    assert Payout.objects.count() == 2


def test_whoever_started_the_run_never_approves_it(w):
    with pytest.raises(PermissionDenied):
        settlement_run_approve(run=w.run, actor=w.finance)
    with pytest.raises(PermissionDenied):
        settlement_run_approve(run=w.run, actor=w.reviewer)
    assert SettlementRun.objects.get(pk=w.run.pk).status == R.ISSUED


def test_statements_still_within_their_time_to_answer_block_the_approval(w):
    waiting = statement_from_spec(run=w.run, merchant=MerchantFactory(), status=S.ISSUED,
                                   respond_by=timezone.now() + dt.timedelta(days=1))
    blockers = settlement_run_approval_blockers(run=w.run)
    assert "1 statement is still waiting" in blockers[0] and waiting.number in blockers[1]
    with pytest.raises(ApplicationError) as refused:
        settlement_run_approve(run=w.run, actor=w.finance2)
    assert refused.value.extra["blockers"] == blockers
    assert not Payout.objects.exists()
    assert Statement.objects.get(pk=w.s1.pk).status == S.CONFIRMED


def test_silence_confirms_a_statement_past_its_time_to_answer(w):
    silent = statement_from_spec(run=w.run, merchant=MerchantFactory(), status=S.ISSUED,
                                  respond_by=timezone.now() - dt.timedelta(minutes=1))
    settlement_run_approve(run=w.run, actor=w.finance2)
    silent.refresh_from_db()
    assert (silent.status, silent.confirmed_silently) == (S.APPROVED, True)
    assert AuditEntry.objects.get(action="billing.statement.confirmed_silently").data["statements"] == [silent.pk]
    assert AuditEntry.objects.get(action="billing.settlement_run.approved").data["confirmed_by_silence"] == 1


def test_only_an_issued_run_is_approved(w):
    built = issued_run(status=R.BUILT)
    with pytest.raises(InvalidTransition):
        settlement_run_approve(run=built, actor=w.finance2)


@pytest.mark.parametrize("first, second", [("finance2", "management"), ("management", "finance2")])
def test_adjustments_above_the_threshold_need_finance_and_management(w, first, second):
    # a statement with ¥50,000.01 of adjustments (a ¥30,000 subsidy and a ¥20,000.01 deduction)
    big = statement_from_spec(run=w.run, merchant=MerchantFactory(), spec=LineSpec(
        orders=[("100000.00", "0.00", "5000.00")], subsidies=["30000.00"], deductions=["20000.01"]))
    assert run_adjustments_largest(run=w.run).amount == D("50000.01")
    run = settlement_run_approve(run=w.run, actor=getattr(w, first))
    assert run.status == R.ISSUED and run.approved_by == getattr(w, first)
    assert not Payout.objects.exists()
    with pytest.raises(PermissionDenied):  # the same person twice
        settlement_run_approve(run=w.run, actor=getattr(w, first))
    other_finance = staff_user(Role.FINANCE)
    if first == "finance2":
        with pytest.raises(PermissionDenied, match="management"):  # two of finance are not four eyes
            settlement_run_approve(run=w.run, actor=other_finance)
    run = settlement_run_approve(run=w.run, actor=getattr(w, second))
    assert (run.status, run.approved_by, run.second_approved_by) == (R.APPROVED, getattr(w, first),
                                                                     getattr(w, second))
    assert Payout.objects.get(statement=big).amount == D("104999.99")


def test_at_the_threshold_one_approver_suffices(w):
    statement_from_spec(run=w.run, merchant=MerchantFactory(), spec=LineSpec(
        orders=[("100000.00", "0.00", "5000.00")], subsidies=["30000.00"], deductions=["20000.00"]))
    assert settlement_run_approve(run=w.run, actor=w.finance2).status == R.APPROVED


def test_the_threshold_is_a_setting(w):
    settings_ = BillingSettings.load()
    settings_.settlement_approval_threshold = D("10")
    settings_.save()
    assert settlement_run_approve(run=w.run, actor=w.finance2).status == R.ISSUED  # the ¥20 subsidy is above


def approved(w) -> SettlementRun:
    return settlement_run_approve(run=w.run, actor=w.finance2)


def test_the_payout_file_takes_the_payouts_to_send_with_the_default_account(w):
    run = approved(w)
    newer = bank_account_for(w.m2, number="6228480000000000001")
    result = payout_file_create(run=run, actor=w.finance)
    [payout_file] = result.files
    assert (payout_file.reference, payout_file.payout_count, payout_file.total) == (
        f"PF-{run.pk}-001", 2, D("2775.00"))
    lines = {line.payout.statement_id: line for line in payout_file.lines.select_related("payout")}
    assert lines[w.s2.pk].bank_account == newer and lines[w.s2.pk].last4 == "0001"
    assert set(Payout.objects.values_list("status", flat=True)) == {PayoutStatus.IN_FILE}
    assert Payout.objects.get(statement=w.s2).bank_account == newer
    with pytest.raises(ApplicationError, match="already in a payout file"):
        payout_file_create(run=run, actor=w.finance)


def test_a_merchant_without_a_bank_account_is_named_and_its_payout_waits(w):
    w.m1.bank_accounts.all().delete()
    result = payout_file_create(run=approved(w), actor=w.finance)
    assert result.without_account == [w.m1.name]
    assert Payout.objects.get(statement=w.s1).status == PayoutStatus.PENDING
    assert result.files[0].payout_count == 1


def test_a_payout_file_is_for_an_approved_run_and_finance(w):
    with pytest.raises(ApplicationError, match="approved run"):
        payout_file_create(run=w.run, actor=w.finance)
    with pytest.raises(PermissionDenied):
        payout_file_create(run=approved(w), actor=w.reviewer)


def test_marking_every_payout_paid_pays_the_statements_and_closes_the_run(w):
    run = approved(w)
    [payout_file] = payout_file_create(run=run, actor=w.finance).files
    p1, p2 = Payout.objects.get(statement=w.s1), Payout.objects.get(statement=w.s2)
    payout_mark_paid(payout=p1, bank_reference=" ICBC 2026 1120 0001 ", actor=w.finance,
                     paid_on=dt.date(2026, 11, 20))
    p1.refresh_from_db()
    assert (p1.status, p1.bank_reference, p1.paid_on, p1.paid_by) == (
        PayoutStatus.PAID, "ICBC 2026 1120 0001", dt.date(2026, 11, 20), w.finance)
    assert Statement.objects.get(pk=w.s1.pk).status == S.PAID
    assert SettlementRun.objects.get(pk=run.pk).status == R.APPROVED
    payout_mark_paid(payout=p2, bank_reference="ICBC-0002", actor=w.finance2)
    assert SettlementRun.objects.get(pk=run.pk).status == R.CLOSED
    assert Statement.objects.get(pk=w.s2.pk).status == S.PAID
    assert payout_file.pk and AuditEntry.objects.filter(action="billing.settlement_run.closed").count() == 1


def test_a_whole_file_is_marked_paid_with_the_bank_batch_reference(w):
    run = approved(w)
    [payout_file] = payout_file_create(run=run, actor=w.finance).files
    assert payout_file_mark_paid(payout_file=payout_file, bank_reference="BATCH-77", actor=w.finance) == 2
    assert set(Payout.objects.values_list("status", "bank_reference")) == {(PayoutStatus.PAID, "BATCH-77")}
    assert set(Statement.objects.values_list("status", flat=True)) == {S.PAID}
    assert SettlementRun.objects.get(pk=run.pk).status == R.CLOSED
    with pytest.raises(ApplicationError, match="No payout"):
        payout_file_mark_paid(payout_file=payout_file, bank_reference="BATCH-77", actor=w.finance)


@pytest.mark.parametrize("kwargs, field", [({"bank_reference": "  "}, "bank_reference"),
                                           ({"bank_reference": "x" * 101}, "bank_reference"),
                                           ({"bank_reference": "R1", "paid_on": dt.date(2099, 1, 1)}, "paid_on")])
def test_a_bad_bank_reference_or_day_is_refused_on_its_field(w, kwargs, field):
    payout_file_create(run=approved(w), actor=w.finance)
    with pytest.raises(ValidationError) as refused:
        payout_mark_paid(payout=Payout.objects.first(), actor=w.finance, **kwargs)
    assert field in refused.value.message_dict


def test_a_payout_not_yet_in_a_file_is_not_marked_paid(w):
    approved(w)
    with pytest.raises(InvalidTransition, match="only a payout in a payout file"):
        payout_mark_paid(payout=Payout.objects.first(), bank_reference="R1", actor=w.finance)


def test_a_returned_payout_goes_into_the_next_file_with_the_account_as_it_stands(w):
    run = approved(w)
    payout_file_create(run=run, actor=w.finance)
    p1 = Payout.objects.get(statement=w.s1)
    with pytest.raises(ValidationError):
        payout_return(payout=p1, reason=" ", actor=w.finance)
    payout_return(payout=p1, reason="账户已销户 account closed", actor=w.finance)
    assert Payout.objects.get(pk=p1.pk).status == PayoutStatus.RETURNED
    fixed = bank_account_for(w.m1, number="6217000000000000999")
    [second] = payout_file_create(run=run, actor=w.finance).files
    assert (second.number, second.payout_count, second.total) == (2, 1, D("950.00"))
    p1.refresh_from_db()
    assert (p1.status, p1.last_file, p1.bank_account) == (PayoutStatus.IN_FILE, second, fixed)
    assert PayoutFile.objects.filter(run=run).count() == 2


def test_a_run_with_nothing_to_pay_closes_on_approval():
    finance, approver = staff_user(Role.FINANCE), staff_user(Role.FINANCE)
    run = issued_run(created_by=finance)
    statement_from_spec(run=run, merchant=MerchantFactory(), spec=LineSpec(orders=[], fees=["10.00"]))
    assert settlement_run_approve(run=run, actor=approver).status == R.CLOSED


def test_a_negative_balance_at_the_end_of_the_contract_is_invoiced_once():
    from tests.factories.billing import BillingWorld

    world = BillingWorld()
    approver = staff_user(Role.FINANCE)
    contract = world.contract
    contract.__class__.objects.filter(pk=contract.pk).update(status="terminated")
    run = issued_run(created_by=world.finance_staff)
    statement = statement_from_spec(run=run, merchant=world.merchant, contract=contract, spec=LineSpec(
        orders=[("100.00", "0.00", "5.00")], fees=["500.00"]))
    settlement_run_approve(run=run, actor=approver)
    invoice = Invoice.objects.get(source_key=f"statement:{statement.pk}:balance")
    assert (invoice.total, invoice.status, invoice.merchant_id) == (D("405.00"), "issued", world.merchant.pk)
    assert invoice.lines.get().fee_type == "settlement_balance"
    assert statement.number in invoice.lines.get().description
    # the contract's end arriving again bills nothing more
    assert settlement_balances_invoice_for_contract(contract=contract) == invoice
    assert Invoice.objects.filter(source_key__startswith="statement:").count() == 1


def test_a_negative_balance_of_a_running_contract_is_carried_not_invoiced():
    from tests.factories.billing import BillingWorld

    world = BillingWorld()
    run = issued_run(created_by=world.finance_staff)
    statement_from_spec(run=run, merchant=world.merchant, contract=world.contract,
                         spec=LineSpec(orders=[("100.00", "0.00", "5.00")], fees=["500.00"]))
    settlement_run_approve(run=run, actor=world.finance2)
    assert not Invoice.objects.filter(source_key__startswith="statement:").exists()


def test_the_contract_ending_later_invoices_the_balance_its_last_statement_carried():
    from billing.receivers import contract_terminated_received
    from tests.factories.billing import BillingWorld

    world = BillingWorld()
    run = issued_run(created_by=world.finance_staff)
    statement = statement_from_spec(run=run, merchant=world.merchant, contract=world.contract,
                                     spec=LineSpec(orders=[("100.00", "0.00", "5.00")], fees=["500.00"]))
    settlement_run_approve(run=run, actor=world.finance2)
    contract_terminated_received(None, contract_id=world.contract.pk, effective_on=dt.date(2026, 11, 30))
    invoice = Invoice.objects.get(source_key=f"statement:{statement.pk}:balance")
    assert invoice.total == D("405.00")
