"""A deposit account's timeline in words (portal.timeline over the audit log of the account): its status moves
and every ledger movement, with the amounts."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy, pgettext_lazy

from portal.money import format_money
from portal.timeline import TimelineEntry, text_details, timeline_build, when_display

from ..models import DepositAccount

SENTENCES = {
    "deposit.held": gettext_lazy("Deposit held in full"),
    "deposit.shortfall": gettext_lazy("Top-up requested"),
    "deposit.topped_up": gettext_lazy("Deposit topped up"),
    "deposit.refund_due": gettext_lazy("Refund due: the contract ended"),
    "deposit.closed": gettext_lazy("Deposit closed"),
    "deposit.reopened": gettext_lazy("Deposit reopened for a new contract"),
    "ledger.payment": gettext_lazy("Deposit payment recorded"),
    "ledger.top_up": gettext_lazy("Top-up recorded"),
    "ledger.deduction": gettext_lazy("Deduction recorded"),
    "ledger.refund": gettext_lazy("Refund recorded"),
    "ledger.freeze": gettext_lazy("Sum frozen"),
    "ledger.release": gettext_lazy("Frozen sum released"),
}


def _money(value, currency: str) -> str | None:
    try:
        return format_money(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError, TypeError, ArithmeticError):
        return None


def _describe_ledger(entry: TimelineEntry, account: DepositAccount) -> None:
    data = entry.data
    currency = data.get("currency") or account.currency
    for key in ("amount", "frozen_delta"):
        value = data.get(key)
        if value not in (None, "", "0", "0.00", 0):
            shown = _money(value, currency)
            if shown:
                entry.details.append(shown)
    entry.details += text_details(data, "memo")


def _describe_status(entry: TimelineEntry, account: DepositAccount) -> None:
    data = entry.data
    for key in ("balance", "required", "amount", "available"):
        if data.get(key) not in (None, ""):
            shown = _money(data[key], account.currency)
            if shown:
                entry.details.append(f"{_LABELS[key]}: {shown}")
    if data.get("due_on"):
        entry.details.append(f"{_LABELS['due_on']}: {when_display(data['due_on'])}")
    entry.details += text_details(data, "contract")


_LABELS = {"balance": gettext_lazy("Balance"), "required": pgettext_lazy("deposit", "Required"),
           "amount": gettext_lazy("Amount"), "available": gettext_lazy("Available"),
           "due_on": gettext_lazy("Due on")}


def deposit_timeline(*, account: DepositAccount) -> list[TimelineEntry]:
    describers = {event: (_describe_ledger if event.startswith("ledger.") else _describe_status)
                  for event in SENTENCES}
    return timeline_build(target=account, action_prefix="billing.", sentences=SENTENCES, describers=describers,
                          context=lambda entries: account)
