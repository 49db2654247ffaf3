"""Invoices: issuing (gapless numbers per series and year), credit notes, paying one, recording the fapiao.

An invoice is issued in one transaction: its lines, the buyer as the merchant's billing profile stands, the next
number of its series and year from the locked `InvoiceCounter` row (two issuers at once wait on each other; a
rolled-back issue gives its number back), and, once committed, its PDF rendered by a Celery task. From then on
nothing it bills changes (PostgreSQL refuses, migration 0002/0003): a correction is a credit note, numbered in its
own series (CN), never for more than what the invoice still has uncredited.

    invoice_issue_for(...)   idempotent by source_key: the same source (a contract's fee, a deduction's excess)
                             bills once, however often it is asked
    credit_note_issue(...)   issued → credited when the credit notes cover the whole invoice
    invoice_payment_open(...) the open attempt to pay what is still due, reused (a double click → the same row)
    fapiao_record(...)       the fapiao [发票] number and PDF finance issued outside the portal
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError
from portal.models import Merchant
from portal.money import round_money
from portal.workflow import row_lock, transition_check

from ..models import (
    BillingProfile,
    BillingSettings,
    FeePrice,
    FeeType,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Payment,
)
from ..models import PaymentStatus as PS
from .deposit_mail import deposit_mail_queue, merchant_payers

logger = logging.getLogger(__name__)
S = Invoice.Status
ZERO = Decimal("0")
_SUM = DecimalField(max_digits=16, decimal_places=2)
OPEN_PAYMENT_STATES = [PS.CREATED, PS.PENDING, PS.REQUIRES_ACTION, PS.FAILED]
FAPIAO_PDF_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class InvoiceLineSpec:
    """One line to bill: `unit_price` × `quantity`; a waived line is shown at zero with its price and why."""

    fee_type: str
    description: str
    unit_price: Decimal
    quantity: Decimal = Decimal(1)
    waived: bool = False
    price: FeePrice | None = None


def _actor(actor: Any | None):
    return actor if getattr(actor, "is_authenticated", False) else None


def invoice_number_next(*, series: str, year: int) -> tuple[int, str]:
    """(sequence, number) — the next of `series` in `year`, e.g. INV-2026-000001, from the counter row locked
    inside the caller's transaction."""
    try:
        with transaction.atomic():
            InvoiceCounter.objects.get_or_create(series=series, year=year)
    except IntegrityError:  # another transaction created the row first: it exists now
        pass
    counter = InvoiceCounter.objects.select_for_update().get(series=series, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, f"{series}-{year}-{counter.last:06d}"


def invoice_buyer(merchant: Merchant) -> dict[str, str]:
    """Who the invoice is made out to: the merchant's billing profile (invoice title, tax ID); without one, the
    registered name and unified social credit code of its latest contract."""
    from contracts.models import Contract

    latest = (Contract.objects.filter(merchant=merchant).exclude(merchant_legal_name="")
              .order_by("-created_at", "-id").values("merchant_legal_name", "merchant_credit_code").first()) or {}
    name = latest.get("merchant_legal_name") or merchant.name
    profile = BillingProfile.objects.filter(merchant=merchant).first()
    return {
        "buyer_name": name[:200],
        "buyer_title": (profile.invoice_title if profile else name)[:200],
        "buyer_tax_id": (profile.tax_id if profile else latest.get("merchant_credit_code", ""))[:20],
    }


def _lines_build(lines: list[InvoiceLineSpec], currency: str) -> tuple[list[InvoiceLine], Decimal]:
    if not lines:
        raise ApplicationError(_("An invoice needs at least one line."))
    built, total = [], ZERO
    for spec in lines:
        quantity = Decimal(spec.quantity)
        unit_price = round_money(spec.unit_price, currency)
        if quantity <= 0:
            raise ApplicationError(_("A line's quantity must be more than zero."))
        if unit_price < 0:
            raise ApplicationError(_("A line's price cannot be negative."))
        if spec.price is not None and spec.price.currency.upper() != currency:
            raise ApplicationError(_("The price is in %(price)s, the invoice in %(invoice)s.")
                                   % {"price": spec.price.currency, "invoice": currency})
        amount = ZERO if spec.waived else round_money(unit_price * quantity, currency)
        built.append(InvoiceLine(fee_type=spec.fee_type, description=str(spec.description)[:300], quantity=quantity,
                                 unit_price=unit_price, amount=amount, waived=spec.waived, price=spec.price))
        total += amount
    return built, round_money(total, currency)


def _issue(*, invoice: Invoice, lines: list[InvoiceLine], series: str, actor: Any | None,
           now: dt.datetime) -> Invoice:
    """Give the number, save the lines, move draft → issued, schedule the PDF. Inside the caller's atomic block."""
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    year = timezone.localdate(now).year
    sequence, number = invoice_number_next(series=series, year=year)
    transition_check(invoice, target=S.ISSUED).finish(
        actor=actor, action="billing.invoice.issued" if invoice.kind == Invoice.Kind.INVOICE
        else "billing.credit_note.issued",
        fields={"series": series, "year": year, "sequence": sequence, "number": number, "issued_at": now,
                "issued_by": _actor(actor)},
        data={"number": number, "total": invoice.total, "currency": invoice.currency,
              "source": invoice.source_key or ""})
    if invoice.kind == Invoice.Kind.INVOICE and invoice.total == 0:
        # nothing to pay (the entry fee waived in the launch window): settled as issued
        transition_check(invoice, target=S.PAID).finish(actor=actor, action="billing.invoice.paid",
                                                        fields={"paid_at": now}, data={"nothing_due": True})
    invoice_pdf_schedule(invoice)
    if invoice.kind == Invoice.Kind.INVOICE and invoice.total > 0 and not (invoice.source_key or "").startswith(
            "deduction:"):  # a deduction's own email names the invoice of its excess
        invoice_id = invoice.pk
        deposit_mail_queue(event="invoice_issued", build=lambda: _invoice_mail(invoice_id))
    return invoice


def _invoice_mail(invoice_id: int):
    """(recipients, context, path) of an invoice's email: the merchant's users who may pay."""
    from django.urls import reverse

    from portal.money import format_money

    invoice = Invoice.objects.get(pk=invoice_id)
    lines = [{"label": FeeType(line.fee_type).label, "description": line.description,
              "amount": format_money(line.amount, invoice.currency)} for line in invoice.lines.all()]
    context = {"invoice": invoice, "lines": lines, "amount": format_money(invoice.total, invoice.currency)}
    return merchant_payers(invoice.merchant_id), context, lambda user: reverse("billing:invoice_detail",
                                                                              args=[invoice_id])


def invoice_issue_for(*, merchant: Merchant, lines: list[InvoiceLineSpec], currency: str,
                      source_key: str | None = None, contract=None, actor: Any | None = None,
                      due_on: dt.date | None = None, notes: str = "", now: dt.datetime | None = None) -> Invoice:
    """Issue an invoice to `merchant` for `lines`. With a `source_key` (e.g. "contract:12:entry",
    "deduction:7") the same source bills once: a second call returns the invoice the first one issued."""
    currency = currency.upper()
    if source_key:
        existing = Invoice.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing
    now = now or timezone.now()
    settings_ = BillingSettings.load()
    built, total = _lines_build(lines, currency)
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                merchant=merchant, kind=Invoice.Kind.INVOICE, contract=contract, source_key=source_key or None,
                currency=currency, total=total, notes=notes, created_by=_actor(actor),
                due_on=due_on or (timezone.localdate(now) + dt.timedelta(days=settings_.invoice_due_days)),
                **invoice_buyer(merchant))
            return _issue(invoice=invoice, lines=built, series=settings_.invoice_series, actor=actor, now=now)
    except IntegrityError:
        # the same source issued at the same moment by another transaction: that one is the invoice
        if source_key:
            existing = Invoice.objects.filter(source_key=source_key).first()
            if existing is not None:
                return existing
        raise


def invoice_credited_total(invoice: Invoice) -> Decimal:
    return Invoice.objects.filter(corrects=invoice, kind=Invoice.Kind.CREDIT_NOTE).exclude(
        status__in=[S.DRAFT, S.VOID]).aggregate(total=Coalesce(Sum("total"), Value(ZERO), output_field=_SUM))["total"]


def invoice_paid_total(invoice: Invoice) -> Decimal:
    return Payment.objects.filter(invoice=invoice, status=PS.SUCCEEDED).aggregate(
        total=Coalesce(Sum("amount"), Value(ZERO), output_field=_SUM))["total"]


def invoice_outstanding(invoice: Invoice) -> Decimal:
    """What the merchant still owes on an issued invoice: total − credited − paid (never below zero)."""
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status != S.ISSUED:
        return ZERO
    due = invoice.total - invoice_credited_total(invoice) - invoice_paid_total(invoice)
    return max(round_money(due, invoice.currency), ZERO)


def credit_note_issue(*, invoice: Invoice, reason: str, actor: Any | None, lines: list[InvoiceLineSpec] | None = None,
                      amount: Decimal | None = None, now: dt.datetime | None = None) -> Invoice:
    """A credit note correcting `invoice` by `amount` (one line saying why) or by `lines`; never for more than
    the invoice still has uncredited. Fully credited → the invoice becomes "credited". A credit note on an invoice
    paid beyond what it now bills makes the refunds due (`refunds.invoice_refund_due`: to the card it was paid with,
    else by bank transfer; finance approves and sends them). Once committed, a card attempt still asking for the old
    amount is closed at Stripe (`invoice_card_attempts_close`), so no PaymentIntent charges more than is owed."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the invoice is credited."))
    now = now or timezone.now()
    with transaction.atomic():
        invoice = row_lock(invoice)
        if invoice.kind != Invoice.Kind.INVOICE or invoice.status not in (S.ISSUED, S.PAID):
            raise ApplicationError(_("Only an issued invoice can be credited; %(number)s is “%(status)s”.")
                                   % {"number": invoice, "status": invoice.get_status_display()})
        currency = invoice.currency
        if lines is None:
            if amount is None:
                raise ApplicationError(_("Give the amount to credit."))
            first = invoice.lines.first()
            fee_type = first.fee_type if first and invoice.lines.count() == 1 else "other"
            lines = [InvoiceLineSpec(fee_type=fee_type, description=reason, unit_price=amount)]
        built, total = _lines_build(lines, currency)
        uncredited = round_money(invoice.total - invoice_credited_total(invoice), currency)
        if total <= 0:
            raise ApplicationError(_("A credit note must credit more than zero."))
        if total > uncredited:
            from portal.money import format_money

            raise ApplicationError(_("A credit note cannot exceed what the invoice has uncredited (%(left)s).")
                                   % {"left": format_money(uncredited, currency)})
        note = Invoice.objects.create(
            merchant_id=invoice.merchant_id, kind=Invoice.Kind.CREDIT_NOTE, corrects=invoice,
            contract_id=invoice.contract_id, currency=currency, total=total, notes=reason,
            created_by=_actor(actor), buyer_name=invoice.buyer_name, buyer_title=invoice.buyer_title,
            buyer_tax_id=invoice.buyer_tax_id)
        _issue(invoice=note, lines=built, series=BillingSettings.load().credit_note_series, actor=actor, now=now)
        if total == uncredited:
            transition_check(invoice, target=S.CREDITED).finish(
                actor=actor, action="billing.invoice.credited", data={"credit_note": note.number})
        else:
            audit_entry_create(actor=actor, action="billing.invoice.partly_credited", target=invoice,
                               data={"credit_note": note.number, "amount": total})
        # what is left unpaid may now be covered by the payments already made
        if invoice.status == S.ISSUED and invoice_outstanding(invoice) <= 0 and invoice_paid_total(invoice) > 0:
            transition_check(invoice, target=S.PAID).finish(actor=actor, action="billing.invoice.paid",
                                                            fields={"paid_at": now}, data={"after": note.number})
        from .refunds import invoice_refund_due

        invoice_refund_due(invoice=invoice, credit_note=note, actor=actor, now=now)
        invoice_id = invoice.pk
        transaction.on_commit(lambda: _card_attempts_close_quietly(invoice_id, actor=actor))
        return note


def _stale_card_attempts(invoice: Invoice) -> list[Payment]:
    """The invoice's open card attempts asking for other than what is still due (0 once paid or credited)."""
    due = invoice_outstanding(invoice)
    return [payment for payment in Payment.objects.filter(invoice=invoice, provider="stripe",
                                                          status__in=OPEN_PAYMENT_STATES).order_by("id")
            if payment.amount != due]


def invoice_card_attempts_close(*, invoice: Invoice, actor: Any | None = None) -> int:
    """Close the invoice's card attempts whose amount is no longer what is due (a credit note changed it): each
    PaymentIntent is cancelled at Stripe and its payment canceled; the merchant's next "Pay" opens an attempt for
    what is due. Not inside a transaction (it calls Stripe). Returns how many were closed; ProviderUnavailable when
    Stripe cannot be reached (the rest stay open, and the next attempt to pay tries again)."""
    from ..providers import provider_for

    closed = 0
    for payment in _stale_card_attempts(invoice):
        if provider_for("stripe").cancel(payment, actor=actor, reason="amount due changed") == PS.CANCELED:
            closed += 1
    return closed


def _card_attempts_close_quietly(invoice_id: int, *, actor: Any | None) -> None:
    from ..providers import ProviderUnavailable

    try:
        invoice_card_attempts_close(invoice=Invoice.objects.get(pk=invoice_id), actor=actor)
    except (ProviderUnavailable, ApplicationError) as error:
        logger.warning("billing: the card attempts of invoice %s could not be closed yet: %s", invoice_id, error)


def invoice_payment_open(*, invoice: Invoice, provider: str, actor: Any | None = None) -> Payment:
    """The merchant's open attempt to pay what `invoice` still has due by `provider`, reused while it is not
    final (a double click or a reload gives the same row, so at most one PaymentIntent)."""
    from .payments import payment_create

    if provider == "stripe" and _stale_card_attempts(invoice):
        invoice_card_attempts_close(invoice=invoice, actor=actor)  # a PaymentIntent for an old amount: cancelled
    with transaction.atomic():
        invoice = row_lock(invoice)
        if invoice.kind != Invoice.Kind.INVOICE or invoice.status != S.ISSUED:
            raise ApplicationError(_("Invoice %(number)s has nothing left to pay.") % {"number": invoice})
        open_payment = (Payment.objects.select_for_update()
                        .filter(invoice=invoice, provider=provider, status__in=OPEN_PAYMENT_STATES)
                        .order_by("-id").first())
        due = invoice_outstanding(invoice)
        if open_payment is not None:
            # a bank transfer keeps its reference (the merchant may have written it in a transfer already): its
            # amount follows what is due (billing.services.bank_transfers)
            if (open_payment.amount == due or open_payment.provider != "stripe"
                    or open_payment.stripe_payment_intent_id or open_payment.status not in (PS.CREATED, PS.FAILED)):
                return open_payment
            # a card attempt opened before a credit note changed what is due, with nothing sent to Stripe yet:
            # closed, and a new one asks for the right amount
            from .payments import payment_canceled

            payment_canceled(payment=open_payment, actor=actor, reason="amount due changed")
        if due <= 0:
            raise ApplicationError(_("Invoice %(number)s has nothing left to pay.") % {"number": invoice})
        return payment_create(merchant=invoice.merchant, purpose=Payment.Purpose.INVOICE, provider=provider,
                              amount=due, currency=invoice.currency, actor=actor, invoice=invoice)


def fapiao_record(*, invoice: Invoice, number: str, pdf, actor: Any | None) -> Invoice:
    """Record the fapiao finance issued for `invoice` (outside the portal): its number (8 to 20 digits) and
    PDF. A second recording replaces the first (a corrected fapiao); both are audited."""
    number = "".join((number or "").split())
    if not (number.isdigit() and number.isascii() and 8 <= len(number) <= 20):
        raise ApplicationError(_("A fapiao number is 8 to 20 digits."))
    if pdf is None:
        raise ApplicationError(_("Attach the fapiao PDF."))
    if getattr(pdf, "size", 0) > FAPIAO_PDF_MAX_BYTES:
        raise ApplicationError(_("The fapiao PDF is larger than 10 MB."))
    head = pdf.read(5)
    pdf.seek(0)
    if head != b"%PDF-":
        raise ApplicationError(_("The fapiao file is not a PDF."))
    with transaction.atomic():
        invoice = row_lock(invoice)
        if invoice.kind != Invoice.Kind.INVOICE or invoice.status in (S.DRAFT, S.VOID):
            raise ApplicationError(_("A fapiao is recorded for an issued invoice."))
        previous = invoice.fapiao_number
        old_file = invoice.fapiao_pdf.name if invoice.fapiao_pdf else ""
        invoice.fapiao_number = number
        invoice.fapiao_recorded_by = _actor(actor)
        invoice.fapiao_pdf.save(f"{invoice.number}-fapiao-{number}.pdf", pdf, save=False)
        invoice.save(update_fields=["fapiao_number", "fapiao_pdf", "fapiao_recorded_by"])
        audit_entry_create(actor=actor, action="billing.invoice.fapiao_recorded", target=invoice,
                           data={"fapiao_number": number, "replaces": previous})
        invoice_id = invoice.pk
        deposit_mail_queue(event="fapiao_recorded", build=lambda: _invoice_mail(invoice_id))
        if old_file and old_file != invoice.fapiao_pdf.name:
            storage, name = invoice.fapiao_pdf.storage, old_file
            transaction.on_commit(lambda: storage.delete(name))
        return invoice


def invoice_pdf_schedule(invoice: Invoice) -> None:
    """Render the PDF in a Celery task once the issuing transaction has committed."""
    from ..tasks import invoice_pdf_render_task

    invoice_id = invoice.pk
    transaction.on_commit(lambda: invoice_pdf_render_task.delay(invoice_id))


PROFILE_FIELDS = ("invoice_title", "tax_id", "address_phone", "bank_details", "email")


def billing_profile_save(*, merchant: Merchant, data: dict, actor: Any | None) -> BillingProfile:
    """Set the merchant's invoice details (validated by the form); audited with what changed."""
    with transaction.atomic():
        profile = BillingProfile.objects.select_for_update().filter(merchant=merchant).first()
        before = {f: getattr(profile, f) for f in PROFILE_FIELDS} if profile else {}
        profile = profile or BillingProfile(merchant=merchant)
        for field in PROFILE_FIELDS:
            setattr(profile, field, data.get(field, "") or "")
        profile.updated_by = _actor(actor)
        profile.save()
        changed = sorted(f for f in PROFILE_FIELDS if before.get(f) != getattr(profile, f))
        audit_entry_create(actor=actor, action="billing.billing_profile.saved", target=profile,
                           data={"changed": changed, "tax_id": profile.tax_id})
        return profile
