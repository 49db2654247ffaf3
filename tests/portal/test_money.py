from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from portal.exceptions import CurrencyMismatch
from portal.money import Money, format_money, round_money, to_minor_units


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1.005", "CNY", Decimal("1.01")),
        ("1.004", "CNY", Decimal("1.00")),
        ("-1.005", "CNY", Decimal("-1.01")),
        ("2.5", "JPY", Decimal("3")),
    ],
)
def test_round_money_is_half_up_to_the_minor_unit(amount, currency, expected):
    assert round_money(amount, currency) == expected


def test_round_money_refuses_floats():
    with pytest.raises(TypeError):
        round_money(1.1, "CNY")


def test_minor_units_for_gateways():
    assert to_minor_units(Decimal("12.345"), "CNY") == 1235
    assert to_minor_units(Decimal("500"), "JPY") == 500


def test_money_refuses_to_add_two_currencies():
    with pytest.raises(CurrencyMismatch):
        Money(Decimal("1"), "CNY") + Money(Decimal("1"), "USD")
    assert (Money(Decimal("1.10"), "CNY") + Money(Decimal("2.20"), "CNY")).amount == Decimal("3.30")


def test_format_money_per_language():
    assert format_money(Decimal("1234567.5"), "CNY", "zh-hans") == "¥1,234,567.50"
    assert format_money(Decimal("1234567.5"), "CNY", "en") == "¥1,234,567.50"


@pytest.mark.parametrize(("amount", "currency", "language", "expected"), [
    ("-1234.5", "CNY", "en", "\u2212¥1,234.50"),  # the minus sign, not a hyphen
    ("0.5", "CNY", "en", "¥0.50"),
    ("1234", "JPY", "en", "JP¥1,234"),
    ("1234", "JPY", "zh-hans", "JP¥1,234"),
    ("-1234.5", "USD", "en", "\u2212$1,234.50"),
    ("1234.5", "USD", "zh-hans", "US$1,234.50"),
    ("1234.5", "EUR", "en", "€1,234.50"),
])
def test_format_money_shows_the_yuan_as_yen_sign_and_keeps_other_currencies(amount, currency, language, expected):
    assert format_money(Decimal(amount), currency, language) == expected


def test_money_filter_needs_a_currency():
    template = Template("{% load money %}{{ amount|money:currency }}")
    with translation.override("en"):
        assert template.render(Context({"amount": Decimal("20000"), "currency": "CNY"})) == "¥20,000.00"
    with pytest.raises(CurrencyMismatch):
        template.render(Context({"amount": Decimal("1"), "currency": ""}))
