"""The contract template's preview in the Wagtail admin, in a real browser: the editor opens the preview panel
and the admin serves the template as a PDF filled with sample data."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from contracts.defaults import contracts_defaults_load
from contracts.models import ContractTemplate
from portal.roles import Role, role_group
from tests.factories.portal import UserFactory


@pytest.fixture
def editor(base_data):
    contracts_defaults_load()
    user = UserFactory(email="editor-preview@example.com", is_staff=True)
    user.groups.add(role_group(Role.EDITOR))
    return user


def test_the_preview_panel_serves_the_pdf_with_sample_data(live_server, page, editor):
    from tests.contracts.pdf_support import pdf_text

    template = ContractTemplate.objects.get(mode="joint")
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", editor.email)
    page.fill("input[name=password]", "pass-word-123")
    page.locator("button[type=submit]").first.click()
    page.goto(f"{live_server.url}/admin/snippets/contracts/contracttemplate/edit/{template.pk}/")
    expect(page.locator('[data-side-panel-toggle="preview"]')).to_be_visible()
    with page.expect_response(lambda r: "/preview/" in r.url and r.request.method == "GET"
                              and r.headers.get("content-type", "").startswith("application/pdf"),
                              timeout=60_000) as response_info:
        page.locator('[data-side-panel-toggle="preview"]').click()
    response = response_info.value
    assert response.status == 200
    # the panel's iframe shows it in the browser's PDF viewer; read the same preview with the editor's session
    pdf = page.request.get(response.url).body()
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "示例商贸有限公司" in text and "联营分成" in text
