"""Bearer-token authentication of the API with scopes. `TokenAuth(scope)` lets a request through when its token
is live and has `scope`; the token is then `request.auth`. No token, an unknown or a revoked one: 401; a token
without the scope: 403. One indexed query per request (and a write at most once a minute per token)."""

from __future__ import annotations

import hmac

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer

from portal.models import ApiToken

from .services import TOKEN_PREFIX, api_token_used, token_hash


def token_find(token: str) -> ApiToken | None:
    """The live token `token` names, or None."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or len(parts[1]) > 16:
        return None
    row = ApiToken.objects.filter(prefix=parts[1], revoked_at__isnull=True).select_related("merchant").first()
    if row is None or not hmac.compare_digest(row.secret_hash, token_hash(token.strip())):
        return None
    return row


class TokenAuth(HttpBearer):
    def __init__(self, scope: str):
        self.scope = scope
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        row = token_find(token)
        if row is None:
            return None
        if self.scope not in row.scopes:
            raise HttpError(403, _("This token does not have the scope %(scope)s.") % {"scope": self.scope})
        api_token_used(token=row)
        return row
