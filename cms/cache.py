"""The public page cache: anonymous GETs of site pages are served from Django's cache.

A response is stored per full URL (with its query string) and active language, under a generation
token; invalidation replaces the token, so every stored page goes stale at once without touching the
rest of the cache. Nothing is cached or served from the cache for a request that carries a session
(logged-in users, visitors who passed a password restriction), for anything but GET, for previews,
for responses other than 200 and for responses that set a cookie. `PAGE_CACHE_SECONDS = 0` turns it off.

With the local-memory cache each process keeps its own copy and invalidation reaches only the process
that saw the change; several processes need a shared cache (`CACHE_URL`, e.g. Redis).
"""

from __future__ import annotations

import hashlib
import uuid
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.utils import translation

GENERATION_KEY = "cms:page-cache:generation"
NAV_FRAGMENT = "site_nav"
HIT_HEADER = "X-Page-Cache"


def _generation() -> str:
    token = cache.get(GENERATION_KEY)
    if token is None:
        token = uuid.uuid4().hex
        # add() so that two processes starting at once agree on one token
        if not cache.add(GENERATION_KEY, token, timeout=None):
            token = cache.get(GENERATION_KEY) or token
    return token


def page_cache_key(request) -> str:
    url = request.build_absolute_uri()
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
    return f"cms:page:{_generation()}:{translation.get_language()}:{digest}"


def page_cache_clear() -> None:
    """Make every cached page (and the cached navigation) stale. Safe to call at any time."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    cache.delete_many([make_template_fragment_key(NAV_FRAGMENT, [code]) for code, _name in settings.LANGUAGES])


def _cacheable_request(request) -> bool:
    if settings.PAGE_CACHE_SECONDS <= 0 or request.method != "GET":
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        # a session may mean a logged-in user or a passed view restriction: never share their pages
        return False
    return not getattr(request, "is_preview", False)


def _cacheable_response(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not getattr(request, "is_preview", False)
        and not response.has_header("Cache-Control")
    )


def page_cache(view):
    """Decorate the page-serving view with the public page cache described above."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = page_cache_key(request)
        response = cache.get(key)
        if response is not None:
            response[HIT_HEADER] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
            response.render()
        if _cacheable_response(request, response):
            cache.set(key, response, timeout=settings.PAGE_CACHE_SECONDS)
            response[HIT_HEADER] = "miss"
        return response

    return wrapper
