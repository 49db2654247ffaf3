"""The home page promises only what the current phase offers, and never shows editors' notes."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cms.models import HomePage, ProgrammeIndexPage, programme_phase_current
from portal.models import PortalSettings

pytestmark = pytest.mark.usefixtures("site")


def _launch(months_ago: int) -> None:
    """Set D0 so that today lies `months_ago` months (plus a few days) after the launch."""
    today = timezone.localdate()
    year, month = divmod(today.month - 1 - months_ago, 12)
    settings_row = PortalSettings.load()
    settings_row.launch_date = datetime.date(today.year + year, month + 1, 1)
    settings_row.save()


def _html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_in_the_growth_phase_the_home_page_makes_no_launch_promise(client):
    _launch(months_ago=8)
    home = _html(client, "/en/")
    assert "Current phase: Growth" in home
    assert "No entry fee" not in home and "launch phase" not in home.lower()
    zh = _html(client, "/zh-hans/")
    assert "当前阶段：成长期" in zh and "免入驻费" not in zh
    programme = _html(client, "/en/programme/")
    current = programme.split('class="timeline-item is-current"')[1].split("</li>")[0]
    assert "Growth" in current  # the programme page agrees with the home page


def test_in_the_launch_phase_the_home_page_shows_the_launch_offer(client):
    _launch(months_ago=1)
    home = _html(client, "/en/")
    assert "Current phase: Launch" in home and "No entry fee" in home
    zh = _html(client, "/zh-hans/")
    assert "当前阶段：启动期" in zh and "免入驻费" in zh


def test_the_current_phase_is_worked_out_in_one_place_from_the_launch_date():
    _launch(months_ago=20)
    for home in HomePage.objects.live():
        assert programme_phase_current(within=home).phase == "expansion"
        programme = ProgrammeIndexPage.objects.descendant_of(home).get()
        assert programme_phase_current(within=programme).phase == "expansion"
    settings_row = PortalSettings.load()
    settings_row.launch_date = timezone.localdate() + datetime.timedelta(days=30)  # not launched yet
    settings_row.save()
    assert programme_phase_current(within=HomePage.objects.live().first()) is None


def test_editors_notes_never_reach_the_public_site(client, admin_client):
    for path in ("/zh-hans/", "/en/"):
        page = _html(client, path)
        assert "核对官方来源" not in page and "check the official source" not in page.lower()
        assert "行业公开数据" in page or "Public industry data" in page  # the public source stays
    home = HomePage.objects.get(locale__language_code="en")
    edit = _html(admin_client, f"/admin/pages/{home.pk}/edit/")
    assert "Check the official source before publishing" in edit  # editors still see it
