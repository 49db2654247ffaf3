"""Editors maintain policy items and versions in the Wagtail admin; the version rules hold there too."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from portal.audit import audit_entries_for
from portal.models import PolicyItemVersion, PolicyRateBand
from portal.policy.selectors import policy_today
from portal.roles import Role
from tests.factories.policy import PolicyItemFactory, PolicyItemVersionFactory
from tests.factories.portal import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def editor_client(client):
    editor = UserFactory(email="editor@example.com")
    editor.groups.add(Group.objects.get(name=Role.EDITOR))
    client.force_login(editor)
    with translation.override("en"):
        yield client


@pytest.fixture
def in_effect():
    """An item with a version in effect since 10 days ago (open-ended) and two rate bands."""
    item = PolicyItemFactory(code="cold-chain", name_zh="冷链设备补贴", name_en="Cold-chain equipment subsidy")
    version = PolicyItemVersionFactory(item=item, effective_from=policy_today() - 10 * DAY)
    PolicyRateBand.objects.create(version=version, min_value=Decimal("1000000"), rate=Decimal("12"), sort_order=1)
    PolicyRateBand.objects.create(version=version, category=CategoryFactory(code="fresh"), rate=Decimal("15"),
                                  sort_order=2)
    return version


def url(model, view, *args):
    return reverse(f"wagtailsnippets_portal_{model}:{view}", args=args)


def version_post_data(version, **changes):
    """The edit form's fields for `version`, as the admin would post them, with `changes` applied."""
    data = {}
    for name in ("effective_from", "effective_to", "formula", "base_input", "rate", "band_input", "year_rates",
                 "cap_per_year", "cap_per_project", "fund_total", "currency", "duration_years", "min_annual_revenue",
                 "in_kind_zh", "in_kind_en", "eligibility_zh", "eligibility_en", "evidence_zh", "evidence_en",
                 "change_note"):
        value = getattr(version, name)
        data[name] = "" if value is None else str(value)
    data["item"] = str(version.item_id)
    for flag in ("one_off", "requires_heavy_asset", "requires_designated_logistics"):
        if getattr(version, flag):
            data[flag] = "on"
    data["categories"] = [str(c.pk) for c in version.categories.all()] if version.pk else []
    bands = list(version.bands.all()) if version.pk else []
    data.update({"bands-TOTAL_FORMS": str(len(bands)), "bands-INITIAL_FORMS": str(len(bands)),
                 "bands-MIN_NUM_FORMS": "0", "bands-MAX_NUM_FORMS": "1000"})
    for i, band in enumerate(bands):
        data.update({
            f"bands-{i}-id": str(band.pk),
            f"bands-{i}-min_value": "" if band.min_value is None else str(band.min_value),
            f"bands-{i}-category": "" if band.category_id is None else str(band.category_id),
            f"bands-{i}-rate": str(band.rate), f"bands-{i}-sort_order": str(band.sort_order),
        })
        if band.cross_border:
            data[f"bands-{i}-cross_border"] = "on"
    data.update(changes)
    return data


def test_editor_sees_items_in_the_list(editor_client, in_effect):
    response = editor_client.get(url("policyitem", "list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "冷链设备补贴" in html and "Cold-chain equipment subsidy" in html
    assert reverse("wagtailsnippets_portal_policyitem:edit", args=[in_effect.item.pk]) in html


def test_editor_filters_items_by_block(editor_client, in_effect):
    PolicyItemFactory(code="workshops", block="training", name_en="Workshops")
    html = editor_client.get(url("policyitem", "list"), {"block": "training"}).content.decode()
    assert "Workshops" in html
    assert "Cold-chain equipment subsidy" not in html


def test_editor_sees_versions_with_their_figures_and_state(editor_client, in_effect):
    PolicyItemVersionFactory(item=PolicyItemFactory(name_zh="其他政策", name_en="Other item"),
                             effective_from=policy_today() - 400 * DAY, effective_to=policy_today() - 300 * DAY)
    html = editor_client.get(url("policyitemversion", "list")).content.decode()
    # the admin speaks the editor's language (Chinese by default)
    assert "10% of equipment investment" in html or "设备投入的 10%" in html
    assert ("In effect" in html and "Ended" in html) or ("生效中" in html and "已结束" in html)
    filtered = editor_client.get(url("policyitemversion", "list"),
                                 {"in_effect_on": policy_today().isoformat()}).content.decode()
    assert "冷链设备补贴" in filtered  # the admin speaks the editor's language (Chinese by default)
    assert "其他政策 @" not in filtered
    by_item = editor_client.get(url("policyitemversion", "list"), {"item": in_effect.item_id}).content.decode()
    assert "冷链设备补贴 @" in by_item
    assert "其他政策 @" not in by_item


def test_editor_opens_the_edit_pages(editor_client, in_effect):
    item_page = editor_client.get(url("policyitem", "edit", in_effect.item.pk))
    assert item_page.status_code == 200
    version_page = editor_client.get(url("policyitemversion", "edit", in_effect.pk))
    assert version_page.status_code == 200
    assert 'name="bands-TOTAL_FORMS"' in version_page.content.decode()


def test_changing_a_figure_in_effect_is_refused_on_the_field(editor_client, in_effect):
    response = editor_client.post(url("policyitemversion", "edit", in_effect.pk),
                                  version_post_data(in_effect, rate="11"))
    assert response.status_code == 200
    error = response.context["form"].errors["rate"][0]
    assert "its figures cannot change" in error or "其数值不能再修改" in error
    in_effect.refresh_from_db()
    assert in_effect.rate == Decimal("10")


def test_changing_a_band_in_effect_is_refused(editor_client, in_effect):
    response = editor_client.post(url("policyitemversion", "edit", in_effect.pk),
                                  version_post_data(in_effect, **{"bands-0-rate": "20"}))
    assert response.status_code == 200
    errors = str(response.context["form"].non_field_errors())
    assert "rate bands of a version in effect cannot change" in errors or "比例档位不能修改" in errors
    assert sorted(b.rate for b in in_effect.bands.all()) == [Decimal("12"), Decimal("15")]


def test_closing_a_version_in_effect_is_saved_and_audited(editor_client, in_effect):
    end = policy_today() + 5 * DAY
    response = editor_client.post(url("policyitemversion", "edit", in_effect.pk),
                                  version_post_data(in_effect, effective_to=end.isoformat()))
    assert response.status_code == 302, response.context["form"].errors
    in_effect.refresh_from_db()
    assert in_effect.effective_to == end
    [entry] = audit_entries_for(target=in_effect)
    assert entry.action == "portal.policy_version.changed"
    assert entry.data["changes"] == {"effective_to": [None, end.isoformat()]}
    assert entry.actor.email == "editor@example.com"


def test_an_overlapping_version_is_refused_and_a_following_one_created(editor_client, in_effect):
    new = PolicyItemVersion(item=in_effect.item, effective_from=policy_today() + 30 * DAY, formula="percent",
                            base_input="equipment_investment", rate=Decimal("12"), currency="CNY")
    response = editor_client.post(url("policyitemversion", "add"), version_post_data(new))
    assert response.status_code == 200
    error = response.context["form"].errors["effective_from"][0]
    assert "overlap" in error or "重叠" in error
    assert in_effect.item.versions.count() == 1

    editor_client.post(url("policyitemversion", "edit", in_effect.pk), version_post_data(
        in_effect, effective_to=(policy_today() + 29 * DAY).isoformat()))
    response = editor_client.post(url("policyitemversion", "add"), version_post_data(new))
    assert response.status_code == 302, response.context["form"].errors
    created = in_effect.item.versions.get(effective_from=policy_today() + 30 * DAY)
    assert created.rate == Decimal("12")
    assert [e.action for e in audit_entries_for(target=created)] == ["portal.policy_version.created"]


def test_editing_an_item_is_audited(editor_client, in_effect):
    item = in_effect.item
    data = {"code": item.code, "sort_order": item.sort_order, "block": item.block, "kind": item.kind,
            "name_zh": item.name_zh, "name_en": "Cold-chain subsidy", "summary_zh": "", "summary_en": ""}
    response = editor_client.post(url("policyitem", "edit", item.pk), data)  # unticked: unpublished
    assert response.status_code == 302
    [entry] = audit_entries_for(target=item)
    assert entry.data["changes"] == {"name_en": ["Cold-chain equipment subsidy", "Cold-chain subsidy"],
                                     "is_published": [True, False]}


def test_versions_in_effect_are_not_deleted(client, in_effect):
    admin = UserFactory(email="root@example.com", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.post(url("policyitemversion", "delete", in_effect.pk))
    assert response.status_code == 302
    assert PolicyItemVersion.objects.filter(pk=in_effect.pk).exists()


def test_a_reviewer_cannot_edit_policy(client, in_effect):
    reviewer = UserFactory(email="reviewer@example.com")
    reviewer.groups.add(Group.objects.get(name=Role.REVIEWER))
    client.force_login(reviewer)
    assert client.get(url("policyitemversion", "edit", in_effect.pk)).status_code in (302, 403)
