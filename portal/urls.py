from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views

from . import views
from .api.urls import api

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("sitemap.xml", cms_views.sitemap, name="sitemap"),
    # browsers that ignore the icon link ask for /favicon.ico
    path("favicon.ico", views.favicon, name="favicon"),
    # Stripe posts here: no language prefix, no session, no CSRF (the signature is the check)
    path("billing/", include("billing.webhook_urls")),
    path("api/", api.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += i18n_patterns(
    path("accounts/", include("portal.accounts.urls")),
    path("portal/applications/", include("onboarding.urls")),
    path("contracts/verify/", include("contracts.verify_urls")),
    path("portal/contracts/", include("contracts.urls")),
    path("portal/billing/", include("billing.urls")),
    path("portal/", include("portal.merchant_urls")),
    path("search/", cms_views.search, name="search"),
    path("sitemap/", cms_views.sitemap_page, name="sitemap_page"),
    # site pages go through the public page cache; Wagtail's own route below stays for reverse() and _util
    re_path(cms_views.PAGE_PATTERN, cms_views.serve, name="cms_page"),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)
