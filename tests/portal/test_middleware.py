"""Language prefixes: a public path without one is redirected to it; a 404 outside the public site stays a 404."""

import pytest
from django.utils import translation

from tests.factories.portal import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _active_language_kept():
    """Requests here activate a language for the thread; leave the next test the language it would have had."""
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(email="root@example.com", is_superuser=True, is_staff=True))
    return client


def test_admin_404s_stay_404s(superuser_client):
    for path in ["/admin/pages/999999/edit/", "/admin/applications/999999/", "/django-admin/no-such-app/"]:
        response = superuser_client.get(path)
        assert response.status_code == 404, path
        assert "Accept-Language" in response["Vary"]
        assert response["Content-Language"] == "zh-hans"


@pytest.mark.parametrize("path", ["/documents/999999/missing.pdf", "/healthz/extra", "/static/missing.css"])
def test_other_unprefixed_404s_stay_404s(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/faq/", "/no-such-page/", "/accounts/login/"])
def test_a_public_path_without_a_language_is_redirected_to_one(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/zh-hans{path}"
