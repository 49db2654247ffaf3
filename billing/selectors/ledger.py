"""A deposit's ledger as people read it: every entry explained (what, when, which payment, deduction, refund or
dispute), with the running balance and frozen sum after it. One query for the whole ledger (window sums over the
account's entries in order), whatever its length.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ..models import DepositAccount, LedgerEntry

K = LedgerEntry.Kind
ZERO = Decimal("0")
_SUM = models.DecimalField(max_digits=16, decimal_places=2)


@dataclass(frozen=True)
class LedgerRow:
    entry: LedgerEntry
    at: dt.datetime
    kind: str
    title: str  # what happened, in words
    detail: str  # why, or what it is about
    reference: str  # the payment reference, the order or complaint reference, the refund, the dispute
    amount: Decimal  # signed effect on the balance
    frozen_delta: Decimal  # signed effect on the frozen sum
    balance: Decimal  # after this entry
    frozen: Decimal  # after this entry
    currency: str

    @property
    def available(self) -> Decimal:
        return self.balance - self.frozen


def _hold_is_refund(reference: str) -> bool:
    return reference.startswith("refund:")


def _refund_label(refund) -> str:
    return f"R-{refund.pk}" if refund is not None else ""


def _hold_refund_label(reference: str) -> str:
    """"refund:<id>:<attempt>" → "R-<id>"."""
    parts = reference.split(":")
    return f"R-{parts[1]}" if len(parts) > 1 and parts[1] else reference


def entry_explained(entry: LedgerEntry) -> tuple[str, str, str]:
    """(title, detail, reference) of one entry, in the active language."""
    payment, deduction, refund = entry.payment, entry.deduction, entry.refund
    if entry.kind in (K.PAYMENT, K.TOP_UP):
        by_card = payment is not None and payment.provider == "stripe"
        if entry.kind == K.TOP_UP:
            title = _("Top-up paid by card") if by_card else _("Top-up received by bank transfer")
        else:
            title = _("Deposit paid by card") if by_card else _("Deposit received by bank transfer")
        detail = ""
        if payment is not None and payment.provider == "bank_transfer" and payment.bank_reference:
            detail = _("Bank transaction %(reference)s") % {"reference": payment.bank_reference}
        return title, detail, payment.reference if payment is not None else ""
    if entry.kind == K.DEDUCTION:
        if deduction is not None:
            title = _("Deduction: %(breach)s") % {"breach": deduction.get_breach_display()}
            return title, deduction.description, deduction.reference
        return _("Deduction"), entry.memo, ""
    if entry.kind == K.REFUND:
        if refund is not None and refund.provider == "stripe":
            title = _("Refunded to your card")
        elif refund is not None:
            title = _("Refunded by bank transfer")
        else:
            title = _("Refund")
        return title, entry.memo, _refund_label(refund)
    if entry.kind == K.FREEZE:
        if _hold_is_refund(entry.hold_reference):
            return (_("Set aside for the refund being sent"),
                    _("The amount is reserved while the refund is on its way."),
                    _hold_refund_label(entry.hold_reference))
        return (_("Frozen while a dispute is open"),
                _("A card payment is disputed; the sum stays in the deposit but cannot be used until the dispute "
                  "closes."), entry.hold_reference)
    if entry.kind == K.RELEASE:
        if _hold_is_refund(entry.hold_reference):
            return (_("Reservation for the refund released"), entry.memo,
                    _hold_refund_label(entry.hold_reference))
        return _("Released: the dispute is closed"), entry.memo, entry.hold_reference
    return str(entry.get_kind_display()), entry.memo, ""


def ledger_entries_with_running_sums(account: DepositAccount) -> models.QuerySet[LedgerEntry]:
    """The account's entries, oldest first, each with `running_balance` and `running_frozen` after it."""
    order = [models.F("id").asc()]
    return (LedgerEntry.objects.filter(account=account)
            .select_related("payment", "deduction", "refund", "created_by")
            .annotate(running_balance=Coalesce(models.Window(models.Sum("amount"), order_by=order),
                                               models.Value(ZERO), output_field=_SUM),
                      running_frozen=Coalesce(models.Window(models.Sum("frozen_delta"), order_by=order),
                                              models.Value(ZERO), output_field=_SUM))
            .order_by("id"))


def ledger_rows(account: DepositAccount, *, newest_first: bool = True) -> list[LedgerRow]:
    """Every entry of the account explained, with the running sums (one query)."""
    rows = []
    for entry in ledger_entries_with_running_sums(account):
        title, detail, reference = entry_explained(entry)
        rows.append(LedgerRow(entry=entry, at=entry.created_at, kind=entry.kind, title=title, detail=detail,
                              reference=reference, amount=entry.amount, frozen_delta=entry.frozen_delta,
                              balance=entry.running_balance, frozen=entry.running_frozen, currency=entry.currency))
    return list(reversed(rows)) if newest_first else rows
