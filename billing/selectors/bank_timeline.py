"""A bank transfer's timeline in words (portal.timeline over the payment's audit log): started, its amount
brought to what is due, the receipt recorded, confirmed or rejected, its receipt downloaded."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy

from portal.money import format_money
from portal.timeline import TimelineEntry, text_details, timeline_build, when_display

from ..models import Payment

SENTENCES = {
    "payment.created": gettext_lazy("Payment started"),
    "payment.amount_updated": gettext_lazy("Amount brought to what is due"),
    "payment.pending": gettext_lazy("Marked as received"),
    "bank_transfer.recorded": gettext_lazy("Transfer recorded"),
    "payment.succeeded": gettext_lazy("Confirmed: the money is booked"),
    "payment.failed": gettext_lazy("Marked as not received"),
    "bank_transfer.rejected": gettext_lazy("Recorded transfer rejected"),
    "payment.canceled": gettext_lazy("Payment canceled"),
    "bank_transfer.receipt_downloaded": gettext_lazy("Bank receipt downloaded"),
}
_LABELS = {"bank_reference": gettext_lazy("Bank transaction reference"), "payer": gettext_lazy("Payer"),
           "received_on": gettext_lazy("Received on"), "reason": gettext_lazy("Reason")}


def _money(value, currency: str) -> str | None:
    try:
        return format_money(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError, TypeError, ArithmeticError):
        return None


def _describe(entry: TimelineEntry, payment: Payment) -> None:
    data = entry.data
    currency = data.get("currency") or payment.currency
    if entry.event == "payment.amount_updated":
        before, after = _money(data.get("from"), currency), _money(data.get("to"), currency)
        if before and after:
            entry.details.append(f"{before} → {after}")
        return
    amount = _money(data.get("amount"), currency) if data.get("amount") not in (None, "") else None
    if amount and entry.event in ("bank_transfer.recorded", "payment.created"):
        entry.details.append(amount)
    for key in ("received_on", "bank_reference", "payer", "reason"):
        value = data.get(key)
        if value not in (None, ""):
            shown = when_display(value) if key == "received_on" else value
            entry.details.append(f"{_LABELS[key]}: {shown}")
    entry.details += text_details(data, "message")


def bank_transfer_timeline(*, payment: Payment) -> list[TimelineEntry]:
    describers = dict.fromkeys(SENTENCES, _describe)
    return timeline_build(target=payment, action_prefix="billing.", sentences=SENTENCES, describers=describers,
                          context=lambda entries: payment)
