"""A bank transfer's timeline in words (portal.timeline over the payment's audit log): started, its amount
brought to what is due, the receipt recorded, confirmed or rejected, its receipt downloaded."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from portal.timeline import TimelineEntry, text_details, when_display

from ..models import Payment
from .timeline import billing_timeline, money_or_none

# a bank transfer's own words for these (the rest: ACTION_LABELS)
SENTENCES = {
    "payment.pending": gettext_lazy("Marked as received"),
    "payment.succeeded": gettext_lazy("Confirmed: the money is booked"),
    "payment.failed": gettext_lazy("Marked as not received"),
}
EVENTS = ("payment.created", "payment.amount_updated", "payment.pending", "bank_transfer.recorded",
          "payment.succeeded", "payment.failed", "bank_transfer.rejected", "payment.canceled",
          "bank_transfer.receipt_downloaded")
_LABELS = {"bank_reference": gettext_lazy("Bank transaction reference"), "payer": gettext_lazy("Payer"),
           "received_on": gettext_lazy("Received on"), "reason": gettext_lazy("Reason")}


def _describe(entry: TimelineEntry, payment: Payment) -> None:
    data = entry.data
    currency = data.get("currency") or payment.currency
    if entry.event == "payment.amount_updated":
        before, after = money_or_none(data.get("from"), currency), money_or_none(data.get("to"), currency)
        if before and after:
            entry.details.append(f"{before} → {after}")
        return
    amount = money_or_none(data.get("amount"), currency) if data.get("amount") not in (None, "") else None
    if amount and entry.event in ("bank_transfer.recorded", "payment.created"):
        entry.details.append(amount)
    for key in ("received_on", "bank_reference", "payer", "reason"):
        value = data.get(key)
        if value not in (None, ""):
            shown = when_display(value) if key == "received_on" else value
            entry.details.append(f"{_LABELS[key]}: {shown}")
    entry.details += text_details(data, "message")


def bank_transfer_timeline(*, payment: Payment) -> list[TimelineEntry]:
    return billing_timeline(target=payment, sentences=SENTENCES, describers=dict.fromkeys(EVENTS, _describe))
