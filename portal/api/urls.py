"""The API's URLs: /api/v1/… (the endpoints), /api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI, served from
the portal's own static files).

django-ninja rather than Django REST framework: both come with Wagtail, but ninja validates with pydantic v2
(its core is compiled, fast enough for 10,000-row batches; the same row models serve the service's validation)
and builds the OpenAPI schema and the docs page from the type hints with no extra package."""

from __future__ import annotations

import json
import math
from decimal import Decimal

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, Throttled, ValidationError
from ninja.parser import Parser

from portal.exceptions import ApplicationError

from .views import router


class _DecimalParser(Parser):
    """JSON numbers in a body are read as Decimal: an amount of 0.1 stays exactly 0.1, never a float."""

    def parse_body(self, request: HttpRequest):
        return json.loads(request.body, parse_float=Decimal)


api = NinjaAPI(
    title="Merchant portal API",
    version="1",
    description=(
        "Performance data from the trading platform (order lines, complaints, satisfaction ratings) and reads of "
        "a merchant's own data. Authenticate with `Authorization: Bearer <token>`: client tokens are made by staff "
        "in the admin with scopes (`orders:write`, `complaints:write`, `ratings:write`, `read`); a merchant's "
        "owner makes read-only tokens for their own merchant in the portal. Each token has a rate limit per minute "
        "for writes and for reads (by default 1,200 and 600 requests); beyond it the answer is 429 with "
        "`Retry-After` in seconds."),
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url="/docs/",
    parser=_DecimalParser(),
)
api.add_router("/v1/", router)


def _error(request: HttpRequest, message: str, status: int):
    return api.create_response(request, {"detail": message}, status=status)


@api.exception_handler(ApplicationError)
def _application_error(request, error: ApplicationError):
    return _error(request, error.message, 400)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, error):
    return _error(request, _("Send a valid API token: Authorization: Bearer <token>."), 401)


@api.exception_handler(Throttled)
def _throttled(request, error: Throttled):
    wait = math.ceil(error.wait or 1)
    response = _error(request, _("Too many requests for this token: try again in %(seconds)s seconds.")
                      % {"seconds": wait}, 429)
    response["Retry-After"] = str(wait)
    return response


@api.exception_handler(RequestDataTooBig)
def _too_big(request, error):
    return _error(request, _("The request is too large: send at most 10,000 rows at a time."), 413)


@api.exception_handler(ValidationError)
def _invalid(request, error: ValidationError):
    errors = [{"loc": list(item.get("loc", ())), "type": str(item.get("type", "")), "msg": str(item.get("msg", ""))}
              for item in error.errors]
    return api.create_response(request, {"detail": _("The request is not valid."), "errors": errors}, status=422)
