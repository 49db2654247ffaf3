"""A shorter route to a page: one lookup by URL path instead of one query per path segment.

Wagtail walks the tree from the site root, two queries per segment (the child, then its specific row).
For pages that keep Wagtail's plain `route()` (every page type of this site), the page at a URL is
simply the live page whose `url_path` is the language's root path plus the request path, so it is found
in one query (plus its specific row). Anything else (no such page, a draft, a page type that routes on
its own) is left to Wagtail's normal routing, unchanged.
"""

from __future__ import annotations

from django.utils import translation
from wagtail.models import Page, Site
from wagtail.url_routing import RouteResult


def language_root_path(request) -> str | None:
    """The URL path of the active language's home page on the request's site (Wagtail caches these)."""
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        return None
    language = translation.get_language()
    return next((root.root_path for root in Site.get_site_root_paths()
                 if root.site_id == site.pk and root.language_code == language), None)


def page_route_prime(*, request, path: str) -> None:
    """Store the route for `path` on the request where the short lookup applies; Wagtail's serve uses it."""
    if hasattr(request, "_wagtail_route_for_request"):
        return
    root_path = language_root_path(request)
    if root_path is None:
        return
    page = Page.objects.filter(url_path=root_path + path, live=True).first()
    if page is None:
        return
    page = page.specific
    if type(page).route is not Page.route:
        return
    request._wagtail_route_for_request = RouteResult(page)
