"""Access to the merchant area.

`verified_merchant_required` (function views) and `VerifiedMerchantRequiredMixin` (class-based views) let a
request through only for a signed-in user with a verified email who belongs to an organisation, and set
`request.merchant` (the organisation they work in: the one chosen in this session, else their first) and
`request.membership` (their membership of it, for the role). Views then scope every query to
`request.merchant`, so another organisation's rows are never reachable.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from portal.models import MerchantMembership

from .selectors import membership_current_for_user

SESSION_MERCHANT_KEY = "portal.merchant_id"


def membership_for_request(request: HttpRequest) -> MerchantMembership | None:
    """The membership the signed-in user works in during this session (None without one)."""
    return membership_current_for_user(user=request.user, merchant_id=request.session.get(SESSION_MERCHANT_KEY))


def merchant_choose(request: HttpRequest, membership: MerchantMembership) -> None:
    """Remember which of the user's organisations this session works in."""
    request.session[SESSION_MERCHANT_KEY] = membership.merchant_id


def _refusal(request: HttpRequest):
    """The redirect for a request that may not enter the merchant area, or None if it may (and then
    `request.merchant` and `request.membership` are set)."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url="accounts:login")
    if user.email_verified_at is None:
        messages.warning(request, _("Please confirm your email address first: open the link we emailed you."))
        return redirect("accounts:verification_pending")
    membership = membership_for_request(request)
    if membership is None:
        messages.warning(request, _("Your account does not belong to any organisation. "
                                    "Ask the owner of your organisation to invite you."))
        return redirect("portal:home")
    request.membership = membership
    request.merchant = membership.merchant
    return None


def verified_merchant_required(view_func):
    """Login required + email verified + member of an organisation; sets `request.merchant`."""

    @wraps(view_func)
    def _wrapped(request: HttpRequest, *args, **kwargs):
        refusal = _refusal(request)
        if refusal is not None:
            return refusal
        return view_func(request, *args, **kwargs)

    return _wrapped


class VerifiedMerchantRequiredMixin:
    """The class-based form of `verified_merchant_required`; put it first among the bases."""

    def dispatch(self, request, *args, **kwargs):
        refusal = _refusal(request)
        if refusal is not None:
            return refusal
        return super().dispatch(request, *args, **kwargs)
