"""Small shared pieces of the policy figures: parsing rates by year, formatting percentages and counts,
and the words for each calculator input. Used by the calculator, the descriptions and the admin checks."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.models.policy import CalculatorInput
from portal.money import babel_locale

# The base figure as it reads inside a sentence ("20% of renovation investment").
BASE_NOUNS: dict[str, Promise] = {
    CalculatorInput.ANNUAL_RENT: _("annual rent"),
    CalculatorInput.LOCAL_TAX: _("local tax contribution"),
    CalculatorInput.RENOVATION: _("renovation investment"),
    CalculatorInput.EQUIPMENT: _("equipment investment"),
    CalculatorInput.COLD_CHAIN: _("cold-chain equipment investment"),
    CalculatorInput.ORDERS: _("orders a year"),
    CalculatorInput.TRAINING_FEES: _("training fees"),
    CalculatorInput.ANNUAL_REVENUE: _("annual revenue"),
}

# Inputs that are counts, not money.
COUNT_INPUTS = {CalculatorInput.ORDERS.value}


class YearRatesError(ValueError):
    """The rates-by-year text is not a comma-separated list of percentages between 0 and 100."""


def year_rates_parse(text: str) -> list[Decimal]:
    """'100,50,50' -> [100, 50, 50]. Spaces and full-width commas are accepted; an empty text is []."""
    cleaned = (text or "").replace("，", ",").strip()
    if not cleaned:
        return []
    rates = []
    for part in cleaned.split(","):
        part = part.strip().rstrip("%").strip()
        try:
            value = Decimal(part)
        except InvalidOperation as exc:
            raise YearRatesError(part) from exc
        if not value.is_finite() or value < 0 or value > 100:
            raise YearRatesError(part)
        rates.append(value)
    return rates


def percent_text(rate: Decimal) -> str:
    """Decimal('20.0000') -> '20%', Decimal('12.5') -> '12.5%'."""
    return f"{format(Decimal(rate).normalize(), 'f')}%"


def count_text(value: int | Decimal) -> str:
    """A count in the active language's format: 1200000 -> '1,200,000'."""
    return format_decimal(value, locale=babel_locale())


def base_noun(name: str) -> str:
    noun = BASE_NOUNS.get(name)
    return str(noun) if noun is not None else name


def year_range_text(first: int, last: int) -> str:
    """'year 1' or 'years 2–3' (lower case, for the middle of a sentence)."""
    if first == last:
        return gettext("year %(n)s") % {"n": first}
    return gettext("years %(first)s–%(last)s") % {"first": first, "last": last}


def group_year_rates(rates: list[Decimal]) -> list[tuple[int, int, Decimal]]:
    """Consecutive equal rates grouped: [100, 50, 50] -> [(1, 1, 100), (2, 3, 50)] (years count from 1)."""
    groups: list[tuple[int, int, Decimal]] = []
    for index, rate in enumerate(rates, start=1):
        if groups and groups[-1][2] == rate and groups[-1][1] == index - 1:
            first, _last, same = groups[-1]
            groups[-1] = (first, index, same)
        else:
            groups.append((index, index, rate))
    return groups
