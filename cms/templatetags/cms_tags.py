"""Template tags of the public site: navigation, language alternates, safe links."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from wagtail.models import Locale, Page, Site

from cms.models import url_or_path

register = template.Library()


def _site_home(request) -> Page | None:
    """The live home page of the active language (the site root, or its translation)."""
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        return None
    try:
        locale = Locale.get_active()
    except Locale.DoesNotExist:
        return site.root_page
    if site.root_page.locale_id == locale.pk:
        return site.root_page
    return site.root_page.get_translations().filter(locale=locale).live().first() or site.root_page


@register.inclusion_tag("cms/includes/nav.html", takes_context=True)
def site_nav(context):
    """The home page of the active language and its live children shown in menus."""
    request = context.get("request")
    home = _site_home(request)
    items = []
    if home is not None:
        items = [(child.title, child.get_url(request)) for child in home.get_children().live().in_menu()]
    return {"home_url": home.get_url(request) if home else "/", "items": items, "request": request}


@register.simple_tag(takes_context=True)
def page_languages(context) -> list[dict]:
    """One entry per site language: where that language's version of this page lives.

    For a Wagtail page these are its live translations; a language without one points at that language's
    home. For other views the current path is translated into the language's prefix.
    """
    request = context.get("request")
    page = context.get("page")
    current = translation.get_language()
    urls: dict[str, str] = {}
    if isinstance(page, Page) and page.pk:
        for translated in page.get_translations(inclusive=True).live().select_related("locale"):
            url = translated.get_full_url(request)
            if url:
                urls[translated.locale.language_code] = url
    entries = []
    for code, _name in settings.LANGUAGES:
        info = translation.get_language_info(code)
        if isinstance(page, Page) and page.pk:
            url = urls.get(code)
            has_translation = url is not None
            if url is None:
                url = request.build_absolute_uri(f"/{code}/") if request else f"/{code}/"
        else:
            path = request.get_full_path() if request else "/"
            url = translate_url(path, code)
            url = request.build_absolute_uri(url) if request else url
            has_translation = True
        entries.append({
            "code": code,
            "name": info["name_local"],
            "url": url,
            "is_current": code == current,
            "has_translation": has_translation,
        })
    return entries


@register.simple_tag(name="url_or_path")
def url_or_path_tag(name: str, fallback: str) -> str:
    """`{% url_or_path "accounts:login" "accounts/login" %}`: see `cms.models.url_or_path`."""
    return url_or_path(name, fallback)
