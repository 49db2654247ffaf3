"""The rows the trading platform sends, one pydantic model per kind, and the messages of what is wrong with one.

These models are the one description of a performance row: `services.performance_rows_upsert` validates every
row with them (the API, the file import and the demo all go through it), and the API's OpenAPI schema shows
them. A row is a dict of field name → value; values may be JSON values (the API) or text (a CSV cell; an empty
cell is a missing value), and XLSX cells (numbers, dates) are accepted as they come.

Rules beyond the types: amounts are not negative and have at most the currency's minor-unit places; a refund is
within the amount and has a date; T (`settleable_on`) is not before completion; a satisfaction score is
1.0–5.0. That the merchant and the category exist is checked per batch by the service (one query each).
"""

from __future__ import annotations

import functools
import hashlib
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from babel.numbers import is_currency
from django.conf import settings
from django.utils.translation import gettext
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from portal.money import currency_places

ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2, allow_inf_nan=False)]


# looked up once per currency, not once per row (Babel reads its data each time)
_is_currency = functools.lru_cache(maxsize=64)(is_currency)
_currency_places = functools.lru_cache(maxsize=64)(currency_places)


def _default_currency() -> str:
    return settings.DEFAULT_CURRENCY


class PerformanceRow(BaseModel):
    """What every kind of row has: the platform's id of the row and the merchant's id in the portal."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    external_id: ExternalId = Field(description="The trading platform's own id of the row (unique per kind).")
    merchant: int = Field(ge=1, le=2**63 - 1, description="The merchant's id in the portal.")

    @model_validator(mode="before")
    @classmethod
    def _empty_is_missing(cls, data: Any) -> Any:
        # an empty CSV cell (or an explicit null) means "not given": the field's default, or "required"
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None and value != ""}
        return data

    def digest_parts(self) -> list[str]:
        """The content as text, in a fixed order (everything but the external id)."""
        return [_text(getattr(self, name)) for name in type(self).model_fields if name != "external_id"]

    def digest(self) -> str:
        """32 hex digits of the content: equal content (in any spelling: 12.5 or "12.50") gives equal digests."""
        return hashlib.blake2b("\x1f".join(self.digest_parts()).encode(), digest_size=16).hexdigest()


class OrderLineRow(PerformanceRow):
    category: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(
        description="The category's code in the portal.")
    amount: Amount = Field(description="The line's amount (GMV), as a decimal string such as \"128.00\".")
    currency: Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Za-z]{3}$")] = Field(
        default_factory=_default_currency, description="ISO 4217 code; the portal's default currency if omitted.")
    completed_on: date = Field(description="The day the order was completed.")
    settleable_on: date = Field(description="T: the day the line becomes settleable (past its return window).")
    refund_amount: Amount = Field(default=Decimal(0), description="What was refunded of the amount.")
    refunded_on: date | None = Field(default=None, description="The day of the refund (required with a refund).")
    fulfilled: bool = Field(default=True, description="Whether the order was fulfilled.")
    on_time: bool = Field(default=True, description="Whether it was delivered on time.")

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if not _is_currency(value):
            raise ValueError("unknown_currency")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> OrderLineRow:
        places = _currency_places(self.currency)
        # two places are checked by the field already; only currencies with fewer (JPY: none) need a look
        for name in ("amount", "refund_amount") if places < 2 else ():
            if -getattr(self, name).normalize().as_tuple().exponent > places and getattr(self, name) != 0:
                raise _RowRuleError(name, "too_many_places", places=places)
        if self.refund_amount > self.amount:
            raise _RowRuleError("refund_amount", "refund_above_amount")
        if self.refund_amount > 0 and self.refunded_on is None:
            raise _RowRuleError("refunded_on", "refund_needs_date")
        if self.settleable_on < self.completed_on:
            raise _RowRuleError("settleable_on", "settleable_before_completed")
        return self


class ComplaintRow(PerformanceRow):
    received_on: date = Field(description="The day the complaint was received (it counts on that day).")
    order_external_id: Annotated[str, StringConstraints(max_length=64)] = Field(
        default="", description="The platform's id of the order complained about, if any.")
    reason: Annotated[str, StringConstraints(max_length=200)] = Field(default="", description="Why, in short.")


class SatisfactionRow(PerformanceRow):
    rated_on: date = Field(description="The day of the rating.")
    score: Annotated[Decimal, Field(ge=1, le=5, max_digits=3, decimal_places=2, allow_inf_nan=False)] = Field(
        description="The buyer's rating, 1.0 to 5.0.")
    order_external_id: Annotated[str, StringConstraints(max_length=64)] = Field(
        default="", description="The platform's id of the rated order, if any.")


class _RowRuleError(ValueError):
    """A rule across fields, raised from a model validator: names the field to blame."""

    def __init__(self, field: str, code: str, **params: Any):
        super().__init__(code)
        self.field = field
        self.code = code
        self.params = params


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value.quantize(Decimal("0.01")), "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def row_errors(error: Any) -> list[tuple[str, str, str]]:
    """The (field, code, message) of each problem of a pydantic `ValidationError` of one row."""
    found = []
    for item in error.errors(include_url=False):
        context = item.get("ctx") or {}
        cause = context.get("error")
        if isinstance(cause, _RowRuleError):
            found.append((cause.field, cause.code, _message(cause.code, cause.params)))
            continue
        field = ".".join(str(part) for part in item.get("loc", ())) or "__all__"
        code = str(cause) if isinstance(cause, ValueError) and str(cause) in _MESSAGES else item["type"]
        found.append((field, code, _message(code, context)))
    return found


def _message(code: str, params: dict) -> str:
    template = _MESSAGES.get(code)
    if template is None:
        return gettext("Enter a valid value.")
    text = template()
    try:
        return text % {key: value for key, value in params.items() if isinstance(value, int | str | Decimal)}
    except (KeyError, TypeError, ValueError):
        return text


# pydantic's error types (and ours) → the message shown for the field, in the request's language
_MESSAGES: dict[str, Any] = {
    "missing": lambda: gettext("This field is required."),
    "extra_forbidden": lambda: gettext("This field is not known."),
    "string_type": lambda: gettext("Enter text."),
    "string_too_short": lambda: gettext("This field is required."),
    "string_too_long": lambda: gettext("Enter at most %(max_length)s characters."),
    "string_pattern_mismatch": lambda: gettext("Enter a three-letter currency code such as CNY."),
    "unknown_currency": lambda: gettext("This is not a known currency code."),
    "int_type": lambda: gettext("Enter a whole number."),
    "int_parsing": lambda: gettext("Enter a whole number."),
    "int_from_float": lambda: gettext("Enter a whole number."),
    "greater_than_equal": lambda: gettext("Enter a value of at least %(ge)s."),
    "less_than_equal": lambda: gettext("Enter a value of at most %(le)s."),
    "decimal_type": lambda: gettext("Enter a number."),
    "decimal_parsing": lambda: gettext("Enter a number."),
    "finite_number": lambda: gettext("Enter a number."),
    "decimal_max_digits": lambda: gettext("Enter a number of at most %(max_digits)s digits."),
    "decimal_max_places": lambda: gettext("Enter at most %(decimal_places)s decimal places."),
    "decimal_whole_digits": lambda: gettext("Enter a smaller number."),
    "too_many_places": lambda: gettext("Enter at most %(places)s decimal places for this currency."),
    "date_type": lambda: gettext("Enter a date (YYYY-MM-DD)."),
    "date_parsing": lambda: gettext("Enter a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": lambda: gettext("Enter a date (YYYY-MM-DD)."),
    "date_from_datetime_inexact": lambda: gettext("Enter a date (YYYY-MM-DD)."),
    "bool_type": lambda: gettext("Enter true or false."),
    "bool_parsing": lambda: gettext("Enter true or false."),
    "model_type": lambda: gettext("Each row must be an object of fields."),
    "refund_above_amount": lambda: gettext("The refund cannot exceed the amount."),
    "refund_needs_date": lambda: gettext("A refund needs its date."),
    "settleable_before_completed": lambda: gettext("The settleable day cannot be before the completion day."),
    # the service's checks of a whole batch
    "unknown_merchant": lambda: gettext("No merchant has this id."),
    "unknown_category": lambda: gettext("No category has this code."),
    "duplicate": lambda: gettext("This external id appears more than once in the batch."),
}
