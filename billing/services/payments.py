"""Payments: the row per attempt and its state machine, and what a succeeded payment does.

Providers (billing/providers) talk to Stripe or record a bank transfer; whatever they learn ends in one of the
transitions here, each under the payment's row lock and idempotent: a webhook, the read-back task and the
merchant's own page may all report the same success, and only the first one moves money.

    payment_succeeded → a deposit or top-up: one ledger entry (LedgerEntry.payment is one-to-one), then the
                        account moves (held → the contract becomes active after commit)
                      → an invoice: the invoice is paid once its payments cover it
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exceptions import ApplicationError
from portal.money import round_money
from portal.workflow import row_lock, transition_check

from ..models import DepositAccount, Invoice, LedgerEntry, Payment, PaymentStatus
from .deposits import deposit_account_sync, deposit_outstanding
from .ledger import ledger_append

S = PaymentStatus
P = Payment.Purpose


def payment_create(*, merchant, purpose: str, provider: str, amount: Decimal, currency: str,
                   actor: Any | None = None, account: DepositAccount | None = None, invoice: Invoice | None = None,
                   top_up=None) -> Payment:
    """A new attempt (status created). The amount must be due: no more than the deposit outstanding or the
    invoice's unpaid total."""
    amount = round_money(amount, currency)
    if amount <= 0:
        raise ApplicationError(_("Nothing is due."))
    payment = Payment.objects.create(
        merchant=merchant, purpose=purpose, provider=provider, amount=amount, currency=currency.upper(),
        account=account, invoice=invoice, top_up=top_up,
        created_by=actor if getattr(actor, "is_authenticated", False) else None)
    from portal.audit import audit_entry_create

    audit_entry_create(actor=actor, action="billing.payment.created", target=payment,
                       data={"purpose": purpose, "provider": provider, "amount": amount, "currency": currency})
    return payment


def deposit_payment_open(*, account: DepositAccount, provider: str, actor: Any | None = None) -> Payment:
    """The merchant's open attempt to pay what the deposit still lacks by `provider`, reused while it is not
    final (a double click or a reload gives the same row, so at most one PaymentIntent)."""
    with transaction.atomic():
        account = row_lock(account)
        purpose = P.TOP_UP if account.status == DepositAccount.Status.SHORTFALL else P.DEPOSIT
        open_payment = (Payment.objects.select_for_update()
                        .filter(account=account, provider=provider, purpose=purpose,
                                status__in=[S.CREATED, S.PENDING, S.REQUIRES_ACTION, S.FAILED])
                        .order_by("-id").first())
        outstanding = deposit_outstanding(account)
        if open_payment is not None:
            return open_payment
        top_up = account.top_ups.filter(status__in=["open", "overdue"]).order_by("-id").first() \
            if purpose == P.TOP_UP else None
        return payment_create(merchant=account.merchant, purpose=purpose, provider=provider, amount=outstanding,
                              currency=account.currency, actor=actor, account=account, top_up=top_up)


def _move(payment: Payment, target: str, *, actor: Any | None, action: str, fields: dict | None = None,
          data: dict | None = None) -> tuple[Payment, bool]:
    """(locked fresh row, moved?). A move to the state the row is in, or from a final state, changes nothing."""
    payment = row_lock(payment)
    if payment.status == target or payment.status in (S.SUCCEEDED, S.CANCELED):
        return payment, False
    transition_check(payment, target=target).finish(actor=actor, action=action, fields=fields or {},
                                                    data=data or {})
    return payment, True


@transaction.atomic
def payment_pending(*, payment: Payment, actor: Any | None = None, **fields: Any) -> Payment:
    return _move(payment, S.PENDING, actor=actor, action="billing.payment.pending", fields=fields)[0]


@transaction.atomic
def payment_requires_action(*, payment: Payment, actor: Any | None = None) -> Payment:
    return _move(payment, S.REQUIRES_ACTION, actor=actor, action="billing.payment.requires_action")[0]


@transaction.atomic
def payment_failed(*, payment: Payment, code: str = "", message: str = "", actor: Any | None = None) -> Payment:
    return _move(payment, S.FAILED, actor=actor, action="billing.payment.failed",
                 fields={"failure_code": code[:100], "failure_message": message[:500]},
                 data={"code": code, "message": message[:200]})[0]


@transaction.atomic
def payment_canceled(*, payment: Payment, actor: Any | None = None, reason: str = "") -> Payment:
    return _move(payment, S.CANCELED, actor=actor, action="billing.payment.canceled", data={"reason": reason})[0]


@transaction.atomic
def payment_succeeded(*, payment: Payment, actor: Any | None = None, now: dt.datetime | None = None,
                      **fields: Any) -> Payment:
    """The money arrived (Stripe says so, or finance confirmed the transfer). Idempotent."""
    now = now or timezone.now()
    payment, moved = _move(payment, S.SUCCEEDED, actor=actor, action="billing.payment.succeeded",
                           fields={"succeeded_at": now, "failure_code": "", "failure_message": "", **fields},
                           data={"amount": payment.amount, "currency": payment.currency})
    if not moved:
        return payment
    if payment.purpose in (P.DEPOSIT, P.TOP_UP):
        account = row_lock(payment.account)
        kind = LedgerEntry.Kind.TOP_UP if payment.purpose == P.TOP_UP else LedgerEntry.Kind.PAYMENT
        memo = (_("Top-up paid by card, payment %(ref)s") if payment.provider == "stripe" and kind == "top_up" else
                _("Deposit paid by card, payment %(ref)s") if payment.provider == "stripe" else
                _("Top-up received by bank transfer, reference %(ref)s") if kind == "top_up" else
                _("Deposit received by bank transfer, reference %(ref)s")) % {"ref": payment.reference}
        ledger_append(account=account, kind=kind, amount=payment.amount, currency=payment.currency, memo=memo,
                      actor=actor, payment=payment)
        deposit_account_sync(account=account, actor=actor, now=now)
    elif payment.purpose == P.INVOICE and payment.invoice_id:
        from .invoices import invoice_outstanding

        invoice = row_lock(payment.invoice)
        # paid once its payments cover what its credit notes left of it
        if invoice.status == Invoice.Status.ISSUED and invoice_outstanding(invoice) <= 0:
            transition_check(invoice, target=Invoice.Status.PAID).finish(
                actor=actor, action="billing.invoice.paid", fields={"paid_at": now},
                data={"payment": payment.reference})
    return payment
