"""The API's request and response bodies. A batch's rows are typed loosely on purpose (any JSON values), so that a
bad row gets its own errors from `performance_rows_upsert` instead of failing the whole request; the schema
still shows each row's fields (the row models of `portal.performance.rows`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field, WithJsonSchema

from portal.performance.rows import ComplaintRow, OrderLineRow, PerformanceRow, SatisfactionRow
from portal.performance.services import BATCH_SIZE


def _rows(model: type[PerformanceRow]) -> Any:
    schema = model.model_json_schema()
    schema.pop("title", None)
    return Annotated[list[Any], Field(min_length=1, max_length=BATCH_SIZE),
                     WithJsonSchema({"type": "array", "minItems": 1, "maxItems": BATCH_SIZE, "items": schema})]


class OrderLinesIn(Schema):
    rows: _rows(OrderLineRow)  # type: ignore[valid-type]


class ComplaintsIn(Schema):
    rows: _rows(ComplaintRow)  # type: ignore[valid-type]


class SatisfactionRatingsIn(Schema):
    rows: _rows(SatisfactionRow)  # type: ignore[valid-type]


class RowErrorOut(Schema):
    index: int = Field(description="The row's place in the batch, from 0.")
    external_id: str
    field: str = Field(description="The field at fault, or __all__ for the row as a whole.")
    code: str = Field(description="A stable word for programs, such as missing or unknown_merchant.")
    message: str = Field(description="The message for people, in the language of Accept-Language.")


class UpsertOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: int = Field(description="Rows left out because of their errors.")
    errors: list[RowErrorOut]


class MerchantOut(Schema):
    id: int
    name: str
    status: str
    grade: str


class OrderLineOut(Schema):
    external_id: str
    merchant: int = Field(validation_alias="merchant_id")
    category: str = Field(validation_alias="category__code")
    amount: Decimal
    currency: str
    completed_on: dt.date
    settleable_on: dt.date
    refund_amount: Decimal
    refunded_on: dt.date | None
    fulfilled: bool
    on_time: bool
    version: int
    updated_at: dt.datetime


class OrderLinePage(Schema):
    items: list[OrderLineOut]
    next_after: str | None = Field(description="Pass as `after` for the next page; null on the last page.")


class DimensionOut(Schema):
    dimension: str
    rate: Decimal | None = Field(description="The dimension's rate in the window, in percent (satisfaction: 1–5).")
    points: Decimal | None
    weight: Decimal


class RatingOut(Schema):
    merchant: int
    as_of: dt.date
    window_start: dt.date
    window_end: dt.date
    order_count: int
    rated: bool = Field(description="False below the minimum of orders (N/R, treated as grade C).")
    score: Decimal | None
    grade: str
    dimensions: list[DimensionOut]


class StatementOut(Schema):
    id: int
    number: str
    merchant: int = Field(validation_alias="merchant_id")
    period_start: dt.date
    period_end: dt.date
    currency: str
    status: str
    order_count: int
    gmv: Decimal
    refunds: Decimal
    commission: Decimal
    subsidies: Decimal
    fees: Decimal
    deductions: Decimal
    frozen: Decimal
    released: Decimal
    carried_in: Decimal
    net_payable: Decimal
    carried_forward: Decimal
    payout_due_on: dt.date
    respond_by: dt.datetime | None
    issued_at: dt.datetime | None


class StatementLineOut(Schema):
    kind: str
    order: str | None = Field(validation_alias="order_line__external_id")
    order_version: int | None
    category: str | None = Field(validation_alias="category__code")
    day: dt.date | None
    gmv: Decimal
    refund: Decimal
    commission_rate: Decimal | None
    commission: Decimal
    amount: Decimal
    description: str


class StatementDetailOut(StatementOut):
    lines: list[StatementLineOut]


class ErrorOut(Schema):
    detail: str
