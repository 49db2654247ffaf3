"""Bank transfers: what the merchant is asked to send, finance recording the receipt, and its confirmation.

    bank_transfer_details(payment=)   → our account details, the amount due now, the reference for the remark
    bank_transfer_record(...)         → finance found the money on our account: the payment is "received, awaiting
                                        confirmation" (pending), or succeeded at once at or below the threshold
    bank_transfer_confirm(payment=, actor=)  → a second finance user confirms (four-eyes): succeeded
    bank_transfer_reject(payment=, actor=, reason=) → the record was wrong: the payment awaits its money again

What holds:
- the maker never confirms: above `BillingSettings.transfer_confirm_threshold` the user who recorded the receipt
  (a superuser too, the importer of a statement too) cannot confirm it; at or below it, recording confirms;
- one bank transaction is recorded once (its bank reference is unique among bank-transfer payments);
- an attempt still awaiting its money always asks for what is due today: the deposit outstanding (or the
  invoice's unpaid total) less the receipts already recorded and awaiting confirmation;
- a transfer smaller than the payment asks for is recorded only when finance says it is a partial payment: it
  becomes its own payment row for the same deposit or invoice, and the merchant's attempt (same reference) asks
  for the rest; a transfer larger than what is due is refused (record what is due; the excess goes back).
Money moves only through `payment_succeeded` (one ledger entry, the deposit held → the contract active).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, InvalidTransition, PermissionDenied
from portal.money import format_money, round_money
from portal.roles import Role, user_has_role
from portal.workflow import row_lock

from ..models import BillingSettings, DepositAccount, Invoice, LedgerEntry, Payment, PaymentStatus
from .deposit_mail import deposit_mail_queue, merchant_payers
from .deposits import deposit_account_for
from .payments import payment_create, payment_failed, payment_pending, payment_succeeded

S = PaymentStatus
P = Payment.Purpose
BANK = "bank_transfer"
ZERO = Decimal("0")
AWAITING = (S.CREATED, S.FAILED)  # an attempt whose money has not been recorded (again)


class PartialTransfer(ApplicationError):
    """Less arrived than the payment asks for: finance must say it is a partial payment to record it."""


# ---- what is due

def _summed(rows, key: str, field: str = "amount") -> dict[int, Decimal]:
    return {row[key]: row["total"] or ZERO for row in rows.order_by().values(key).annotate(total=Sum(field))}


def dues_of(*, accounts: Iterable[DepositAccount] = (), invoices: Iterable[Invoice] = ()
            ) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """(account id → due, invoice id → due): what each deposit still lacks and what each issued invoice still asks
    for (total − credit notes − confirmed payments), less the receipts recorded on bank transfers and awaiting
    confirmation (not yet in the ledger). May be below zero. Five grouped queries at most, whatever the number."""
    accounts, invoices = list(accounts), list(invoices)
    account_ids, invoice_ids = {a.pk for a in accounts}, {i.pk for i in invoices}
    # a deposit's balance: Σ amount of its payments, top-ups, deductions and refunds (as billing.services.ledger)
    K = LedgerEntry.Kind
    balances = _summed(LedgerEntry.objects.filter(account_id__in=account_ids,
                                                  kind__in=[K.PAYMENT, K.TOP_UP, K.DEDUCTION, K.REFUND]),
                       "account_id")
    pending = Payment.objects.filter(provider=BANK, status=S.PENDING)
    receipts_deposit = _summed(pending.filter(account_id__in=account_ids, purpose__in=[P.DEPOSIT, P.TOP_UP]),
                               "account_id")
    receipts_invoice = _summed(pending.filter(invoice_id__in=invoice_ids, purpose=P.INVOICE), "invoice_id")
    credited = _summed(Invoice.objects.filter(corrects_id__in=invoice_ids, kind=Invoice.Kind.CREDIT_NOTE)
                       .exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID]), "corrects_id", "total")
    paid = _summed(Payment.objects.filter(invoice_id__in=invoice_ids, status=S.SUCCEEDED), "invoice_id")
    account_due = {}
    for account in accounts:
        balance = round_money(balances.get(account.pk, ZERO), account.currency)
        lacking = max(round_money(account.required_amount - balance, account.currency), ZERO)
        account_due[account.pk] = lacking - receipts_deposit.get(account.pk, ZERO)
    invoice_due = {}
    for invoice in invoices:
        unpaid = ZERO
        if invoice.kind == Invoice.Kind.INVOICE and invoice.status == Invoice.Status.ISSUED:
            unpaid = max(round_money(invoice.total - credited.get(invoice.pk, ZERO) - paid.get(invoice.pk, ZERO),
                                     invoice.currency), ZERO)
        invoice_due[invoice.pk] = unpaid - receipts_invoice.get(invoice.pk, ZERO)
    return account_due, invoice_due


def bank_transfer_due(*, payment: Payment) -> Decimal:
    """What `payment` should ask for today (0 when nothing is left once the recorded receipts are confirmed)."""
    return bank_transfers_due(payments=[payment])[payment.pk]


def bank_transfers_due(*, payments: Iterable[Payment]) -> dict[int, Decimal]:
    """payment id → what it should ask for today: what its deposit or invoice still has due less the receipts
    recorded on the other bank transfers (`dues_of`), never below zero; a payment for neither asks for its amount.
    A fixed number of queries whatever the number of payments (they come with their account and invoice)."""
    payments = list(payments)
    for_deposit = [p for p in payments if p.purpose in (P.DEPOSIT, P.TOP_UP) and p.account_id]
    for_invoice = [p for p in payments if p.purpose == P.INVOICE and p.invoice_id]
    account_due, invoice_due = dues_of(accounts={p.account_id: p.account for p in for_deposit}.values(),
                                       invoices={p.invoice_id: p.invoice for p in for_invoice}.values())
    deposit_pks, invoice_pks = {p.pk for p in for_deposit}, {p.pk for p in for_invoice}
    due = {}
    for payment in payments:
        own = payment.amount if payment.provider == BANK and payment.status == S.PENDING else ZERO
        if payment.pk in deposit_pks:
            amount = account_due[payment.account_id] + own
        elif payment.pk in invoice_pks:
            amount = invoice_due[payment.invoice_id] + own
        else:
            amount = payment.amount
        due[payment.pk] = max(round_money(amount, payment.currency), ZERO)
    return due


def _amount_refresh(payment: Payment, *, actor: Any | None = None) -> Payment:
    """Bring an attempt awaiting its money to what is due today (under the caller's lock). Audited."""
    if payment.provider != BANK or payment.status not in AWAITING:
        return payment
    due = bank_transfer_due(payment=payment)
    if due > 0 and due != payment.amount:
        before = payment.amount
        payment.amount = due
        payment.save(update_fields=["amount", "updated_at"])
        audit_entry_create(actor=actor, action="billing.payment.amount_updated", target=payment,
                           data={"from": before, "to": due, "currency": payment.currency})
    return payment


def bank_transfer_status(payment: Payment) -> str:
    """The merchant's word for where a transfer stands: awaiting | received | confirmed | canceled."""
    if payment.status == S.SUCCEEDED:
        return "confirmed"
    if payment.status == S.PENDING:
        return "received"
    if payment.status == S.CANCELED:
        return "canceled"
    return "awaiting"


@transaction.atomic
def bank_transfer_details(*, payment: Payment) -> dict[str, Any]:
    """What the merchant's bank-transfer page shows: our account, the amount due now, the reference."""
    payment = _amount_refresh(row_lock(payment))
    settings = BillingSettings.load()
    return {
        "payment": payment,
        "payee_name": settings.payee_name,
        "payee_bank": settings.payee_bank,
        "payee_account_number": settings.payee_account_number,
        "payee_swift": settings.payee_swift,
        "amount": payment.amount,
        "currency": payment.currency,
        "reference": payment.reference,
        "status": bank_transfer_status(payment),
        "nothing_due": payment.status in AWAITING and bank_transfer_due(payment=payment) <= 0,
        "needs_second_person": payment.amount > settings.transfer_confirm_threshold,
    }


# ---- finance records, confirms, rejects

def _finance_only(actor: Any) -> None:
    if not user_has_role(actor, Role.FINANCE):
        raise PermissionDenied(_("Only finance records and confirms bank transfers."))


def _money(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency)


def _open_attempt(*, account: DepositAccount | None = None, invoice: Invoice | None = None) -> Payment | None:
    rows = Payment.objects.select_for_update().filter(provider=BANK, status__in=AWAITING)
    rows = rows.filter(account=account, purpose__in=[P.DEPOSIT, P.TOP_UP]) if account is not None else \
        rows.filter(invoice=invoice, purpose=P.INVOICE)
    return rows.order_by("-id").first()


def _new_payment_for(*, merchant, purpose: str, amount: Decimal, actor: Any, invoice: Invoice | None = None,
                     like: Payment | None = None) -> Payment:
    """A bank-transfer payment row for a receipt no attempt of the merchant's stands for (a partial transfer,
    or money that came without a reference). The amount must be due."""
    if like is not None:
        return payment_create(merchant=like.merchant, purpose=like.purpose, provider=BANK, amount=amount,
                              currency=like.currency, actor=actor, account=like.account, invoice=like.invoice,
                              top_up=like.top_up)
    if purpose in (P.DEPOSIT, P.TOP_UP):
        account = row_lock(deposit_account_for(merchant))
        due = dues_of(accounts=[account])[0][account.pk]
        currency = account.currency
        if due <= 0:
            raise ApplicationError(_("%(merchant)s owes nothing on its deposit (receipts awaiting confirmation "
                                     "included).") % {"merchant": merchant.name})
        if amount > due:
            raise ApplicationError(_("%(amount)s arrived but only %(due)s of the deposit is due. Record %(due)s; "
                                     "the excess goes back to the merchant as a refund.")
                                   % {"amount": _money(amount, currency), "due": _money(due, currency)})
        kind = P.TOP_UP if account.status == DepositAccount.Status.SHORTFALL else P.DEPOSIT
        top_up = account.top_ups.filter(status__in=["open", "overdue"]).order_by("-id").first() \
            if kind == P.TOP_UP else None
        return payment_create(merchant=merchant, purpose=kind, provider=BANK, amount=amount, currency=currency,
                              actor=actor, account=account, top_up=top_up)
    if invoice is None or invoice.merchant_id != merchant.pk:
        raise ApplicationError(_("Choose an invoice of %(merchant)s.") % {"merchant": merchant.name})
    invoice = row_lock(invoice)
    if invoice.status != Invoice.Status.ISSUED:
        raise ApplicationError(_("Invoice %(number)s is “%(status)s”: nothing is due on it.")
                               % {"number": invoice.number or invoice.pk, "status": invoice.get_status_display()})
    due = dues_of(invoices=[invoice])[1][invoice.pk]
    if amount > due:
        raise ApplicationError(_("%(amount)s arrived but only %(due)s of invoice %(number)s is due. Record "
                                 "%(due)s; the excess goes back to the merchant as a refund.")
                               % {"amount": _money(amount, invoice.currency),
                                  "due": _money(max(due, ZERO), invoice.currency), "number": invoice.number})
    return payment_create(merchant=merchant, purpose=P.INVOICE, provider=BANK, amount=amount,
                          currency=invoice.currency, actor=actor, invoice=invoice)


def _receipt_for(payment: Payment, *, amount: Decimal, partial: bool, actor: Any) -> Payment:
    """The row that will hold a receipt of `amount` sent for `payment` (locked, awaiting its money)."""
    if payment.provider != BANK:
        raise ApplicationError(_("Payment %(ref)s is a card payment, not a bank transfer. Record the transfer "
                                 "for the merchant without a reference.") % {"ref": payment.reference})
    if payment.status == S.PENDING:
        raise InvalidTransition(_("A transfer for %(ref)s is already recorded and awaits confirmation.")
                                % {"ref": payment.reference})
    if payment.status == S.SUCCEEDED:
        raise InvalidTransition(_("Payment %(ref)s is already confirmed.") % {"ref": payment.reference})
    if payment.status not in AWAITING:
        raise InvalidTransition(_("Payment %(ref)s is “%(status)s”: it takes no transfer.")
                                % {"ref": payment.reference, "status": payment.get_status_display()})
    payment = _amount_refresh(payment, actor=actor)
    due = bank_transfer_due(payment=payment)
    facts = {"ref": payment.reference, "amount": _money(amount, payment.currency),
             "due": _money(due, payment.currency)}
    if due <= 0:
        raise ApplicationError(_("Nothing is due on %(ref)s any more (receipts awaiting confirmation "
                                 "included).") % facts)
    if amount == due:
        return payment
    if amount > due:
        raise ApplicationError(_("%(amount)s arrived but %(ref)s asks for %(due)s. Record %(due)s; the excess "
                                 "goes back to the merchant as a refund.") % facts)
    if not partial:
        raise PartialTransfer(_("%(amount)s arrived but %(ref)s asks for %(due)s. To record it as a partial "
                                "payment, tick “partial payment”: the rest stays due under the same reference.")
                              % facts, extra={"due": due})
    return _new_payment_for(merchant=payment.merchant, purpose=payment.purpose, amount=amount, actor=actor,
                            like=payment)


@transaction.atomic
def bank_transfer_record(*, actor: Any, amount: Decimal, received_on: dt.date, bank_reference: str = "",
                         payer_name: str = "", receipt: Any | None = None, payment: Payment | None = None,
                         merchant=None, purpose: str | None = None, invoice: Invoice | None = None,
                         partial: bool = False, statement_line=None, now: dt.datetime | None = None) -> Payment:
    """Finance found a transfer on our bank account. Either for `payment` (found by the reference in the
    remark) or for `merchant` + `purpose` (deposit, or `invoice`) when the merchant started none or forgot the
    reference (their open attempt is used when there is one). Returns the payment that holds the receipt: pending
    (awaiting a second person) above the threshold, succeeded at or below it. Raises ApplicationError with a
    message for finance and records nothing when the amount, the state or the bank reference does not fit."""
    _finance_only(actor)
    now = now or timezone.now()
    bank_reference = (bank_reference or "").strip()[:100]
    if received_on > timezone.localdate(now):
        raise ApplicationError(_("The transfer cannot have been received in the future."))
    if bank_reference:
        known = Payment.objects.filter(provider=BANK, bank_reference=bank_reference).first()
        if known is not None:
            raise ApplicationError(_("Bank transaction %(bank_ref)s is already recorded on payment %(ref)s.")
                                   % {"bank_ref": bank_reference, "ref": known.reference})
    if payment is not None:
        payment = row_lock(payment)
        amount = round_money(amount, payment.currency)
        if amount <= 0:
            raise ApplicationError(_("Enter the amount that arrived."))
        target = _receipt_for(payment, amount=amount, partial=partial, actor=actor)
    else:
        if merchant is None or purpose not in (P.DEPOSIT, P.TOP_UP, P.INVOICE):
            raise ApplicationError(_("Enter the payment's reference, or choose the merchant and what the transfer "
                                     "pays for."))
        currency = invoice.currency if purpose == P.INVOICE and invoice is not None else \
            deposit_account_for(merchant).currency
        amount = round_money(amount, currency)
        if amount <= 0:
            raise ApplicationError(_("Enter the amount that arrived."))
        if purpose == P.INVOICE:
            attempt = _open_attempt(invoice=invoice) if invoice is not None else None
        else:
            attempt = _open_attempt(account=deposit_account_for(merchant))
        if attempt is not None and attempt.merchant_id == merchant.pk:
            target = _receipt_for(attempt, amount=amount, partial=partial, actor=actor)
        else:
            target = _new_payment_for(merchant=merchant, purpose=purpose, amount=amount, actor=actor,
                                      invoice=invoice)
    try:
        with transaction.atomic():
            target = payment_pending(payment=target, actor=actor, received_on=received_on,
                                     bank_reference=bank_reference, payer_name=(payer_name or "").strip()[:200],
                                     recorded_by=actor, confirmed_by=None, failure_code="", failure_message="",
                                     **({"receipt": receipt} if receipt else {}))
    except IntegrityError as error:  # the same bank transaction recorded by someone else a moment ago
        raise ApplicationError(_("Bank transaction %(bank_ref)s is already recorded on another payment.")
                               % {"bank_ref": bank_reference}) from error
    audit_entry_create(actor=actor, action="billing.bank_transfer.recorded", target=target,
                       data={"amount": target.amount, "currency": target.currency, "received_on": received_on,
                             "bank_reference": bank_reference, "payer": payer_name[:200],
                             "statement_line": getattr(statement_line, "pk", None),
                             "for_reference": payment.reference if payment is not None else ""})
    if target.amount <= BillingSettings.load().transfer_confirm_threshold:
        target = payment_succeeded(payment=target, actor=actor, now=now, confirmed_by=actor)
        _merchant_mail_queue(target, event="bank_transfer_confirmed")
    return target


def _pending_transfer(payment: Payment) -> Payment:
    payment = row_lock(payment)
    if payment.provider != BANK:
        raise ApplicationError(_("Payment %(ref)s is not a bank transfer.") % {"ref": payment.reference})
    return payment


@transaction.atomic
def bank_transfer_confirm(*, payment: Payment, actor: Any, now: dt.datetime | None = None) -> Payment:
    """The second person: a finance user who did not record the receipt confirms it → succeeded (the ledger
    entry; a deposit held in full activates the contract after commit). Idempotent once confirmed."""
    _finance_only(actor)
    payment = _pending_transfer(payment)
    if payment.status == S.SUCCEEDED:
        return payment
    if payment.status != S.PENDING:
        raise InvalidTransition(_("No transfer is recorded for %(ref)s yet: record the receipt first.")
                                % {"ref": payment.reference})
    if payment.recorded_by_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("You recorded this transfer, so another finance user confirms it (four-eyes)."))
    payment = payment_succeeded(payment=payment, actor=actor, now=now, confirmed_by=actor)
    _merchant_mail_queue(payment, event="bank_transfer_confirmed")
    return payment


@transaction.atomic
def bank_transfer_reject(*, payment: Payment, actor: Any, reason: str) -> Payment:
    """The recorded receipt was wrong (no such money, another payment's): the payment awaits its money again
    (failed, with the reason) and the bank transaction may be recorded elsewhere. Moves no money; the maker may
    withdraw their own record."""
    _finance_only(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the recorded transfer is rejected."))
    payment = _pending_transfer(payment)
    if payment.status != S.PENDING:
        raise InvalidTransition(_("Only a recorded transfer awaiting confirmation can be rejected; %(ref)s is "
                                  "“%(status)s”.") % {"ref": payment.reference,
                                                      "status": payment.get_status_display()})
    recorded = {"received_on": payment.received_on, "bank_reference": payment.bank_reference,
                "payer": payment.payer_name, "recorded_by": payment.recorded_by_id}
    payment = payment_failed(payment=payment, code="transfer_rejected", message=reason, actor=actor)
    payment.received_on, payment.bank_reference, payment.payer_name, payment.recorded_by = None, "", "", None
    payment.save(update_fields=["received_on", "bank_reference", "payer_name", "recorded_by", "updated_at"])
    audit_entry_create(actor=actor, action="billing.bank_transfer.rejected", target=payment,
                       data={"reason": reason[:500], **recorded})
    _merchant_mail_queue(payment, event="bank_transfer_rejected", reason=reason[:500])
    return payment


def _merchant_mail_queue(payment: Payment, *, event: str, reason: str = "") -> None:
    """Tell the merchant's payers, after commit and each in their language, that finance confirmed the transfer
    (the money is booked) or rejected the recorded receipt (the amount is still due under the same reference)."""
    payment_id = payment.pk

    def build():
        paid = Payment.objects.select_related("merchant", "invoice").get(pk=payment_id)
        context = {"payment": paid, "merchant": paid.merchant, "reason": reason,
                   "amount": format_money(paid.amount, paid.currency)}
        return (merchant_payers(paid.merchant_id), context,
                lambda user: reverse("billing:payment_detail", kwargs={"reference": paid.reference}))

    deposit_mail_queue(event=event, build=build)
