"""A shorter route to a page: the specific page in one query instead of two per path segment.

Wagtail walks the tree from the site root, two queries per segment (the child, then its specific row),
then asks for the view restrictions and, in the layout, for the page's translations. For pages that keep
Wagtail's plain `route()` (every page type of this site), the page at a URL is simply the live page whose
`url_path` is the language's root path plus the request path. It is read from its own table in one query
that also says whether a view restriction applies and where its live translations are. Anything else
(no such page, a draft, a page type that routes on its own) is left to Wagtail's normal routing, unchanged.

The site of a request is read once and then kept in Django's cache, like Wagtail's own site root paths,
and dropped when a site is saved or deleted (`sites_cache_clear`). As with the page cache, with the
local-memory cache that reaches only the process that saw the change; the others read the site again
within SITES_CACHE_SECONDS, or at once with a shared cache (`CACHE_URL`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Length, Substr
from django.http.request import split_domain_port
from django.utils import translation
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.url_routing import RouteResult

from portal.db import CompiledQuery, instance_from_values

SITES_CACHE_KEY = "cms:sites-by-host"
SITES_CACHE_SECONDS = 3600
# host names are checked against ALLOWED_HOSTS before a view runs; this only bounds the mapping
SITES_CACHE_MAX = 64
ROUTE_HINTS_MAX = 5000

# url_path -> the page class last found there. Only a hint of which table to read: the query on that
# table checks the path, liveness and content type, and anything unexpected falls back to the full lookup.
_route_hints: dict[str, type[Page]] = {}
_page_queries: dict[type[Page], CompiledQuery] = {}


def site_for_request(request) -> Site | None:
    """Wagtail's `Site.find_for_request`, with the answer for each host and port kept in Django's cache."""
    if request is None:
        return None
    if hasattr(request, "_wagtail_site"):
        return request._wagtail_site
    key = (split_domain_port(request._get_raw_host())[0], request.get_port())
    known = cache.get(SITES_CACHE_KEY) or {}
    site = known.get(key)
    if site is None:
        site = Site.find_for_request(request)
        if site is not None and len(known) < SITES_CACHE_MAX:
            stored = Site(**{field.attname: getattr(site, field.attname) for field in Site._meta.concrete_fields})
            stored._state.adding = False
            stored._state.db = site._state.db
            cache.set(SITES_CACHE_KEY, {**known, key: stored}, timeout=SITES_CACHE_SECONDS)
        return site
    request._wagtail_site = site
    return site


def sites_cache_clear() -> None:
    cache.delete(SITES_CACHE_KEY)


def language_root_path(request) -> str | None:
    """The URL path of the active language's home page on the request's site (Wagtail caches these)."""
    site = site_for_request(request)
    if site is None:
        return None
    language = translation.get_language()
    return next((root.root_path for root in Site.get_site_root_paths()
                 if root.site_id == site.pk and root.language_code == language), None)


def _restrictions_apply():
    """True when a view restriction sits on the outer page or an ancestor (for an alias: on its source).

    The same rule as `SitePage.get_view_restrictions`: a restriction applies when the path of its page
    (or of an alias of its page) is a prefix of the outer page's path.
    """
    # two EXISTS, each starting from the (usually tiny) restrictions table
    on_page_or_ancestor = PageViewRestriction.objects.filter(
        page__alias_of__isnull=True, page__path=Substr(OuterRef("path"), 1, Length("page__path"))
    )
    on_source_of_alias_ancestor = PageViewRestriction.objects.filter(
        page__aliases__path=Substr(OuterRef("path"), 1, Length("page__aliases__path"))
    )
    return Exists(on_page_or_ancestor) | Exists(on_source_of_alias_ancestor)


def _page_fields(model: type[Page]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _content_languages() -> list[str]:
    return [code for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES]


def _page_queryset(model: type[Page], url_path: str):
    """The live page of `model` at `url_path`, annotated with whether a view restriction applies and the URL
    paths of its live translations (`_translation_path_<n>`, one per content language, None where there is none)."""
    translations = {
        f"_translation_path_{index}": Subquery(
            Page.objects.filter(translation_key=OuterRef("translation_key"), locale__language_code=code, live=True)
            .order_by()
            .values("url_path")[:1]
        )
        for index, code in enumerate(_content_languages())
    }
    return (
        model.objects.filter(url_path=url_path, live=True)
        .annotate(_view_restricted=_restrictions_apply(), **translations)
        .order_by()
    )


def _page_query(model: type[Page]) -> CompiledQuery:
    """`_page_queryset` as a compiled query of the page's columns and the annotations, in that order."""
    query = _page_queries.get(model)
    if query is None:
        fields = _page_fields(model)
        translations = [f"_translation_path_{index}" for index in range(len(_content_languages()))]

        def build(url_path: str):
            return _page_queryset(model, url_path).values_list(*fields, "_view_restricted", *translations)[:1]

        query = _page_queries[model] = CompiledQuery(build)
    return query


def _specific_page(model: type[Page], url_path: str) -> Page | None:
    languages = _content_languages()
    if settings.DATABASE_COMPILED_QUERIES:
        rows = _page_query(model).rows(url_path=url_path)
        if not rows:
            return None
        fields = _page_fields(model)
        row = rows[0]
        page = instance_from_values(model, fields, row[: len(fields)])
        restricted, *translation_paths = row[len(fields):]
    else:
        page = next(iter(_page_queryset(model, url_path)[:1]), None)
        if page is None:
            return None
        restricted = page._view_restricted
        translation_paths = [getattr(page, f"_translation_path_{index}") for index in range(len(languages))]
    if page.content_type_id != ContentType.objects.get_for_model(model).pk:
        return None
    page._view_restricted = bool(restricted)
    page.live_translation_paths = dict(zip(languages, translation_paths, strict=True))
    return page


def live_page_at(url_path: str) -> Page | None:
    """The live page at `url_path` as its specific class, in one query when its class is known."""
    model = _route_hints.get(url_path)
    if model is not None:
        page = _specific_page(model, url_path)
        if page is not None:
            return page
        _route_hints.pop(url_path, None)
    content_type_id = (
        Page.objects.filter(url_path=url_path, live=True).values_list("content_type_id", flat=True).first()
    )
    if content_type_id is None:
        return None
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    if model is None or not issubclass(model, Page):
        return None
    page = _specific_page(model, url_path)
    if page is not None and len(_route_hints) < ROUTE_HINTS_MAX:
        _route_hints[url_path] = model
    return page


class PagePath:
    """A live page known only by its URL path, to link to it without reading it.

    Wagtail builds a page's URL from its `url_path` and the site root paths alone; these are Wagtail's own
    methods, so the URL is exactly the one `Page.get_url` gives.
    """

    def __init__(self, url_path: str):
        self.url_path = url_path

    _get_site_root_paths = Page._get_site_root_paths
    _get_relevant_site_root_paths = Page._get_relevant_site_root_paths
    get_url_parts = Page.get_url_parts
    get_url = Page.get_url


def page_route_prime(*, request, path: str) -> None:
    """Store the route for `path` on the request where the short lookup applies; Wagtail's serve uses it."""
    if hasattr(request, "_wagtail_route_for_request"):
        return
    root_path = language_root_path(request)
    if root_path is None:
        return
    page = live_page_at(root_path + path)
    if page is None or type(page).route is not Page.route:
        return
    request._wagtail_route_for_request = RouteResult(page)
