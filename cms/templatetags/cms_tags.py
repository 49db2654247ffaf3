"""Template tags of the public site: navigation, language alternates, safe links."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation
from wagtail.models import Page

from cms.models import url_or_path
from cms.routing import PagePath, language_root_path

register = template.Library()


@register.inclusion_tag("cms/includes/nav.html", takes_context=True)
def site_nav(context):
    """The active language's home and its live children shown in menus (one query)."""
    request = context.get("request")
    root_path = language_root_path(request)
    items = []
    if root_path is not None:
        # a page's depth is the number of slashes in its URL path ("/home-en/" -> 2)
        children = Page.objects.live().in_menu().filter(
            url_path__startswith=root_path, depth=root_path.count("/") + 1
        ).order_by("path")
        items = [(child.title, child.get_url(request)) for child in children]
    return {"home_url": reverse("cms_page", args=[""]), "items": items, "request": request}


@register.simple_tag(takes_context=True)
def page_languages(context) -> list[dict]:
    """One entry per site language: where that language's version of this page lives.

    For a Wagtail page these are its live translations; a language without one points at that language's
    home. For other views the current path is translated into the language's prefix. `url` is for links,
    `full_url` (absolute) for canonical and hreflang tags.
    """
    request = context.get("request")
    page = context.get("page")
    is_page = isinstance(page, Page) and page.pk is not None
    urls: dict[str, str] = {}
    known_paths = getattr(page, "live_translation_paths", None) if is_page else None
    if known_paths is not None:
        # read with the page by the short route: Wagtail builds each URL from the path alone
        for code, url_path in known_paths.items():
            url = PagePath(url_path).get_url(request) if url_path else None
            if url:
                urls[code] = url
    elif is_page:
        for translated in page.get_translations(inclusive=True).live().select_related("locale"):
            url = translated.get_url(request)
            if url:
                urls[translated.locale.language_code] = url
    current = translation.get_language()
    entries = []
    for code, _name in settings.LANGUAGES:
        if is_page:
            url = urls.get(code)
            has_translation = url is not None
            url = url or f"/{code}/"
        else:
            url = translate_url(request.get_full_path() if request else "/", code)
            has_translation = True
        entries.append({
            "code": code,
            "name": translation.get_language_info(code)["name_local"],
            "url": url,
            "full_url": request.build_absolute_uri(url) if request else url,
            "is_current": code == current,
            "is_default": code == settings.LANGUAGE_CODE,
            "has_translation": has_translation,
        })
    return entries


@register.simple_tag(name="url_or_path")
def url_or_path_tag(name: str, fallback: str) -> str:
    """`{% url_or_path "accounts:login" "accounts/login" %}`: see `cms.models.url_or_path`."""
    return url_or_path(name, fallback)
