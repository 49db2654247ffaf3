"""The Content-Security-Policy header: strict on the site and the merchant area, the admin's inline allowances
only under the admin, and stored uploads keep their own sandbox."""

import pytest

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


@pytest.mark.parametrize("path", ["/en/search/?q=deposit", "/zh-hans/accounts/login/", "/en/accounts/signup/"])
def test_public_and_account_pages_allow_no_inline_code_and_no_other_host(client, path):
    policy = directives(client.get(path))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert not any("http" in source or source == "*" for sources in policy.values() for source in sources)


def test_the_admin_allows_inline_scripts_and_styles_but_no_other_host(client):
    policy = directives(client.get("/admin/login/"))
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["object-src"] == ["'none'"]
    assert not any("http" in source or source == "*" for sources in policy.values() for source in sources)
