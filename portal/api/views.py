"""The endpoints of /api/v1/. Each one authenticates (a scope), scopes the merchant, calls one service or selector
and shapes the answer. A merchant token reads only its own merchant: naming another merchant, or another merchant's
statement, answers 404 as for one that does not exist."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import HttpError

from portal.models import ApiScope, ApiToken, DataSource, Merchant, PerformanceRowVersion
from portal.performance.selectors import order_lines_page
from portal.performance.services import UpsertResult, performance_rows_upsert
from portal.ratings.selectors import rating_current

from . import schemas, selectors
from .auth import TokenAuth
from .throttling import READ_THROTTLE, WRITE_THROTTLE

Kind = PerformanceRowVersion.Kind
router = Router()

_NOT_FOUND = {404: schemas.ErrorOut}
_WRITE_ERRORS = {401: schemas.ErrorOut, 403: schemas.ErrorOut, 422: schemas.ErrorOut, 429: schemas.ErrorOut}
_READ_ERRORS = {401: schemas.ErrorOut, 403: schemas.ErrorOut, 404: schemas.ErrorOut, 422: schemas.ErrorOut,
                429: schemas.ErrorOut}


def _upsert(request: HttpRequest, kind: str, rows: list) -> dict:
    token: ApiToken = request.auth
    result: UpsertResult = performance_rows_upsert(
        kind=kind, rows=rows, source=DataSource.API,
        audit_data={"api_token": token.pk, "api_token_name": token.name})
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
            "rejected": result.rejected, "errors": result.errors}


@router.post("/order-lines", response={200: schemas.UpsertOut, **_WRITE_ERRORS}, tags=["performance data"],
             auth=TokenAuth(ApiScope.ORDERS_WRITE), throttle=WRITE_THROTTLE,
             summary="Create or update order lines")
def order_lines_upsert(request: HttpRequest, payload: schemas.OrderLinesIn):
    """Up to 10,000 order lines by their external id: a line sent again unchanged changes nothing; a changed line
    is updated and its version raised. Each bad row is listed in `errors` and left out; the others are saved."""
    return _upsert(request, Kind.ORDER_LINE, payload.rows)


@router.post("/complaints", response={200: schemas.UpsertOut, **_WRITE_ERRORS}, tags=["performance data"],
             auth=TokenAuth(ApiScope.COMPLAINTS_WRITE), throttle=WRITE_THROTTLE,
             summary="Create or update complaints")
def complaints_upsert(request: HttpRequest, payload: schemas.ComplaintsIn):
    """Up to 10,000 complaints, as for order lines."""
    return _upsert(request, Kind.COMPLAINT, payload.rows)


@router.post("/satisfaction-ratings", response={200: schemas.UpsertOut, **_WRITE_ERRORS},
             tags=["performance data"], auth=TokenAuth(ApiScope.RATINGS_WRITE), throttle=WRITE_THROTTLE,
             summary="Create or update satisfaction ratings")
def satisfaction_ratings_upsert(request: HttpRequest, payload: schemas.SatisfactionRatingsIn):
    """Up to 10,000 buyer satisfaction ratings (1.0–5.0), as for order lines."""
    return _upsert(request, Kind.SATISFACTION, payload.rows)


def _merchant_id(request: HttpRequest, merchant: int | None) -> int:
    """The merchant a read is about: a merchant token's own (naming another is 404), or the one a client names."""
    token: ApiToken = request.auth
    if token.kind == ApiToken.Kind.MERCHANT:
        if merchant is not None and merchant != token.merchant_id:
            raise HttpError(404, _("No such merchant."))
        return token.merchant_id
    if merchant is None:
        raise HttpError(422, _("Name the merchant (the merchant parameter)."))
    if not Merchant.objects.filter(pk=merchant).exists():
        raise HttpError(404, _("No such merchant."))
    return merchant


class _MerchantFilter(schemas.Schema):
    merchant: int | None = schemas.Field(None, ge=1, le=2**63 - 1,
                                         description="The merchant (client tokens; a merchant token reads its own).")


class _OrderLineFilter(_MerchantFilter):
    settleable_from: dt.date | None = None
    settleable_to: dt.date | None = None
    after: str | None = schemas.Field(None, max_length=64, description="`next_after` of the page before.")
    limit: int = schemas.Field(500, ge=1, le=1000)


@router.get("/merchants", response={200: list[schemas.MerchantOut], **_READ_ERRORS}, tags=["reads"],
            auth=TokenAuth(ApiScope.READ), throttle=READ_THROTTLE,
            summary="Merchants (a merchant token: its own)")
def merchants_list(request: HttpRequest):
    """The merchants and their portal ids, which rows name in `merchant`. A merchant token gets only its own."""
    token: ApiToken = request.auth
    return selectors.api_merchants(merchant_id=token.merchant_id if token.kind == ApiToken.Kind.MERCHANT else None)


@router.get("/order-lines", response={200: schemas.OrderLinePage, **_READ_ERRORS}, tags=["reads"],
            auth=TokenAuth(ApiScope.READ), throttle=READ_THROTTLE, summary="A merchant's order lines")
def order_lines_list(request: HttpRequest, filters: Query[_OrderLineFilter]):
    merchant_id = _merchant_id(request, filters.merchant)
    items, next_after = order_lines_page(merchant_id=merchant_id, settleable_from=filters.settleable_from,
                                         settleable_to=filters.settleable_to, after=filters.after,
                                         limit=filters.limit)
    return {"items": items, "next_after": next_after}


@router.get("/rating", response={200: schemas.RatingOut, **_READ_ERRORS}, tags=["reads"],
            auth=TokenAuth(ApiScope.READ), throttle=READ_THROTTLE,
            summary="A merchant's current credit rating with its breakdown")
def rating_read(request: HttpRequest, filters: Query[_MerchantFilter]):
    merchant_id = _merchant_id(request, filters.merchant)
    rating = rating_current(merchant=Merchant(pk=merchant_id))
    if rating is None:
        raise HttpError(404, _("This merchant has no rating yet."))
    return {"merchant": merchant_id, "as_of": rating.as_of, "window_start": rating.window_start,
            "window_end": rating.window_end, "order_count": rating.order_count, "rated": rating.rated,
            "score": rating.score, "grade": rating.grade, "dimensions": rating.breakdown}


@router.get("/statements", response={200: list[schemas.StatementOut], **_READ_ERRORS}, tags=["reads"],
            auth=TokenAuth(ApiScope.READ), throttle=READ_THROTTLE,
            summary="A merchant's statements, newest first")
def statements_list(request: HttpRequest, filters: Query[_MerchantFilter]):
    """Issued statements only (a draft is not the merchant's yet)."""
    return selectors.api_statements(merchant_id=_merchant_id(request, filters.merchant))


@router.get("/statements/{statement_id}", response={200: schemas.StatementDetailOut, **_READ_ERRORS},
            tags=["reads"], auth=TokenAuth(ApiScope.READ), throttle=READ_THROTTLE,
            summary="One statement with its lines")
def statement_read(request: HttpRequest, statement_id: int):
    token: ApiToken = request.auth
    own = token.merchant_id if token.kind == ApiToken.Kind.MERCHANT else None
    statement = selectors.api_statement(statement_id=statement_id, merchant_id=own)
    if statement is None:
        raise HttpError(404, _("No such statement."))
    return statement
