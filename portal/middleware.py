"""Middleware of the portal."""

from __future__ import annotations

from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

# URL prefixes outside the language-prefixed site: their 404s are answers, not missing language prefixes.
NON_SITE_PREFIXES = ("/admin/", "/django-admin/", "/documents/", "/healthz", "/static/", "/media/", "/i18n/", "/api/",
                     "/sitemap.xml")


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware, except that a 404 outside the public site stays a 404.

    On a 404 for a path without a language prefix, Django redirects to the same path under the active
    language's prefix whenever that path would match a URL pattern. Wagtail's page pattern sits among the
    language-prefixed patterns and matches nearly every path, so a 404 from the admin (an application the
    reviewer may not see, a missing page) turned into a redirect to /zh-hans/admin/... and then a public
    404 page. Paths under the unprefixed parts of the site keep their own 404.
    """

    def process_response(self, request, response):
        if response.status_code == 404 and request.path_info.startswith(NON_SITE_PREFIXES):
            # what Django's middleware does to a response it does not redirect
            patch_vary_headers(response, ("Accept-Language",))
            response.headers.setdefault("Content-Language", translation.get_language())
            return response
        return super().process_response(request, response)


def csp_header(directives: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def csp_site_with(extra: dict[str, list[str]]) -> str:
    """The site's policy with more sources for some directives, for the one view that needs them (the card
    page allows the Stripe.js host): set it on that view's response, which the middleware then leaves alone."""
    from django.conf import settings

    directives = {name: list(sources) for name, sources in settings.CSP_SITE.items()}
    for name, sources in extra.items():
        directives[name] = list(dict.fromkeys([*directives.get(name, []), *sources]))
    return csp_header(directives)


class ContentSecurityPolicyMiddleware:
    """Sends the Content-Security-Policy of settings: `CSP_SITE` everywhere, `CSP_ADMIN` under the admin
    prefixes (`CSP_ADMIN_PREFIXES`), whose page editor still writes inline scripts and styles.

    A response that already carries a policy keeps it (stored uploads are served with `sandbox`, Wagtail's
    image and document views with their own).
    """

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.site = csp_header(settings.CSP_SITE)
        self.admin = csp_header(settings.CSP_ADMIN)
        self.admin_prefixes = tuple(settings.CSP_ADMIN_PREFIXES)

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            admin = request.path_info.startswith(self.admin_prefixes)
            response["Content-Security-Policy"] = self.admin if admin else self.site
        return response
