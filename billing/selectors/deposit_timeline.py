"""A deposit account's timeline in words (portal.timeline over the audit log of the account): its status moves
and every ledger movement, with the amounts."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy

from portal.timeline import TimelineEntry, text_details, when_display

from ..models import DepositAccount
from .timeline import ACTION_LABELS, billing_timeline, money_or_none


def _describe_ledger(entry: TimelineEntry, account: DepositAccount) -> None:
    data = entry.data
    currency = data.get("currency") or account.currency
    for key in ("amount", "frozen_delta"):
        value = data.get(key)
        if value not in (None, "", "0", "0.00", 0):
            shown = money_or_none(value, currency)
            if shown:
                entry.details.append(shown)
    entry.details += text_details(data, "memo")


def _describe_status(entry: TimelineEntry, account: DepositAccount) -> None:
    data = entry.data
    for key in ("balance", "required", "amount", "available"):
        if data.get(key) not in (None, ""):
            shown = money_or_none(data[key], account.currency)
            if shown:
                entry.details.append(f"{_LABELS[key]}: {shown}")
    before, after = money_or_none(data.get("from"), account.currency), money_or_none(data.get("to"), account.currency)
    if before and after:
        entry.details.append(f"{before} → {after}")
    if data.get("due_on"):
        entry.details.append(f"{_LABELS['due_on']}: {when_display(data['due_on'])}")
    entry.details += text_details(data, "contract")


_LABELS = {"balance": gettext_lazy("Balance"), "required": pgettext_lazy("deposit", "Required"),
           "amount": gettext_lazy("Amount"), "available": gettext_lazy("Available"),
           "due_on": gettext_lazy("Due on")}


def deposit_timeline(*, account: DepositAccount) -> list[TimelineEntry]:
    describers = {event: (_describe_ledger if event.startswith("ledger.") else _describe_status)
                  for event in ACTION_LABELS if event.startswith(("ledger.", "deposit."))}
    return billing_timeline(target=account, describers=describers)
