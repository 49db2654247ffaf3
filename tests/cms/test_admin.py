"""Editors can open every page type of the demo site in the Wagtail admin."""

import pytest
from wagtail.models import Page

from tests.factories.portal import UserFactory

pytestmark = pytest.mark.usefixtures("site")


def test_every_page_type_opens_in_the_editor(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    seen = set()
    for page in Page.objects.filter(depth__gt=1, locale__language_code="en").specific():
        if type(page) in seen:
            continue
        seen.add(type(page))
        response = client.get(f"/admin/pages/{page.pk}/edit/")
        assert response.status_code == 200, type(page)
    assert len(seen) == 12


def test_the_add_form_of_a_policy_page_opens(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    index = Page.objects.get(slug="policies", locale__language_code="zh-hans")
    assert client.get(f"/admin/pages/add/cms/policypage/{index.pk}/").status_code == 200
