"""The short page route: the specific page in one query, with view restrictions still enforced, language
links equal to Wagtail's, and a correct answer whenever the page at a URL changes (moves, types, sites)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.models import Page, PageViewRestriction, Site

from cms.models import ApplyPage, CaseStudyPage, FaqPage, PolicyIndexPage, PolicyPage
from cms.routing import live_page_at, site_for_request
from cms.templatetags.cms_tags import page_languages
from tests.factories.portal import UserFactory

pytestmark = pytest.mark.usefixtures("site")


@pytest.fixture(autouse=True)
def _active_language_kept():
    """Requests here activate a language for the thread; leave the next test the language it would have had."""
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture(params=[True, False], ids=["compiled", "orm"])
def read_path(request, settings):
    """The page lookup as a compiled query (portal.db) and as the plain ORM: the same pages, the same queries."""
    settings.DATABASE_COMPILED_QUERIES = request.param
    return request.param


def _queries(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_a_policy_page_takes_three_queries(client, settings, read_path):
    settings.PAGE_CACHE_SECONDS = 0
    for path in ["/en/policies/entry-incentives/", "/zh-hans/policies/training/"]:
        client.get(path)  # the site, the navigation and the page's class are known from then on
        queries = _queries(client, path)
        # the page (with its restrictions and translations), the block's versions, their bands
        assert len(queries) == 3, queries


def test_other_page_types_use_the_short_route_too(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/en/faq/")
    queries = _queries(client, "/en/faq/")
    assert len(queries) == 1, queries


def test_a_restriction_on_an_ancestor_still_applies(client, settings, read_path):
    settings.PAGE_CACHE_SECONDS = 0
    url = "/en/policies/entry-incentives/"
    assert "Rent relief" in client.get(url).content.decode()
    index = PolicyIndexPage.objects.get(locale__language_code="en")
    PageViewRestriction.objects.create(page=index, restriction_type=PageViewRestriction.LOGIN)
    response = client.get(url)
    assert response.status_code == 302
    assert "/_util/login/" in response["Location"]
    # the Chinese tree has no restriction
    assert client.get("/zh-hans/policies/entry-incentives/").status_code == 200
    client.force_login(UserFactory())
    response = client.get(url)
    assert response.status_code == 200
    assert "Rent relief" in response.content.decode()


def test_an_alias_follows_the_restrictions_of_its_source(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    source = CaseStudyPage.objects.get(slug="kids-planet", locale__language_code="en")
    source.create_alias(update_slug="kids-planet-again")
    assert client.get("/en/case-studies/kids-planet-again/").status_code == 200
    PageViewRestriction.objects.create(page=source, restriction_type=PageViewRestriction.PASSWORD, password="x")
    for url in ["/en/case-studies/kids-planet/", "/en/case-studies/kids-planet-again/"]:
        response = client.get(url)
        assert "Kids Planet (illustrative)" not in response.content.decode(), url
        assert 'name="password"' in response.content.decode(), url


def test_a_page_moved_away_and_another_type_at_its_url(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    assert "Create an account and start" in client.get("/en/apply/").content.decode()  # the route knows ApplyPage
    apply = ApplyPage.objects.get(locale__language_code="en")
    apply.slug = "apply-old"
    apply.save_revision().publish()
    faq = FaqPage.objects.get(locale__language_code="en")
    faq.slug = "apply"
    faq.save_revision().publish()
    assert "How much is the deposit?" in client.get("/en/apply/").content.decode()
    assert "Create an account and start" in client.get("/en/apply-old/").content.decode()
    assert client.get("/en/faq/").status_code == 404


def test_a_draft_or_unpublished_page_is_not_served(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    assert client.get("/en/faq/").status_code == 200
    FaqPage.objects.get(locale__language_code="en").unpublish()
    assert client.get("/en/faq/").status_code == 404


def test_a_changed_site_is_seen_at_once(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    assert client.get("/en/faq/").status_code == 200
    site = Site.objects.get(is_default_site=True)
    site.is_default_site = False
    site.hostname = "elsewhere.example"
    site.save()
    assert client.get("/en/faq/").status_code == 404
    site.is_default_site = True
    site.save()
    assert client.get("/en/faq/").status_code == 200


def test_the_site_is_read_once_per_host():
    request = RequestFactory().get("/en/faq/")
    site = site_for_request(request)
    assert site is not None and site.is_default_site
    with CaptureQueriesContext(connection) as queries:
        again = site_for_request(RequestFactory().get("/en/faq/"))
    assert len(queries) == 0
    assert again.pk == site.pk
    assert again.root_page_id == site.root_page_id


def test_the_page_read_by_the_short_route_equals_wagtails(read_path):
    root = Site.objects.get(is_default_site=True).root_page
    for page in Page.objects.live().descendant_of(root, inclusive=True).specific():
        found = live_page_at(page.url_path)
        assert type(found) is type(page)
        assert found.pk == page.pk
        for field in type(page)._meta.concrete_fields:
            assert getattr(found, field.attname) == getattr(page, field.attname), (page.url_path, field.attname)
    assert live_page_at("/home/no-such-page/") is None


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_language_links_equal_wagtails(language, settings, read_path):
    page = PolicyPage.objects.get(slug="training", locale__language_code=language)
    with translation.override(language):
        request = RequestFactory().get(page.url)
        request.user = AnonymousUser()
        expected = page_languages({"request": request, "page": page})
        live_page_at(page.url_path)  # the page's class is known from then on
        with CaptureQueriesContext(connection) as queries:
            found = page_languages({"request": request, "page": live_page_at(page.url_path)})
    assert found == expected
    assert len(queries) == 1  # the page itself; its translations came with it
    assert {entry["code"]: entry["has_translation"] for entry in found} == {"zh-hans": True, "en": True}


def test_a_missing_translation_points_at_that_languages_home():
    page = PolicyPage.objects.get(slug="training", locale__language_code="zh-hans")
    PolicyPage.objects.get(slug="training", locale__language_code="en").unpublish()
    with translation.override("zh-hans"):
        request = RequestFactory().get(page.url)
        request.user = AnonymousUser()
        found = page_languages({"request": request, "page": live_page_at(page.url_path)})
    english = next(entry for entry in found if entry["code"] == "en")
    assert english["url"] == "/en/"
    assert english["has_translation"] is False


def test_a_preview_shows_the_draft_with_the_current_figures():
    page = PolicyPage.objects.get(slug="entry-incentives", locale__language_code="en")
    page.title = "Entry incentives (draft)"
    response = page.make_preview_request()
    if hasattr(response, "render"):
        response.render()
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Entry incentives (draft)</h1>" in body
    assert "Rent relief" in body and "In effect since" in body
