"""What finance does with a refund due (operator guide §18): approve it, send it, record a bank transfer's outcome,
switch the method. The transitions themselves (reserve, succeed, fail) are in `billing.services.refunds`.

- Approval: whoever started the refund or chose where it goes never approves it (four-eyes, superusers too). Up to
  `BillingSettings.refund_approval_threshold` one finance or management user; above it finance and management
  both, in either order. Approvers approve an amount: what the deposit can give back at that moment.
- Sending: the amount is recomputed from the ledger at that moment (paid − deducted − refunded − frozen). A lower
  amount than approved is sent as it is (a deduction or a dispute took the rest); a higher one needs approving
  again. The amount is reserved in the ledger (committed), then the provider is asked
  (`provider_for(refund.provider).refund(refund)`): Stripe refunds the original card payment; a bank transfer
  stays pending until finance records the bank's reference.
- Switching the method (a card refund that is impossible or failed → bank transfer to the merchant's account, or
  back) resets the approvals: the new destination is approved again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, PermissionDenied
from portal.money import format_money, round_money
from portal.roles import Role, user_has_any_role
from portal.workflow import row_lock

from ..models import BankAccount, BillingSettings, Payment, PaymentStatus, Refund, RefundStatus
from ..providers import provider_for
from .four_eyes import FIRST, approval_step, approvals_needed
from .ledger import balance_of
from .refunds import refund_failed, refund_pending, refund_succeeded

R = RefundStatus
SENDABLE = (R.CREATED, R.FAILED)
ZERO = Decimal("0")


def _finance_only(actor: Any, message: str) -> None:
    if not user_has_any_role(actor, {Role.FINANCE.value}):
        raise PermissionDenied(message)


def refund_amount_now(refund: Refund) -> Decimal:
    """What the refund would pay back now: for a deposit refund, what the deposit can give (its own reservation
    counted back while it is being paid); for a fee refund, its amount."""
    if refund.account_id is None or refund.reason != Refund.Reason.DEPOSIT:
        return refund.amount
    available = balance_of(refund.account).available
    if refund.status == R.PENDING:
        available += refund.amount
    return max(round_money(available, refund.currency), ZERO)


def refund_approvals(refund: Refund) -> int:
    return sum(1 for pk in (refund.approved_by_id, refund.second_approved_by_id) if pk)


def refund_is_approved(refund: Refund, amount: Decimal | None = None) -> bool:
    threshold = BillingSettings.load().refund_approval_threshold
    amount = refund.amount if amount is None else amount
    return refund_approvals(refund) >= approvals_needed(amount, threshold)


def card_refundable(payment: Payment | None) -> Decimal:
    """What can still go back to the card of `payment`."""
    if payment is None or payment.status != PaymentStatus.SUCCEEDED or not payment.stripe_payment_intent_id:
        return ZERO
    done = (Refund.objects.filter(payment=payment, status__in=[R.PENDING, R.SUCCEEDED])
            .aggregate(total=Sum("amount"))["total"] or ZERO)
    return payment.amount - done


@transaction.atomic
def refund_approve(*, refund: Refund, actor: Any, now: dt.datetime | None = None) -> Refund:
    """Approve the amount the refund would pay now. Above the threshold the first approval is recorded and a
    second (the other of finance and management) completes it. PermissionDenied for the maker."""
    now = now or timezone.now()
    refund = row_lock(refund)
    if refund.status not in SENDABLE:
        raise ApplicationError(_("Refund %(ref)s is “%(status)s”: there is nothing to approve.")
                               % {"ref": refund, "status": refund.get_status_display()})
    amount = refund_amount_now(refund)
    if amount <= 0:
        raise ApplicationError(_("The deposit has nothing left to refund (deductions and frozen sums took it)."))
    threshold = BillingSettings.load().refund_approval_threshold
    if refund_is_approved(refund, amount) and amount <= refund.amount:
        return refund
    if refund.approved_by_id and amount > refund.amount:
        # more to pay back than was approved (a top-up arrived, a freeze was released): approve again
        refund.approved_by = refund.second_approved_by = None
    step = approval_step(actor=actor, maker_id=refund.created_by_id, first_approver_id=refund.approved_by_id,
                         amount=amount, threshold=threshold, currency=refund.currency)
    before = refund.amount
    refund.amount = amount
    if refund.approved_by_id is None:
        refund.approved_by = actor
    else:
        refund.second_approved_by = actor
    refund.save(update_fields=["amount", "approved_by", "second_approved_by", "updated_at"])
    audit_entry_create(actor=actor, action="billing.refund.first_approved" if step == FIRST
                       else "billing.refund.approved", target=refund,
                       data={"amount": amount, "before": before, "threshold": threshold,
                             "approvals": refund_approvals(refund)})
    return refund


def _send_checks(refund: Refund, amount: Decimal) -> None:
    if refund.provider == "stripe":
        refundable = card_refundable(refund.payment)
        if refundable <= 0:
            raise ApplicationError(_("This refund has no card payment to go back to: switch it to bank transfer."))
        if amount > refundable:
            raise ApplicationError(
                _("Only %(refundable)s can go back to the card of payment %(payment)s; switch the refund to bank "
                  "transfer.") % {"refundable": format_money(refundable, refund.currency), "payment": refund.payment})
    elif refund.provider == "bank_transfer" and refund.bank_account_id is None:
        raise ApplicationError(_("Choose the merchant's bank account the refund goes to (switch the method)."))


def refund_send(*, refund: Refund, actor: Any) -> Refund:
    """Send an approved refund (not inside the caller's transaction: the reservation is committed before the
    provider is asked). Returns the refund; raises ApplicationError (nothing sent) or ProviderUnavailable (the
    amount is reserved and the read-back sends it when the provider answers)."""
    _finance_only(actor, _("Only finance sends refunds."))
    with transaction.atomic():
        refund = row_lock(refund)
        if refund.status not in SENDABLE:
            raise ApplicationError(_("Refund %(ref)s is “%(status)s” and cannot be sent.")
                                   % {"ref": refund, "status": refund.get_status_display()})
        amount = refund_amount_now(refund)
        if amount <= 0:
            raise ApplicationError(_("The deposit has nothing left to refund (deductions and frozen sums took it)."))
        if not refund_is_approved(refund, amount):
            raise ApplicationError(_("Refund %(ref)s of %(amount)s is not approved yet.")
                                   % {"ref": refund, "amount": format_money(amount, refund.currency)})
        if amount > refund.amount:
            raise ApplicationError(
                _("The deposit can now give back %(amount)s, more than the %(approved)s approved: approve it again.")
                % {"amount": format_money(amount, refund.currency),
                   "approved": format_money(refund.amount, refund.currency)})
        _send_checks(refund, amount)
        if amount != refund.amount:
            audit_entry_create(actor=actor, action="billing.refund.amount_recomputed", target=refund,
                               data={"approved": refund.amount, "sent": amount})
            refund.amount = amount
            refund.save(update_fields=["amount", "updated_at"])
        refund = refund_pending(refund=refund, actor=actor)
    # a ProviderUnavailable from here leaves the refund pending and reserved: the read-back sends it later
    provider_for(refund.provider).refund(refund)
    refund.refresh_from_db()
    return refund


@transaction.atomic
def refund_bank_transfer_record(*, refund: Refund, bank_reference: str, actor: Any,
                                paid_on: dt.date | None = None) -> Refund:
    """Finance paid the refund by bank transfer: record the bank's transaction reference → refunded."""
    _finance_only(actor, _("Only finance records refunds."))
    bank_reference = (bank_reference or "").strip()
    if not bank_reference:
        raise ValidationError({"bank_reference": [_("Enter the bank's transaction reference.")]})
    refund = row_lock(refund)
    if refund.provider != "bank_transfer" or refund.status != R.PENDING:
        raise ApplicationError(_("Only a bank-transfer refund that has been sent can be recorded as paid."))
    refund = refund_succeeded(refund=refund, actor=actor, bank_reference=bank_reference[:100])
    audit_entry_create(actor=actor, action="billing.refund.bank_transfer_recorded", target=refund,
                       data={"bank_reference": bank_reference[:100], "paid_on": paid_on})
    return refund


@transaction.atomic
def refund_bank_transfer_failed(*, refund: Refund, message: str, actor: Any) -> Refund:
    """The bank returned the transfer (a closed account, a wrong name): the reservation is released."""
    _finance_only(actor, _("Only finance records refunds."))
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": [_("Say what the bank answered.")]})
    refund = row_lock(refund)
    if refund.provider != "bank_transfer" or refund.status != R.PENDING:
        raise ApplicationError(_("Only a bank-transfer refund that has been sent can fail."))
    return refund_failed(refund=refund, message=message, actor=actor)


@transaction.atomic
def refund_method_switch(*, refund: Refund, provider: str, actor: Any, bank_account: BankAccount | None = None
                         ) -> Refund:
    """Pay the refund another way (only while it is not sent). Whoever switches becomes its maker: the approvals
    start again, and they cannot approve it."""
    _finance_only(actor, _("Only finance changes how a refund is paid."))
    refund = row_lock(refund)
    if refund.status not in SENDABLE:
        raise ApplicationError(_("Refund %(ref)s is “%(status)s”: its method can no longer change.")
                               % {"ref": refund, "status": refund.get_status_display()})
    before = {"provider": refund.provider, "bank_account": refund.bank_account_id}
    if provider == "bank_transfer":
        if bank_account is None or bank_account.merchant_id != refund.merchant_id:
            raise ValidationError({"bank_account": [_("Choose one of the merchant's bank accounts.")]})
        refund.bank_account = bank_account
    elif provider == "stripe":
        cards = (Payment.objects.filter(provider="stripe", status=PaymentStatus.SUCCEEDED)
                 .exclude(stripe_payment_intent_id=None).order_by("id"))
        # a fee refund goes back to a card its invoice was paid with, a deposit refund to a card of the deposit
        card = (cards.filter(invoice_id=refund.invoice_id).first() if refund.invoice_id
                else cards.filter(account=refund.account).first() if refund.account_id else None)
        if card is None:
            raise ApplicationError(_("The merchant paid no deposit by card: the refund goes by bank transfer."))
        refund.payment = card
    else:
        raise ValidationError({"provider": [_("Choose card or bank transfer.")]})
    refund.provider = provider
    refund.created_by = actor
    refund.approved_by = refund.second_approved_by = None
    refund.save(update_fields=["provider", "bank_account", "payment", "created_by", "approved_by",
                               "second_approved_by", "updated_at"])
    audit_entry_create(actor=actor, action="billing.refund.method_switched", target=refund,
                       data={"from": before, "to": {"provider": provider, "bank_account": refund.bank_account_id}})
    return refund
