"""The deposit ledger: the only writer of `LedgerEntry`, and the balances, which are sums of it.

Invariants, checked here under the account's row lock and tested as properties (tests/billing/test_ledger_properties):
- balance = Σ amount ≥ 0; frozen = Σ frozen_delta, 0 ≤ frozen ≤ balance;
- a deduction never exceeds the balance − frozen (the caller invoices the excess);
- a refund never exceeds paid − deducted − refunded − frozen, i.e. the balance − frozen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, CurrencyMismatch
from portal.money import round_money
from portal.workflow import row_lock

from ..models import DepositAccount, LedgerEntry

K = LedgerEntry.Kind
ZERO = Decimal("0")
_SUM = DecimalField(max_digits=16, decimal_places=2)


@dataclass(frozen=True)
class Balance:
    """What a deposit account holds, from its ledger."""

    currency: str
    paid: Decimal  # payments and top-ups
    deducted: Decimal
    refunded: Decimal
    frozen: Decimal

    @property
    def balance(self) -> Decimal:
        return self.paid - self.deducted - self.refunded

    @property
    def available(self) -> Decimal:
        """What may be deducted or refunded now: the balance less the sums frozen in open disputes."""
        return self.balance - self.frozen


def _sum(kinds: list[str], field: str = "amount") -> Coalesce:
    from django.db.models import Q

    return Coalesce(Sum(field, filter=Q(kind__in=kinds)), Value(ZERO), output_field=_SUM)


def balance_of(account: DepositAccount) -> Balance:
    """One query."""
    sums = LedgerEntry.objects.filter(account=account).aggregate(
        paid=_sum([K.PAYMENT, K.TOP_UP]), deducted=_sum([K.DEDUCTION]), refunded=_sum([K.REFUND]),
        frozen=Coalesce(Sum("frozen_delta"), Value(ZERO), output_field=_SUM),
    )
    # rounded to the fen: SQLite sums decimals as floats (0.01 + 2.00 − 2.00 comes back as 0.00999…)
    money = {key: round_money(value, account.currency) for key, value in sums.items()}
    return Balance(currency=account.currency, paid=money["paid"], deducted=-money["deducted"],
                   refunded=-money["refunded"], frozen=money["frozen"])


def ledger_append(*, account: DepositAccount, kind: str, amount: Decimal, currency: str, memo: str = "",
                  actor: Any | None = None, payment=None, refund=None, deduction=None, hold_reference: str = "",
                  ip_address: str | None = None) -> LedgerEntry:
    """Append one entry. `amount` is the positive size of the movement; the sign follows from `kind`. Locks the
    account and checks the invariants; raises ApplicationError (and writes nothing) when the entry would break
    one. Runs in the caller's transaction (or its own)."""
    if currency.upper() != account.currency.upper():
        raise CurrencyMismatch(_("The deposit is held in %(account)s, not %(currency)s.")
                               % {"account": account.currency, "currency": currency})
    size = round_money(amount, account.currency)
    if size <= 0:
        raise ApplicationError(_("A deposit movement must be more than zero."))
    with transaction.atomic():
        account = row_lock(account)
        current = balance_of(account)
        signed, frozen_delta = size, ZERO
        if kind in (K.DEDUCTION, K.REFUND):
            if size > current.available:
                message = (_("The deduction of %(amount)s is more than the deposit can give (%(available)s).")
                           if kind == K.DEDUCTION else
                           _("The refund of %(amount)s is more than the deposit holds after deductions and "
                             "frozen sums (%(available)s)."))
                raise ApplicationError(message % {"amount": size, "available": current.available},
                                       extra={"available": current.available})
            signed = -size
        elif kind == K.FREEZE:
            if size > current.available:
                raise ApplicationError(_("Only %(available)s of the deposit can still be frozen.")
                                       % {"available": current.available})
            signed, frozen_delta = ZERO, size
        elif kind == K.RELEASE:
            if size > current.frozen:
                raise ApplicationError(_("Only %(frozen)s of the deposit is frozen.") % {"frozen": current.frozen})
            signed, frozen_delta = ZERO, -size
        elif kind not in (K.PAYMENT, K.TOP_UP):
            raise ApplicationError(f"unknown ledger entry kind {kind!r}")
        entry = LedgerEntry.objects.create(
            account=account, kind=kind, amount=signed, frozen_delta=frozen_delta, currency=account.currency,
            memo=memo[:500], payment=payment, refund=refund, deduction=deduction, hold_reference=hold_reference,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_entry_create(actor=actor, action=f"billing.ledger.{kind}", target=account, ip_address=ip_address,
                           data={"entry": entry.pk, "amount": signed, "frozen_delta": frozen_delta,
                                 "currency": account.currency, "memo": memo[:200]})
    return entry
