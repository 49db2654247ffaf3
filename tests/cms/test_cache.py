"""The public page cache: anonymous GETs come from the cache, anything personal never does, and a
publish or a policy change drops what is stored. Uncached pages stay light."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from cms.cache import page_cache
from cms.models import CaseStudyPage, FaqPage
from portal.models import PolicyItem
from tests.factories.portal import UserFactory

pytestmark = pytest.mark.usefixtures("site")

POLICY_PAGE = "/en/policies/entry-incentives/"


def test_second_anonymous_request_is_served_without_queries(client, django_assert_num_queries):
    first = client.get(POLICY_PAGE)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(POLICY_PAGE)
    assert second.status_code == 200
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content


def test_cache_is_per_language_and_query_string(client):
    assert client.get("/en/faq/")["X-Page-Cache"] == "miss"
    assert client.get("/zh-hans/faq/")["X-Page-Cache"] == "miss"
    assert client.get("/en/faq/?ref=mail")["X-Page-Cache"] == "miss"
    assert "常见问题" in client.get("/zh-hans/faq/").content.decode()


def test_publishing_a_page_drops_the_cached_copy(client):
    client.get("/en/faq/")
    assert client.get("/en/faq/")["X-Page-Cache"] == "hit"
    faq = FaqPage.objects.get(locale__language_code="en")
    faq.intro = "<p>Freshly published answers.</p>"
    faq.save_revision().publish()
    response = client.get("/en/faq/")
    assert response["X-Page-Cache"] == "miss"
    assert "Freshly published answers." in response.content.decode()


def test_unpublishing_drops_the_cached_copy(client):
    assert client.get("/en/case-studies/kids-planet/").status_code == 200
    CaseStudyPage.objects.get(slug="kids-planet", locale__language_code="en").unpublish()
    assert client.get("/en/case-studies/kids-planet/").status_code == 404


def test_a_policy_item_change_drops_the_cached_policy_page(client):
    client.get(POLICY_PAGE)
    item = PolicyItem.objects.get(code="rent_relief")
    item.name_en = "Rent relief (revised)"
    item.save()
    response = client.get(POLICY_PAGE)
    assert response["X-Page-Cache"] == "miss"
    assert "Rent relief (revised)" in response.content.decode()


def test_logged_in_users_are_never_served_or_stored(client):
    client.get(POLICY_PAGE)  # an anonymous copy is stored
    client.force_login(UserFactory())
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(POLICY_PAGE)
        assert response.status_code == 200
        assert not response.has_header("X-Page-Cache")
        assert len(queries) > 0
    assert "My portal" in response.content.decode()


def test_zero_seconds_turns_the_cache_off(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get(POLICY_PAGE)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(POLICY_PAGE)
    assert not response.has_header("X-Page-Cache")
    assert len(queries) > 0


def test_responses_that_set_a_cookie_or_fail_are_not_stored(rf: RequestFactory):
    calls = []

    @page_cache
    def view(request):
        calls.append(request.path)
        response = HttpResponse("hello")
        if request.path == "/en/cookie/":
            response.set_cookie("tracking", "1")
        if request.path == "/en/broken/":
            response.status_code = 500
        return response

    for path in ["/en/cookie/", "/en/cookie/", "/en/broken/", "/en/broken/", "/en/plain/", "/en/plain/"]:
        view(rf.get(path))
    assert calls == ["/en/cookie/", "/en/cookie/", "/en/broken/", "/en/broken/", "/en/plain/"]
    cache.clear()


def test_uncached_policy_page_stays_within_three_queries(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    for path in ["/zh-hans/policies/entry-incentives/", POLICY_PAGE, "/en/policies/operations-support/"]:
        client.get(path)  # the site and the header navigation fragment are cached on their own
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200
        # the page (with its view restrictions and translations), the block's versions, their bands
        assert len(queries) <= 3, [q["sql"][:120] for q in queries.captured_queries]


def test_uncached_policy_page_with_a_cold_navigation_cache(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(POLICY_PAGE)
    assert response.status_code == 200
    # and the site, Wagtail's site root paths (two), the page's class and the navigation
    assert len(queries) <= 8, [q["sql"][:120] for q in queries.captured_queries]


def test_password_protected_pages_are_never_cached_and_unlock_through_wagtail(client):
    from wagtail.models import PageViewRestriction

    page = CaseStudyPage.objects.get(slug="geek-workshop", locale__language_code="en")
    restriction = PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.PASSWORD,
                                                     password="open-sesame")
    url = "/en/case-studies/geek-workshop/"
    for _ in range(2):
        response = client.get(url)
        assert "Geek Workshop (illustrative)" not in response.content.decode()
        assert not response.has_header("X-Page-Cache")
    unlock = client.post(f"/en/_util/authenticate_with_password/{restriction.pk}/{page.pk}/",
                         {"password": "open-sesame", "return_url": url})
    assert unlock.status_code == 302
    response = client.get(url)
    assert "Geek Workshop (illustrative)" in response.content.decode()
    assert not response.has_header("X-Page-Cache")
