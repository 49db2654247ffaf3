"""Money helpers: amounts are Decimal with an ISO 4217 currency beside them.

One rounding rule (half-up to the currency's minor unit) and one formatter (Babel, per UI language).
Minor units (integers) exist only at the Stripe boundary, through `to_minor_units`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_currency, get_currency_precision
from django.conf import settings
from django.utils import translation

from .exceptions import ApplicationError, CurrencyMismatch

# Django language code -> Babel locale used for number formats.
BABEL_LOCALES = {"zh-hans": "zh_Hans_CN", "en": "en_US"}

# Symbols that differ from Babel's for a UI language. Our operator's currency is the yuan, so English shows
# "¥" for it as Chinese does (Babel's en_US says "CN¥"); the yen then needs "JP¥" to stay distinct, again
# as in Chinese. Every other currency keeps Babel's symbol.
CURRENCY_SYMBOLS = {"en": {"CNY": "¥", "JPY": "JP¥"}}


def currency_places(currency: str) -> int:
    return get_currency_precision(currency.upper())


def round_money(amount: Decimal | int | str, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit (CNY: fen). The only rounding rule for money."""
    if isinstance(amount, float):
        raise TypeError("money must not be a float")
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError) as exc:
        raise ApplicationError(f"not an amount: {amount!r}") from exc
    quantum = Decimal(1).scaleb(-currency_places(currency))
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """For payment gateways only: ¥12.34 -> 1234; ¥1 in a zero-decimal currency -> 1."""
    return int(round_money(amount, currency).scaleb(currency_places(currency)))


@functools.cache
def _babel_locale_for(language: str) -> Locale:
    """Parsed once per process: Babel would otherwise parse the locale name on every amount."""
    return Locale.parse(BABEL_LOCALES.get(language, BABEL_LOCALES.get(language.split("-")[0], "en_US")))


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale for a Django language code (default: the active language)."""
    return _babel_locale_for((language or translation.get_language() or settings.LANGUAGE_CODE).lower())


def format_money(amount: Decimal | int | str, currency: str, language: str | None = None) -> str:
    if not currency:
        raise CurrencyMismatch("an amount must be shown with its currency")
    value = round_money(amount, currency)
    code = currency.upper()
    locale = babel_locale(language)
    symbol = CURRENCY_SYMBOLS.get(locale.language, {}).get(code)
    if symbol is None:
        text = format_currency(value, code, locale=locale)
    else:
        # the locale's own pattern with the symbol as a quoted literal: separators, sign and digits stay Babel's
        pattern = locale.currency_formats["standard"].pattern.replace("¤", f"'{symbol}'")
        text = format_currency(value, code, format=pattern, locale=locale, currency_digits=True)
    # a negative amount shows the minus sign (U+2212), as the pages' deducted lines ("−¥50.00") do, not a hyphen
    return text.replace("-", "\u2212", 1) if value < 0 else text


@dataclass(frozen=True)
class Money:
    """An amount and its currency. Adding two currencies raises; amounts are kept unrounded until shown."""

    amount: Decimal
    currency: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.amount, float):
            raise TypeError("money must not be a float")
        object.__setattr__(self, "amount", Decimal(self.amount))
        object.__setattr__(self, "currency", (self.currency or settings.DEFAULT_CURRENCY).upper())

    def _check(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise TypeError("multiply money by a Decimal, not a float")
        return Money(self.amount * Decimal(factor), self.currency)

    def min(self, other: Money) -> Money:
        self._check(other)
        return self if self.amount <= other.amount else other

    def rounded(self) -> Money:
        return Money(round_money(self.amount, self.currency), self.currency)

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)

    @classmethod
    def zero(cls, currency: str = "") -> Money:
        return cls(Decimal(0), currency)
