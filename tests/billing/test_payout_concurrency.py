"""On PostgreSQL, with real transactions: two approvers at the same moment approve the run once (one payout per
statement), two payout files asked for at once put each payout in one of them, and a payout marked paid while its
file is being marked paid is paid once, without a deadlock."""

from __future__ import annotations

import pytest
from django.db import connection

from billing.models import Payout, PayoutFileLine, SettlementRun
from billing.services.payouts import (
    payout_file_create,
    payout_file_mark_paid,
    payout_mark_paid,
    settlement_run_approve,
)
from portal.roles import Role
from tests.billing.test_bank_concurrency import at_once
from tests.factories.onboarding import MerchantFactory, staff_user
from tests.factories.settlements import bank_account_for, issued_run, statement_from_spec

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")]


@pytest.fixture
def run():
    run = issued_run(created_by=staff_user(Role.FINANCE))
    for _i in range(3):
        merchant = MerchantFactory()
        bank_account_for(merchant)
        statement_from_spec(run=run, merchant=merchant)
    return run


def test_two_approvals_at_once_approve_the_run_once(run):
    one, two = staff_user(Role.FINANCE), staff_user(Role.MANAGEMENT)
    results = at_once(lambda: settlement_run_approve(run=run, actor=one),
                      lambda: settlement_run_approve(run=run, actor=two))
    assert all(isinstance(r, SettlementRun) for r in results), results
    assert SettlementRun.objects.get(pk=run.pk).status == SettlementRun.Status.APPROVED
    assert Payout.objects.filter(run=run).count() == 3


def test_two_payout_files_at_once_send_each_payout_once(run):
    finance = staff_user(Role.FINANCE)
    settlement_run_approve(run=run, actor=staff_user(Role.FINANCE))
    results = at_once(lambda: payout_file_create(run=run, actor=finance),
                      lambda: payout_file_create(run=run, actor=finance))
    assert PayoutFileLine.objects.filter(file__run=run).count() == 3
    assert sorted(type(r).__name__ for r in results) == ["ApplicationError", "PayoutFileResult"], results


def test_a_payout_and_its_file_marked_paid_at_once_are_paid_once(run):
    finance = staff_user(Role.FINANCE)
    settlement_run_approve(run=run, actor=staff_user(Role.FINANCE))
    [payout_file] = payout_file_create(run=run, actor=finance).files
    payout = Payout.objects.filter(run=run).first()
    results = at_once(lambda: payout_mark_paid(payout=payout, bank_reference="ONE", actor=finance),
                      lambda: payout_file_mark_paid(payout_file=payout_file, bank_reference="BATCH", actor=finance))
    assert not any(isinstance(r, Exception) and "deadlock" in str(r) for r in results), results
    assert set(Payout.objects.filter(run=run).values_list("status", flat=True)) == {"paid"}
    assert SettlementRun.objects.get(pk=run.pk).status == SettlementRun.Status.CLOSED
