"""The contract screens of the admin in a real browser, in both languages: the list with its filters, one
contract's page, and the bulk PDF download whose progress page polls its status from a static script (no
Content-Security-Policy violation anywhere). With SCREENSHOT_DIR set, each page is saved there as a PNG."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from contracts.models import ContractDocument, ContractStatus
from contracts.renewals import renewals_daily_run
from portal.models import User
from portal.roles import Role
from tests.contracts.admin_support import contract, document

from .test_onboarding_journey import STAFF_PASSWORD, admin_login

pytestmark = pytest.mark.django_db(transaction=True)


def shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        # the admin scrolls inside its own frame: a tall window shows the whole page
        height = page.evaluate("() => document.querySelector('main').scrollHeight + 200")
        page.set_viewport_size({"width": 1280, "height": max(900, min(height, 5000))})
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))
        page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize(("lang", "words"), [
    ("en", {"title": "Contracts", "zip": "Download the zip", "terms": "Terms", "no_data": "No performance data yet"}),
    ("zh-hans", {"title": "合同", "zip": "下载压缩包", "terms": "条款", "no_data": "暂无经营数据"}),
])
def test_list_detail_and_bulk_download(lang, words, base_data, new_context, live_server):
    from wagtail.users.models import UserProfile

    lead = User.objects.create_user(email="lead@example.com", password=STAFF_PASSWORD, is_staff=True,
                                    first_name="Lena", last_name="Lead")
    lead.groups.add(Group.objects.get(name=Role.LEAD))
    profile = UserProfile.get_for_user(lead)
    profile.preferred_language = lang
    profile.save()
    today = timezone.localdate()
    active = contract(status=ContractStatus.ACTIVE, ends_on=today + dt.timedelta(days=45),
                      merchant_legal_name="福州示例服饰有限公司")
    document(active, kind=ContractDocument.Kind.SIGNED)
    renewals_daily_run()  # its term ends within the review period: the review opens, the contract is expiring
    for n in range(3):
        document(contract(status=ContractStatus.ISSUED, merchant_legal_name=f"Example Trading {n} Co., Ltd."))

    page = new_context("zh-CN" if lang == "zh-hans" else "en-US")
    admin_login(page, live_server, lead, "/admin/contracts/")
    expect(page.locator("h1")).to_contain_text(words["title"])
    expect(page.locator("table.listing tbody tr")).to_have_count(4)
    shot(page, f"contracts-list-{lang}")

    # two rows ticked, then the bulk action: the confirmation counts just those two
    checkboxes = page.locator("table.listing tbody input[type=checkbox]")
    checkboxes.nth(0).check()
    checkboxes.nth(1).check()
    page.locator("[data-bulk-action-footer] a[href*='/exports/new/']").click()
    page.wait_for_url(re.compile(r"/admin/contracts/exports/new/\?.*id="))
    expect(page.locator("main ul li")).to_have_count(2)

    # the "term ends within" filter from the filter drawer's field, through the query string
    page.goto(f"{live_server.url}/admin/contracts/?expiring_within=60")
    expect(page.locator("table.listing tbody tr")).to_have_count(1)
    page.get_by_role("link", name=active.number).click()
    page.wait_for_url(re.compile(rf"/admin/contracts/{active.pk}/$"))
    expect(page.locator("#panel-terms-section, [data-panel-id='terms'], section").first).to_be_visible()
    expect(page.get_by_text(words["terms"]).first).to_be_visible()
    expect(page.get_by_text("福州示例服饰有限公司").first).to_be_visible()
    expect(page.locator("#panel-renewal-content, .contracts-renewal").first).to_contain_text(words["no_data"])
    page.locator("details[data-action=terminate] summary").click()
    expect(page.locator("details[data-action=terminate] form")).to_be_visible()
    shot(page, f"contracts-detail-{lang}")

    # the whole filtered list as one zip: its page polls the status and offers the download
    page.goto(f"{live_server.url}/admin/contracts/exports/new/?id=all&status=issued")
    shot(page, f"contracts-export-confirm-{lang}")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/contracts/exports/\d+/$"))
    link = page.locator("[data-export-link]")
    expect(link).to_be_visible()
    expect(page.locator("[data-export-bar]")).to_have_attribute("value", "3")
    shot(page, f"contracts-export-{lang}")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    assert words["zip"] in page.content()
