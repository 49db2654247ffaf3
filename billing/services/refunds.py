"""Deposit refunds at contract end: paid − deducted − refunded − frozen, due within the refund period in PRC working
days (BillingSettings.refund_working_days, default 30, on portal.calendar), without interest. Paid back by a Stripe
refund of the original card payment when there is one, otherwise by bank transfer to the merchant's account."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Contract
from portal.calendar import add_working_days
from portal.workflow import row_lock, transition_check

from ..models import BankAccount, BillingSettings, DepositAccount, Payment, PaymentStatus, Refund, RefundStatus
from .deposits import deposit_account_for
from .ledger import balance_of

A = DepositAccount.Status


def refund_due_date(effective_on: dt.date, *, working_days: int | None = None) -> dt.date:
    """The last day to pay a deposit refund for a contract ending on `effective_on`: the n-th PRC working day
    after it (holidays and adjusted workdays [调休] from the calendar)."""
    days = BillingSettings.load().refund_working_days if working_days is None else working_days
    start = timezone.make_aware(dt.datetime.combine(effective_on, dt.time(12)))
    return timezone.localdate(add_working_days(start, days))


def _original_card_payment(account: DepositAccount) -> Payment | None:
    return (Payment.objects.filter(account=account, provider="stripe", status=PaymentStatus.SUCCEEDED)
            .exclude(stripe_payment_intent_id=None).order_by("id").first())


@transaction.atomic
def deposit_refund_due(*, contract: Contract, effective_on: dt.date, actor: Any | None = None) -> Refund | None:
    """The contract ended (contracts' `contract_terminated`): record the refund due, once per contract. The amount
    is fixed when the refund is sent (deductions and freezes may still change it until then); this row carries
    what is available today. None when the deposit holds nothing."""
    existing = Refund.objects.filter(contract=contract, reason=Refund.Reason.DEPOSIT).first()
    if existing is not None:
        return existing
    account = row_lock(deposit_account_for(contract.merchant, currency=contract.currency))
    if account.contract_id not in (None, contract.pk):
        return None  # an older contract of the merchant: the account now holds a newer one's deposit
    available = balance_of(account).available
    if account.status not in (A.REFUND_DUE, A.CLOSED):
        transition_check(account, target=A.REFUND_DUE if available > 0 else A.CLOSED).finish(
            actor=actor, action="billing.deposit.refund_due" if available > 0 else "billing.deposit.closed",
            data={"contract": contract.number, "available": available})
    if available <= 0:
        return None
    card = _original_card_payment(account)
    bank = BankAccount.objects.filter(merchant=contract.merchant, is_default=True).order_by("-id").first()
    return Refund.objects.create(
        merchant=contract.merchant, reason=Refund.Reason.DEPOSIT, provider="stripe" if card else "bank_transfer",
        account=account, payment=card, contract=contract, bank_account=bank, amount=available,
        currency=account.currency, due_on=refund_due_date(effective_on))


def invoice_refund_due(*, invoice, credit_note, actor: Any | None = None, now: dt.datetime | None = None
                       ) -> list[Refund]:
    """A credit note on an invoice paid beyond what it now bills: what was paid too much becomes refunds due (fee
    refunds), inside the credit note's transaction. To each card the invoice was paid with first (a Stripe refund
    of that payment, up to what it can still take back), the rest by bank transfer to the merchant's account for
    refunds. Money already going back for the invoice counts. No money moves here: finance approves each refund
    (the credit note's issuer is its maker, so another person) and sends it (`refund_actions`)."""
    from django.db.models import Sum

    from portal.audit import audit_entry_create
    from portal.money import round_money

    from .invoices import invoice_credited_total, invoice_paid_total
    from .refund_actions import card_refundable

    currency = invoice.currency
    billed = invoice.total - invoice_credited_total(invoice)
    returning = Refund.objects.filter(invoice=invoice).aggregate(total=Sum("amount"))["total"] or 0
    left = round_money(invoice_paid_total(invoice) - billed - returning, currency)
    if left <= 0:
        return []
    due_on = refund_due_date(timezone.localdate(now or timezone.now()))
    maker = actor if getattr(actor, "is_authenticated", False) else None
    plans: list[tuple[str, Payment | None, Any]] = []
    for card in (Payment.objects.filter(invoice=invoice, provider="stripe", status=PaymentStatus.SUCCEEDED)
                 .exclude(stripe_payment_intent_id=None).order_by("id")):
        take = min(left, card_refundable(card))
        if take > 0:
            plans.append(("stripe", card, take))
            left -= take
    if left > 0:
        plans.append(("bank_transfer", None, left))
    bank = BankAccount.objects.filter(merchant_id=invoice.merchant_id, is_default=True).order_by("-id").first()
    refunds = []
    for provider, card, amount in plans:
        refund = Refund.objects.create(
            merchant_id=invoice.merchant_id, reason=Refund.Reason.FEE, provider=provider, payment=card,
            invoice=invoice, contract_id=invoice.contract_id,
            bank_account=bank if provider == "bank_transfer" else None,
            amount=amount, currency=currency, due_on=due_on, created_by=maker)
        audit_entry_create(actor=actor, action="billing.refund.due", target=refund,
                           data={"invoice": invoice.number, "credit_note": credit_note.number, "amount": amount,
                                 "currency": currency, "provider": provider})
        refunds.append(refund)
    return refunds


# ---- the refund's transitions (used by the providers, the webhook and the read-back, and by finance)
# Sending reserves the amount in the ledger (a freeze named after the refund and its attempt), so nothing else can
# take it while the bank or Stripe works; success releases it and records the refund, failure releases it.

def _release_reservation(refund: Refund, *, actor: Any | None, memo: str) -> None:
    from ..models import LedgerEntry

    if refund.account_id is None:
        return
    hold = (LedgerEntry.objects.filter(account_id=refund.account_id, kind=LedgerEntry.Kind.FREEZE,
                                       hold_reference__startswith=f"refund:{refund.pk}:")
            .order_by("-id").first())
    if hold is None or LedgerEntry.objects.filter(account_id=refund.account_id, kind=LedgerEntry.Kind.RELEASE,
                                                  hold_reference=hold.hold_reference).exists():
        return
    from .ledger import ledger_append

    ledger_append(account=refund.account, kind=LedgerEntry.Kind.RELEASE, amount=hold.frozen_delta,
                  currency=refund.currency, memo=memo, actor=actor, hold_reference=hold.hold_reference)


@transaction.atomic
def refund_pending(*, refund: Refund, actor: Any | None = None, now: dt.datetime | None = None,
                   **fields: Any) -> Refund:
    """created/failed → pending: the refund was sent (a Stripe refund id, or finance's transfer is under way).
    A deposit refund reserves its amount in the ledger first; raises ApplicationError (nothing changes) when the
    deposit no longer holds it."""
    from ..models import LedgerEntry
    from .ledger import ledger_append

    refund = row_lock(refund)
    if refund.status in (RefundStatus.PENDING, RefundStatus.SUCCEEDED):
        return refund
    move = transition_check(refund, target=RefundStatus.PENDING)
    if refund.account_id and refund.reason == Refund.Reason.DEPOSIT:
        attempt = LedgerEntry.objects.filter(account_id=refund.account_id, kind=LedgerEntry.Kind.FREEZE,
                                             hold_reference__startswith=f"refund:{refund.pk}:").count() + 1
        ledger_append(account=refund.account, kind=LedgerEntry.Kind.FREEZE, amount=refund.amount,
                      currency=refund.currency, actor=actor, hold_reference=f"refund:{refund.pk}:{attempt}",
                      memo=_("Reserved for refund %(ref)s while it is being paid") % {"ref": refund})
    return move.finish(actor=actor, action="billing.refund.pending",
                       fields={"sent_at": now or timezone.now(), "failure_message": "", **fields},
                       data={"amount": refund.amount, "provider": refund.provider})


@transaction.atomic
def refund_succeeded(*, refund: Refund, actor: Any | None = None, now: dt.datetime | None = None,
                     **fields: Any) -> Refund:
    """The money went back. A deposit refund releases its reservation and records the refund in the ledger; an
    account with nothing left is closed. Idempotent."""
    from ..models import LedgerEntry
    from .ledger import balance_of, ledger_append

    now = now or timezone.now()
    refund = row_lock(refund)
    if refund.status == RefundStatus.SUCCEEDED:
        return refund
    move = transition_check(refund, target=RefundStatus.SUCCEEDED)
    if refund.account_id and refund.reason == Refund.Reason.DEPOSIT:
        account = row_lock(refund.account)
        _release_reservation(refund, actor=actor, memo=_("Reservation for refund %(ref)s released: refunded")
                             % {"ref": refund})
        how = (_("Refund %(ref)s to the card of payment %(payment)s") if refund.provider == "stripe"
               else _("Refund %(ref)s by bank transfer")) % {"ref": refund, "payment": refund.payment or ""}
        ledger_append(account=account, kind=LedgerEntry.Kind.REFUND, amount=refund.amount, currency=refund.currency,
                      memo=how, actor=actor, refund=refund)
        if account.status == DepositAccount.Status.REFUND_DUE and balance_of(account).balance <= 0:
            transition_check(account, target=DepositAccount.Status.CLOSED).finish(
                actor=actor, action="billing.deposit.closed", data={"refund": refund.pk})
    return move.finish(actor=actor, action="billing.refund.succeeded", fields={"succeeded_at": now, **fields},
                       data={"amount": refund.amount})


@transaction.atomic
def refund_failed(*, refund: Refund, message: str = "", actor: Any | None = None) -> Refund:
    """The refund did not go through: its reservation is released and it may be sent again."""
    refund = row_lock(refund)
    if refund.status in (RefundStatus.FAILED, RefundStatus.SUCCEEDED):
        return refund
    move = transition_check(refund, target=RefundStatus.FAILED)
    _release_reservation(refund, actor=actor, memo=_("Reservation for refund %(ref)s released: the refund failed")
                         % {"ref": refund})
    return move.finish(actor=actor, action="billing.refund.failed", fields={"failure_message": message[:500]},
                       data={"message": message[:200]})
