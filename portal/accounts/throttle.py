"""Throttling of the account doors: login lockout (django-axes) and password-reset requests (the cache).

Logins: django-axes counts failures per (address, IP address) and, past `AXES_FAILURE_LIMIT`, refuses that
pair before any password is checked. `lockout_response` turns its refusal into the login form that was
posted (ours, the Wagtail admin's or the Django admin's) carrying the lockout message, answered with 429,
never a bare 403 page.

Password resets: every request counts against its address and its IP address for
`PASSWORD_RESET_LIMIT_WINDOW`, whether or not the address has an account, so the answer tells nobody
whether an account exists.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.forms.forms import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import ngettext

LOCKOUT_STATUS = 429


def login_username(request: HttpRequest, credentials: dict | None) -> str:
    """The address a login attempt is counted under: stripped and lower case, as addresses are stored, so
    "Admin@Example.com " and "admin@example.com" share one count."""
    raw = (credentials or {}).get("username")
    if raw is None:
        raw = request.POST.get("username", "")
    return str(raw).strip().lower()


def _minutes(delta: timedelta) -> int:
    return max(1, round(delta.total_seconds() / 60))


def lockout_message() -> str:
    minutes = _minutes(settings.AXES_COOLOFF_TIME)
    return ngettext(
        "Too many failed log-ins for this account from your network. Logging in is locked for %(minutes)d minute: "
        "try again later, or reset your password.",
        "Too many failed log-ins for this account from your network. Logging in is locked for %(minutes)d "
        "minutes: try again later, or reset your password.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, original_response: HttpResponse | None,
                     credentials: dict | None) -> HttpResponse:
    """axes' lockout answer: the posted login form again, its only error the lockout message (status 429)."""
    message = lockout_message()
    form = None
    if isinstance(original_response, TemplateResponse):
        form = (original_response.context_data or {}).get("form")
    if form is None or not hasattr(form, "_errors"):
        return HttpResponse(message, status=LOCKOUT_STATUS, content_type="text/plain; charset=utf-8")
    form.errors  # noqa: B018 (validates the form, if it was not, so the lockout message replaces its errors)
    form._errors = {NON_FIELD_ERRORS: form.error_class([message], renderer=form.renderer)}
    original_response.content = original_response.rendered_content
    original_response.status_code = LOCKOUT_STATUS
    return original_response


# --- password-reset requests ---------------------------------------------------------------------------------


def _count(key: str, *, window: timedelta) -> int:
    """One more event under `key` in a fixed window that starts with the first event; returns the count."""
    seconds = max(1, int(window.total_seconds()))
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # the window ran out between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1


def password_reset_allowed(*, email: str, ip_address: str | None) -> bool:
    """Count one reset request for `email` and `ip_address`; False once either is over its limit."""
    window = settings.PASSWORD_RESET_LIMIT_WINDOW
    address = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()
    per_email = _count(f"throttle:password-reset:email:{address}", window=window)
    per_ip = _count(f"throttle:password-reset:ip:{ip_address or 'unknown'}", window=window)
    return per_email <= settings.PASSWORD_RESET_LIMIT_PER_EMAIL and per_ip <= settings.PASSWORD_RESET_LIMIT_PER_IP


def password_reset_limited_message() -> str:
    minutes = _minutes(settings.PASSWORD_RESET_LIMIT_WINDOW)
    return ngettext(
        "Too many password-reset requests. Please wait %(minutes)d minute before asking again.",
        "Too many password-reset requests. Please wait %(minutes)d minutes before asking again.",
        minutes,
    ) % {"minutes": minutes}

