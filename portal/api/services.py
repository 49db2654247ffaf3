"""Writes of API tokens: made (the token is returned once and never stored), revoked, and marked as used.

Client tokens (the trading platform) are made by administrators in the Wagtail admin with any scopes; merchant
tokens are read-only and made or revoked by an owner of that merchant. Each change is audited.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.permissions import Capability, require_capability
from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, PermissionDenied
from portal.models import ApiScope, ApiToken, Merchant
from portal.roles import Role, user_has_any_role

TOKEN_PREFIX = "zs"  # noqa: S105  (not a secret: the visible start of every token)
# how stale `last_used_at` may get: it is written at most once a minute per token, not on every request
LAST_USED_STEP = timedelta(minutes=1)
# who makes and revokes the API clients' tokens (superusers hold every role)
TOKEN_ADMIN_ROLES = frozenset({Role.ADMIN.value})
# the most live tokens a merchant may hold
MERCHANT_TOKENS_MAX = 10


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token_new() -> tuple[str, str]:
    prefix = secrets.token_hex(6)
    return prefix, f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def _name_clean(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the token a name."))
    if len(name) > 100:
        raise ApplicationError(_("A token's name has at most 100 characters."))
    return name


@transaction.atomic
def api_client_token_create(*, name: str, scopes: Iterable[str], actor: Any) -> tuple[ApiToken, str]:
    """A token for an API client with `scopes`; returns it with the token text, which is shown only now."""
    if not user_has_any_role(actor, TOKEN_ADMIN_ROLES):
        raise PermissionDenied(_("Only administrators can make API client tokens."))
    chosen = sorted(set(scopes))
    if not chosen:
        raise ApplicationError(_("Choose at least one scope."))
    unknown = [scope for scope in chosen if scope not in ApiScope.values]
    if unknown:
        raise ApplicationError(_("Unknown scope: %(scopes)s.") % {"scopes": ", ".join(unknown)})
    prefix, token = _token_new()
    row = ApiToken.objects.create(name=_name_clean(name), kind=ApiToken.Kind.CLIENT, scopes=chosen, prefix=prefix,
                                  secret_hash=token_hash(token), created_by=actor)
    audit_entry_create(actor=actor, target=row, action="portal.api_token.created",
                       data={"kind": row.kind, "scopes": chosen})
    return row, token


@transaction.atomic
def merchant_token_create(*, merchant: Merchant, name: str, actor: Any) -> tuple[ApiToken, str]:
    """A read-only token of `merchant`, made by one of its owners; returns it with the token text (shown once)."""
    _require_owner(merchant=merchant, actor=actor)
    Merchant.objects.select_for_update().filter(pk=merchant.pk).first()
    if ApiToken.objects.filter(merchant=merchant, revoked_at__isnull=True).count() >= MERCHANT_TOKENS_MAX:
        raise ApplicationError(_("Your organisation already has %(count)s API tokens: revoke one first.")
                               % {"count": MERCHANT_TOKENS_MAX})
    prefix, token = _token_new()
    row = ApiToken.objects.create(name=_name_clean(name), kind=ApiToken.Kind.MERCHANT, merchant=merchant,
                                  scopes=[ApiScope.READ], prefix=prefix, secret_hash=token_hash(token),
                                  created_by=actor)
    audit_entry_create(actor=actor, target=row, action="portal.api_token.created",
                       data={"kind": row.kind, "merchant": merchant.pk, "scopes": row.scopes})
    return row, token


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Any) -> ApiToken:
    """Revoke `token` (staff for client tokens; an owner of the merchant for a merchant token). Revoking a
    revoked token changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.kind == ApiToken.Kind.MERCHANT:
        _require_owner(merchant=token.merchant, actor=actor)
    elif not user_has_any_role(actor, TOKEN_ADMIN_ROLES):
        raise PermissionDenied(_("Only administrators can revoke API client tokens."))
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit_entry_create(actor=actor, target=token, action="portal.api_token.revoked", data={"kind": token.kind})
    return token


def api_token_used(*, token: ApiToken, now=None) -> None:
    """Note that `token` was used (at most once per `LAST_USED_STEP`, so a busy client costs no write per call)."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_STEP:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def _require_owner(*, merchant: Merchant, actor: Any) -> None:
    require_capability(user=actor, merchant_id=merchant.pk, capability=Capability.MANAGE_API_TOKENS)
