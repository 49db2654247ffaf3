"""The merchant's billing pages: what is due, paying the deposit (card or bank transfer), the ledger with every entry
explained and its running balance, the payments and receipts; capabilities; another merchant's URLs give 404; the
workspace to-dos and stage; fixed query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from billing.models import DepositAccount, Payment
from billing.services.ledger import ledger_append
from billing.services.payments import deposit_payment_open, payment_pending, payment_succeeded
from billing.workspace import billing_stage, billing_todos
from portal.workspace import workspace_context
from tests.factories.billing import BillingWorld

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def w():
    return BillingWorld()


def url(name: str, lang: str = "en", **kwargs) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs or None)


def client_for(user) -> Client:
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    client = Client()
    client.force_login(user)
    return client


def paid(w, amount: str = "60000.00", provider: str = "bank_transfer", *, actor=None) -> Payment:
    payment = deposit_payment_open(account=w.account, provider=provider, actor=w.owner)
    return payment_succeeded(payment=payment, actor=actor or w.finance_staff)


def test_overview_shows_the_deposit_to_pay_and_both_methods(w):
    response = client_for(w.owner).get(url("billing:overview"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="deposit-pay-form"' in body
    assert "Deposit to pay: <strong>¥60,000.00</strong>" in body
    assert 'value="stripe"' in body and 'value="bank_transfer"' in body
    assert w.contract.number in body


def test_pay_by_bank_transfer_opens_one_payment_and_double_click_reuses_it(w):
    client = client_for(w.finance)  # a finance member of the merchant may pay
    first = client.post(url("billing:deposit_pay"), {"method": "bank_transfer"})
    second = client.post(url("billing:deposit_pay"), {"method": "bank_transfer"})
    payments = Payment.objects.filter(account=w.account)
    assert payments.count() == 1
    payment = payments.get()
    assert (payment.provider, payment.purpose, payment.amount) == ("bank_transfer", "deposit", Decimal("60000.00"))
    assert first.status_code == 302 and first["Location"] == second["Location"]
    assert payment.reference in first["Location"]


def test_pay_with_an_unknown_method_is_a_message_not_a_payment(w):
    response = client_for(w.owner).post(url("billing:deposit_pay"), {"method": "cash"}, follow=True)
    assert Payment.objects.count() == 0
    assert "Choose how you want to pay" in response.content.decode()


def test_members_without_pay_see_no_button_and_cannot_post(w):
    # operations may neither read statements nor pay
    response = client_for(w.operations).get(url("billing:overview"))
    assert response.status_code == 403
    assert "can read statements" in response.content.decode()
    client_for(w.operations).post(url("billing:deposit_pay"), {"method": "stripe"})
    assert Payment.objects.count() == 0


def test_ledger_explains_every_entry_with_running_balance_and_frozen(w):
    paid(w)
    ledger_append(account=w.account, kind="freeze", amount=Decimal("5000"), currency="CNY", hold_reference="dp_42")
    ledger_append(account=w.account, kind="release", amount=Decimal("5000"), currency="CNY", hold_reference="dp_42")
    response = client_for(w.owner).get(url("billing:ledger"))
    rows = response.context["rows"]
    assert [r.kind for r in rows] == ["release", "freeze", "payment"]  # newest first
    assert [(r.balance, r.frozen) for r in rows] == [
        (Decimal("60000.00"), Decimal("0.00")), (Decimal("60000.00"), Decimal("5000.00")),
        (Decimal("60000.00"), Decimal("0.00"))]
    body = response.content.decode()
    assert "Deposit received by bank transfer" in body
    assert "Frozen while a dispute is open" in body and "dp_42" in body
    assert "Released: the dispute is closed" in body


def test_ledger_costs_the_same_queries_for_3_and_60_entries(w):
    paid(w)
    client = client_for(w.owner)

    def count() -> int:
        client.get(url("billing:ledger"))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("billing:ledger")).status_code == 200
        return len(ctx.captured_queries)

    for i in range(2):
        ledger_append(account=w.account, kind="freeze", amount=Decimal("1"), currency="CNY", hold_reference=f"a{i}")
    small = count()
    for i in range(57):
        ledger_append(account=w.account, kind="freeze", amount=Decimal("1"), currency="CNY", hold_reference=f"b{i}")
    assert count() == small


def test_receipt_of_a_paid_deposit(w):
    payment = paid(w)
    response = client_for(w.owner).get(url("billing:payment_detail", reference=payment.reference))
    body = response.content.decode()
    assert response.context["receipt"] is True
    assert "Payment receipt" in body and payment.reference in body and "¥60,000.00" in body
    assert 'data-print' in body


def test_another_merchants_payment_and_ledger_are_404(w):
    payment = deposit_payment_open(account=w.account, provider="bank_transfer", actor=w.owner)
    other = client_for(w.other_owner)
    assert other.get(url("billing:payment_detail", reference=payment.reference)).status_code == 404
    assert other.get(url("billing:ledger")).status_code == 404  # it has no deposit of its own
    assert payment.reference not in other.get(url("billing:payments")).content.decode()
    assert client_for(w.owner).get(url("billing:payment_detail", reference=payment.reference)).status_code == 200


def test_pages_in_chinese(w):
    paid(w)
    for name in ("billing:overview", "billing:ledger", "billing:payments"):
        response = client_for(w.owner).get(url(name, "zh-hans"))
        assert response.status_code == 200


# ------------------------------------------------------------------------------------------- workspace


def _ctx(w, user=None, now=None):
    membership = (user or w.owner).merchant_memberships.get(merchant=w.merchant)
    return workspace_context(merchant=w.merchant, membership=membership, user=user or w.owner, now=now)


def test_todo_pay_your_deposit_with_amount(w):
    todos = billing_todos(_ctx(w))
    assert [(t.key, t.title) for t in todos] == [("billing.deposit", "Pay your deposit of ¥60,000.00")]
    assert todos[0].capability == "pay"


def test_todo_transfer_recorded_awaiting_confirmation(w):
    payment = deposit_payment_open(account=w.account, provider="bank_transfer", actor=w.owner)
    payment_pending(payment=payment, actor=w.finance_staff)
    keys = [t.key for t in billing_todos(_ctx(w))]
    assert "billing.transfer_recorded" in keys
    # the whole deposit is on its way: the merchant is not asked to pay it a second time
    assert "billing.deposit" not in keys and "billing.top_up" not in keys


def test_a_partial_transfer_awaiting_confirmation_leaves_only_the_rest_to_pay(w):
    payment = deposit_payment_open(account=w.account, provider="bank_transfer", actor=w.owner)
    Payment.objects.filter(pk=payment.pk).update(amount=Decimal("45000.00"))
    payment_pending(payment=payment, actor=w.finance_staff)
    titles = [t.title for t in billing_todos(_ctx(w)) if t.key == "billing.deposit"]
    assert titles == ["Pay your deposit of ¥15,000.00"]


def test_top_up_todo_turns_overdue_after_its_date(w):
    paid(w)
    w.account.refresh_from_db()
    DepositAccount.objects.filter(pk=w.account.pk).update(required_amount=Decimal("80000.00"))
    from billing.services.deposits import deposit_account_sync
    w.account.refresh_from_db()
    deposit_account_sync(account=w.account)
    top_up = w.account.top_ups.get()
    todo = next(t for t in billing_todos(_ctx(w)) if t.key == "billing.top_up")
    assert todo.title == f"Top up your deposit by {top_up.due_on:%m/%d/%Y}" or str(top_up.due_on.day) in todo.title
    assert todo.urgency.name in ("ACTION", "SOON")
    later = timezone.now() + dt.timedelta(days=30)
    todo = next(t for t in billing_todos(_ctx(w, now=later)) if t.key == "billing.top_up")
    assert todo.urgency.name == "OVERDUE"


def test_stage_once_the_deposit_is_held_and_the_contract_active(w, django_capture_on_commit_callbacks):
    assert billing_stage(_ctx(w)) is None
    with django_capture_on_commit_callbacks(execute=True):
        paid(w)
    stage = billing_stage(_ctx(w))
    assert stage.rank == 41 and stage.tone == "ok" and "held in full" in stage.detail


def test_workspace_costs_the_same_queries_whatever_the_history(w):
    def count() -> int:
        ctx = _ctx(w)
        with CaptureQueriesContext(connection) as captured:
            billing_todos(ctx)
            billing_stage(ctx)
        return len(captured.captured_queries)

    small = count()
    for _i in range(5):
        payment = Payment.objects.create(merchant=w.merchant, purpose="deposit", provider="bank_transfer",
                                         amount=Decimal("1"), currency="CNY", account=w.account, status="pending")
        assert payment.pk
    assert count() == small <= 7
