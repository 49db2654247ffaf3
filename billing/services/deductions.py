"""Deductions from the deposit for a defined breach (BUSINESS_RULES §5.1, §4.3; operator guide §18).

    deduction_propose(...)  finance records the breach, the order or complaint, the evidence and the amount
    deduction_approve(...)  another person approves (above the threshold: finance and management, either order);
                            the final approval deducts up to what the deposit can give, invoices the rest,
                            asks for a top-up within the top-up period and emails the merchant
    deduction_reject(...)   with a note; nothing moves

Each runs in one transaction under the deduction's (and then the account's) row lock, with its audit entry.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, PermissionDenied
from portal.money import format_money, round_money
from portal.uploads import EXTENSIONS, upload_limits, upload_validate
from portal.workflow import row_lock, transition_check

from ..models import BillingSettings, Deduction, DepositAccount, LedgerEntry, TopUpRequest
from .deposit_mail import deposit_mail_queue, merchant_payers
from .deposits import top_up_request_open
from .four_eyes import FIRST, approval_step, user_may_approve_money
from .ledger import balance_of, ledger_append

D = Deduction.Status
A = DepositAccount.Status
ZERO = Decimal("0")
# a deduction needs an account that holds (or held) a deposit under a contract
DEDUCTIBLE = (A.AWAITING, A.HELD, A.SHORTFALL, A.REFUND_DUE)


def _amount(value: Any, currency: str) -> Decimal:
    try:
        amount = round_money(Decimal(str(value)), currency)
    except (InvalidOperation, ApplicationError, TypeError, ValueError):
        raise ValidationError({"amount": [_("Enter the amount as a number, e.g. 5000.00.")]}) from None
    if amount <= 0:
        raise ValidationError({"amount": [_("The amount must be more than zero.")]})
    return amount


def deduction_evidence_validate(evidence: Any) -> str:
    """The evidence is checked like an applicant's documents (a real PDF, JPEG or PNG within the upload limits);
    ValidationError on the field `evidence`."""
    if not evidence:
        raise ValidationError({"evidence": [_("Attach the evidence (a PDF, JPEG or PNG file).")]})
    max_bytes, max_pixels = upload_limits()
    try:
        return upload_validate(evidence, max_bytes=max_bytes, max_pixels=max_pixels)
    except ValidationError as exc:
        raise ValidationError({"evidence": exc.messages}) from None


@transaction.atomic
def deduction_propose(*, account: DepositAccount, breach: str, reference: str, description: str, evidence: Any,
                      amount: Any, actor: Any) -> Deduction:
    """Record a proposed deduction (nothing moves yet). Raises ValidationError naming the fields, or
    PermissionDenied / ApplicationError."""
    if not user_may_approve_money(actor):
        raise PermissionDenied(_("Only finance or management can propose a deduction."))
    account = row_lock(account)
    if account.status not in DEDUCTIBLE:
        raise ApplicationError(_("The deposit of %(merchant)s is “%(status)s”: nothing can be deducted from it.")
                               % {"merchant": account.merchant, "status": account.get_status_display()})
    errors: dict[str, list[str]] = {}
    if breach not in Deduction.Breach.values:
        errors["breach"] = [_("Choose the breach.")]
    reference, description = (reference or "").strip(), (description or "").strip()
    if not reference:
        errors["reference"] = [_("Enter the order or complaint reference.")]
    if not description:
        errors["description"] = [_("Say what happened.")]
    checked: dict[str, Any] = {}
    for name, check in (("amount", lambda: _amount(amount, account.currency)),
                        ("content_type", lambda: deduction_evidence_validate(evidence))):
        try:
            checked[name] = check()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    deduction = Deduction(account=account, breach=breach, reference=reference[:100], description=description,
                          amount=checked["amount"], currency=account.currency, created_by=actor)
    # stored under the extension of its real type, whatever its name said
    deduction.evidence.save(f"evidence{EXTENSIONS[checked['content_type']]}", evidence, save=False)
    deduction.save()
    audit_entry_create(actor=actor, action="billing.deduction.proposed", target=deduction,
                       data={"account": account.pk, "merchant": account.merchant_id, "breach": breach,
                             "reference": deduction.reference, "amount": deduction.amount,
                             "currency": deduction.currency})
    return deduction


def _excess_invoice(*, deduction: Deduction, excess: Decimal, actor: Any):
    """Invoice what the deposit could not give (fee type DEDUCTION_EXCESS, once per deduction)."""
    from ..models import FeeType
    from .invoices import InvoiceLineSpec, invoice_issue_for

    description = _("Deduction %(ref)s (%(breach)s, %(reference)s) beyond the deposit") % {
        "ref": f"D-{deduction.pk}", "breach": deduction.get_breach_display(), "reference": deduction.reference}
    return invoice_issue_for(
        merchant=deduction.account.merchant, currency=deduction.currency, source_key=f"deduction:{deduction.pk}",
        contract=deduction.account.contract, actor=actor,
        lines=[InvoiceLineSpec(fee_type=FeeType.DEDUCTION_EXCESS, description=description, unit_price=excess)])


def _top_up_for(deduction: Deduction, account: DepositAccount, actor: Any, now: dt.datetime) -> TopUpRequest | None:
    """A deduction from a held deposit asks for the shortfall within the top-up period. An open request of the
    same account is superseded by this one, which covers the whole shortfall (an overdue one stays overdue)."""
    if account.status not in (A.HELD, A.SHORTFALL):
        return None  # still being paid (the outstanding amount grew), or the contract has ended
    for older in TopUpRequest.objects.select_for_update().filter(account=account, status=TopUpRequest.Status.OPEN):
        transition_check(older, target=TopUpRequest.Status.CANCELLED).finish(
            actor=actor, action="billing.top_up.superseded", fields={"closed_at": now},
            data={"deduction": deduction.pk})
    return top_up_request_open(account=account, reason=TopUpRequest.Reason.DEDUCTION, actor=actor,
                               deduction=deduction, now=now)


def _deduct(deduction: Deduction, *, actor: Any, note: str, now: dt.datetime) -> Deduction:
    account = row_lock(deduction.account)
    available = max(balance_of(account).available, ZERO)
    deducted = min(deduction.amount, available)
    excess = round_money(deduction.amount - deducted, deduction.currency)
    if deducted > 0:
        ledger_append(account=account, kind=LedgerEntry.Kind.DEDUCTION, amount=deducted, currency=deduction.currency,
                      actor=actor, deduction=deduction,
                      memo=_("Deduction D-%(pk)s: %(breach)s (%(reference)s)") % {
                          "pk": deduction.pk, "breach": deduction.get_breach_display(),
                          "reference": deduction.reference})
    invoice = _excess_invoice(deduction=deduction, excess=excess, actor=actor) if excess > 0 else None
    top_up = _top_up_for(deduction, account, actor, now)
    move = transition_check(deduction, target=D.APPROVED)
    deduction = move.finish(actor=actor, action="billing.deduction.approved",
                            fields={"decided_by": actor, "decided_at": now, "decision_note": note,
                                    "excess_invoice": invoice},
                            data={"deducted": deducted, "excess": excess, "invoice": invoice.number if invoice else "",
                                  "top_up": top_up.pk if top_up else None})
    deduction_id = deduction.pk
    deposit_mail_queue(event="deduction_approved", build=lambda: _merchant_mail(deduction_id))
    return deduction


def _merchant_mail(deduction_id: int):
    deduction = Deduction.objects.select_related("account__merchant", "excess_invoice", "top_up").get(
        pk=deduction_id)
    entry = LedgerEntry.objects.filter(deduction=deduction).first()
    deducted = -entry.amount if entry else ZERO
    top_up = getattr(deduction, "top_up", None)
    context = {"deduction": deduction, "merchant": deduction.account.merchant,
               "amount": format_money(deduction.amount, deduction.currency),
               "deducted": format_money(deducted, deduction.currency),
               "excess_invoice": deduction.excess_invoice,
               "top_up_amount": format_money(top_up.amount, top_up.currency) if top_up else "",
               "top_up_due_on": top_up.due_on if top_up else None}
    return merchant_payers(deduction.account.merchant_id), context, lambda user: _merchant_path()


def _merchant_path() -> str:
    for name in ("billing:ledger", "billing:overview"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return reverse("portal:home")


@transaction.atomic
def deduction_approve(*, deduction: Deduction, actor: Any, note: str = "",
                      now: dt.datetime | None = None) -> Deduction:
    """Approve: a first approval above the threshold is recorded (the deduction stays proposed); the final one
    deducts. Idempotent for an approved deduction; PermissionDenied (nothing changes) for the maker, for a
    second approval from the same side, and for anyone who is neither finance nor management."""
    now = now or timezone.now()
    deduction = row_lock(deduction, queryset=Deduction.objects.select_related("account__merchant"))
    if deduction.status == D.APPROVED:
        return deduction
    transition_check(deduction, target=D.APPROVED)  # a rejected one cannot be approved
    threshold = BillingSettings.load().deduction_approval_threshold
    step = approval_step(actor=actor, maker_id=deduction.created_by_id,
                         first_approver_id=deduction.first_approved_by_id, amount=deduction.amount,
                         threshold=threshold, currency=deduction.currency)
    if step == FIRST:
        deduction.first_approved_by, deduction.first_approved_at = actor, now
        deduction.save(update_fields=["first_approved_by", "first_approved_at"])
        audit_entry_create(actor=actor, action="billing.deduction.first_approved", target=deduction,
                           data={"amount": deduction.amount, "threshold": threshold, "note": note[:500]})
        return deduction
    return _deduct(deduction, actor=actor, note=(note or "").strip(), now=now)


@transaction.atomic
def deduction_reject(*, deduction: Deduction, actor: Any, note: str) -> Deduction:
    """Reject (or, for the one who proposed it, withdraw) a proposed deduction, with a note. Nothing moves."""
    if not user_may_approve_money(actor):
        raise PermissionDenied(_("Only finance or management can reject a deduction."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say why the deduction is rejected.")]})
    deduction = row_lock(deduction)
    move = transition_check(deduction, target=D.REJECTED)
    if move.done:
        return deduction
    return move.finish(actor=actor, action="billing.deduction.rejected",
                       fields={"decided_by": actor, "decided_at": timezone.now(), "decision_note": note},
                       data={"note": note[:500]})


def deductions_awaiting_approval():
    return (Deduction.objects.filter(status=D.PROPOSED).select_related("account__merchant", "created_by",
                                                                        "first_approved_by")
            .order_by("created_at", "id"))
