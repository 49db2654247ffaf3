"""The fees a countersigned contract bills, and the price list finance keeps (BUSINESS_RULES §5.3).

Nothing is billed without a configured price: the entry fee and the value-added services and memberships take the
`FeePrice` in force on the day; the annual technical service fee and the franchise fee are the contract's terms.

    contract_fees_bill(contract=)   called after the deposit by billing's `contract_countersigned` receiver; one
                                    invoice per fee, source key "contract:<id>:<fee>", so a re-sent signal bills
                                    nothing twice. A new contract bills the entry fee (waived, a line at zero,
                                    when the contract was signed in the launch window), the technical service fee
                                    of its first year and the franchise fee; a renewal bills its own first year's
                                    technical service fee and franchise fee, no entry fee; an amendment bills
                                    nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractKind
from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError
from portal.models import CooperationMode
from portal.money import round_money

from ..models import BillingSettings, FeePrice, FeeType, Invoice
from .invoices import InvoiceLineSpec, invoice_issue_for

# the fees finance may bill from the price list (value-added services and memberships)
PRICED_ON_DEMAND = [
    FeeType.VAS_ANALYTICS, FeeType.VAS_ADS, FeeType.VAS_STORE_DESIGN, FeeType.VAS_KEYWORDS, FeeType.VAS_SLOT,
    FeeType.MEMBERSHIP_GOLD_MONTH, FeeType.MEMBERSHIP_GOLD_YEAR, FeeType.MEMBERSHIP_PLATINUM_MONTH,
    FeeType.MEMBERSHIP_PLATINUM_YEAR,
]
# what finance sets in the price list
PRICE_LIST_FEES = [FeeType.ENTRY, *PRICED_ON_DEMAND]


def fee_price_in_force(fee_type: str, *, on: dt.date, currency: str | None = None) -> FeePrice | None:
    """The price of `fee_type` in force on `on` (the latest effective on or before it), or None."""
    prices = FeePrice.objects.filter(fee_type=fee_type, effective_from__lte=on)
    if currency:
        prices = prices.filter(currency=currency.upper())
    return prices.order_by("-effective_from", "-id").first()


@transaction.atomic
def fee_price_add(*, fee_type: str, amount: Decimal, currency: str, effective_from: dt.date,
                  actor: Any | None) -> FeePrice:
    """A new price from `effective_from` on; prices already set are never changed (a change is a new row)."""
    if fee_type not in PRICE_LIST_FEES:
        raise ApplicationError(_("This fee is set in the contract, not in the price list."))
    amount = round_money(amount, currency)
    if amount < 0:
        raise ApplicationError(_("A price cannot be negative."))
    if FeePrice.objects.filter(fee_type=fee_type, effective_from=effective_from).exists():
        raise ApplicationError(_("This fee already has a price from %(day)s; choose another day.")
                               % {"day": effective_from.isoformat()})
    price = FeePrice.objects.create(fee_type=fee_type, amount=amount, currency=currency.upper(),
                                    effective_from=effective_from,
                                    created_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit_entry_create(actor=actor, action="billing.fee_price.added", target=price,
                       data={"fee_type": fee_type, "amount": amount, "currency": currency,
                             "effective_from": effective_from})
    return price


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _first_year_text(start: dt.date | None, months: int) -> str:
    """"2026-03-02 – 2027-03-01": the first year of the term (or the whole term when shorter)."""
    if start is None:
        return ""
    return f"{start.isoformat()} – {(_add_months(start, min(months or 12, 12)) - dt.timedelta(days=1)).isoformat()}"


def contract_service_years(contract: Contract) -> list[tuple[int, dt.date, dt.date]]:
    """(n, first day, last day) of each year of the contract's term; the last one may be shorter."""
    if contract.starts_on is None:
        return []
    months = contract.term_months or 12
    end = contract.ends_on or (_add_months(contract.starts_on, months) - dt.timedelta(days=1))
    out, n = [], 1
    while True:
        first = _add_months(contract.starts_on, 12 * (n - 1))
        if first > end:
            return out
        out.append((n, first, min(_add_months(contract.starts_on, 12 * n) - dt.timedelta(days=1), end)))
        n += 1


def contract_fees_bill(*, contract: Contract, actor: Any | None = None) -> list[Invoice]:
    """Invoice the fees `contract` makes due at countersigning (see the module's docstring). Returns the
    invoices (already issued ones included: idempotent)."""
    if contract.kind == ContractKind.AMENDMENT:
        return []
    on = timezone.localdate(contract.countersigned_at) if contract.countersigned_at else timezone.localdate()
    currency = contract.currency.upper()
    invoices = []
    # the descriptions are stored as written: in the operator's language (Chinese), as the fapiao is
    with translation.override("zh-hans"):
        if contract.kind == ContractKind.CONTRACT:
            price = fee_price_in_force(FeeType.ENTRY, on=on, currency=currency)
            if price is not None:
                if contract.launch_offer:
                    line = InvoiceLineSpec(FeeType.ENTRY, _("Entry fee, waived: contract %(number)s signed in the "
                                                            "launch window") % {"number": contract.number},
                                           unit_price=price.amount, waived=True, price=price)
                else:
                    line = InvoiceLineSpec(FeeType.ENTRY, _("Entry fee, contract %(number)s")
                                           % {"number": contract.number}, unit_price=price.amount, price=price)
                invoices.append(invoice_issue_for(merchant=contract.merchant, lines=[line], currency=currency,
                                                  source_key=f"contract:{contract.pk}:entry", contract=contract,
                                                  actor=actor))
        fee = contract.technical_service_fee or Decimal(0)
        if fee > 0:
            term = _first_year_text(contract.starts_on, contract.term_months)
            text = _("Annual technical service fee, contract %(number)s, first year") % {"number": contract.number}
            line = InvoiceLineSpec(FeeType.TECHNICAL_SERVICE, f"{text} ({term})" if term else text, unit_price=fee)
            invoices.append(invoice_issue_for(merchant=contract.merchant, lines=[line], currency=currency,
                                              source_key=f"contract:{contract.pk}:technical_service",
                                              contract=contract, actor=actor))
        fee = contract.franchise_fee or Decimal(0)
        if contract.mode == CooperationMode.FRANCHISE and fee > 0:
            line = InvoiceLineSpec(FeeType.FRANCHISE, _("Franchise fee, contract %(number)s")
                                   % {"number": contract.number}, unit_price=fee)
            invoices.append(invoice_issue_for(merchant=contract.merchant, lines=[line], currency=currency,
                                              source_key=f"contract:{contract.pk}:franchise", contract=contract,
                                              actor=actor))
    return invoices


BILLABLE_STATUSES = ("active", "expiring")


def technical_service_fees_bill_due(*, on: dt.date | None = None) -> list[Invoice]:
    """The daily run: each active contract's annual technical service fee for every year of its term that has
    begun by `on` (the first year is billed at countersigning). Source key "contract:<id>:technical_service:<n>"
    for year n ≥ 2: each year is billed once, whenever the run happens to see it."""
    on = on or timezone.localdate()
    contracts = (Contract.objects.filter(status__in=BILLABLE_STATUSES, technical_service_fee__gt=0,
                                         starts_on__isnull=False, starts_on__lte=_add_months(on, -12))
                 .exclude(kind=ContractKind.AMENDMENT).select_related("merchant"))
    issued = []
    for contract in contracts:
        years = [y for y in contract_service_years(contract) if y[0] >= 2 and y[1] <= on]
        if not years:
            continue
        keys = {f"contract:{contract.pk}:technical_service:{n}" for n, _first, _last in years}
        done = set(Invoice.objects.filter(source_key__in=keys).values_list("source_key", flat=True))
        for n, first, last in years:
            key = f"contract:{contract.pk}:technical_service:{n}"
            if key in done:
                continue
            with translation.override("zh-hans"):
                text = _("Annual technical service fee, contract %(number)s, year %(year)s") % {
                    "number": contract.number, "year": n}
            line = InvoiceLineSpec(FeeType.TECHNICAL_SERVICE, f"{text} ({first.isoformat()} – {last.isoformat()})",
                                   unit_price=contract.technical_service_fee)
            issued.append(invoice_issue_for(merchant=contract.merchant, lines=[line], currency=contract.currency,
                                            source_key=key, contract=contract, due_on=None))
    return issued


def priced_invoice_issue(*, merchant, items: list[tuple[str, Decimal]], actor: Any | None, notes: str = "",
                         currency: str | None = None, on: dt.date | None = None) -> Invoice:
    """Finance bills value-added services or a membership: each (fee type, quantity) at the price in force
    today. A fee without a configured price cannot be billed."""
    on = on or timezone.localdate()
    currency = (currency or BillingSettings.load().currency).upper()
    if not items:
        raise ApplicationError(_("Choose at least one fee to bill."))
    lines = []
    for fee_type, quantity in items:
        if fee_type not in PRICED_ON_DEMAND:
            raise ApplicationError(_("This fee cannot be billed from here."))
        price = fee_price_in_force(fee_type, on=on, currency=currency)
        if price is None:
            raise ApplicationError(_("%(fee)s has no price yet: add one to the price list first.")
                                   % {"fee": FeeType(fee_type).label})
        with translation.override("zh-hans"):
            label = str(FeeType(fee_type).label)
        lines.append(InvoiceLineSpec(fee_type, label, unit_price=price.amount, quantity=Decimal(quantity),
                                     price=price))
    return invoice_issue_for(merchant=merchant, lines=lines, currency=currency, actor=actor, notes=notes)
