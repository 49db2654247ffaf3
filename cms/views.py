"""Views of the public site that are not pages: the page route (behind the page cache), search, sitemap."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET
from wagtail import views as wagtail_views
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap
from wagtail.models import Locale

from .cache import page_cache
from .routing import page_route_prime, site_for_request
from .search import pages_search, search_query_clean
from .sitemap import AllLocalesSitemap, site_tree

# Wagtail's page pattern, leaving its own "_util/" views (password restrictions, front-end login) to it.
PAGE_PATTERN = r"^(?!_util/)((?:[\w\-]+/)*)$"
SEARCH_PAGE_SIZE = 10
SEARCH_QUERY_MAX = 100

@page_cache
def serve(request, path):
    """Wagtail's page view, behind the public page cache and with the short route lookup."""
    site_for_request(request)
    page_route_prime(request=request, path=path)
    return wagtail_views.serve(request, path)


@require_GET
def search(request):
    """Search the live pages of the active language (policy pages and the FAQ included); `?q=`, `?page=`."""
    query = search_query_clean(request.GET.get("q", ""), max_length=SEARCH_QUERY_MAX)
    locale = Locale.get_active()
    results = pages_search(query=query, locale=locale) if query else []
    paginator = Paginator(results, SEARCH_PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    return render(request, "cms/search.html", {
        "query": query,
        "page_obj": page_obj,
        "results": [page.specific for page in page_obj.object_list] if query else [],
    })


def sitemap(request):
    """/sitemap.xml: live public pages of every language."""
    return wagtail_sitemap(request, sitemaps={"pages": AllLocalesSitemap})


@require_GET
def sitemap_page(request):
    """/<lang>/sitemap/: the human sitemap, the active language's live pages as a tree and the merchant area."""
    from portal.workspace import workspace_nav

    return render(request, "cms/sitemap.html", {
        "tree": site_tree(request=request),
        "merchant_links": workspace_nav(),
    })
