"""Commission tables under change control: the default table, the two-person workflow, freezing on publish."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from contracts.approval import TwoPersonApprovalTask
from contracts.commission import commission_rate
from contracts.commission.defaults import commission_defaults_load
from contracts.commission.tables import (
    CommissionTableInvalid,
    commission_table_freeze,
    commission_today,
    schedule_errors,
)
from contracts.models import CommissionSchedule, CommissionScheduleRate, CommissionTableVersion
from portal.bootstrap import reference_data_load
from portal.models import AuditEntry, Category, PortalSettings
from tests.factories.commission import categories, contract, staff

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def loaded():
    categories()
    return commission_defaults_load()


def _draft(*, maker, effective_from: dt.date, rates: dict[str, str]) -> CommissionSchedule:
    cats = categories()
    schedule = CommissionSchedule(title="2027", effective_from=effective_from, change_note="volume review",
                                  live=False)
    schedule.category_rates = [CommissionScheduleRate(category=cats[c], rate_percent=D(r)) for c, r in rates.items()]
    schedule.save()
    schedule.save_revision(user=maker, log_action=False)
    return schedule


def _submit(schedule, maker):
    workflow = CommissionSchedule.get_default_workflow()
    assert workflow is not None
    workflow.start(schedule, maker)
    schedule.refresh_from_db()
    task_state = schedule.current_workflow_task_state
    return task_state, task_state.task.specific


def _actions(task, schedule, user) -> list[str]:
    return [name for name, *_ in task.get_actions(schedule, user)]


def test_default_table_is_version_one_from_the_launch_date(loaded):
    assert loaded == {"commission_tables": 1, "commission_workflows": 1}
    version = CommissionTableVersion.objects.get()
    assert (version.number, version.effective_from) == (1, PortalSettings.load().launch_date)
    rates = {r.category.code: r.rate_percent for r in version.rates.select_related("category")}
    assert rates == {"3c": D(5), "fresh": D(8), "mother_baby": D(10), "pets": D(10), "fitness": D(10),
                     "apparel": D(12), "other": D(10)}
    assert (version.launch_multiplier, version.launch_months, version.floor_percent) == (D("0.5"), 3, D(1))
    assert [version.grade_discount(g) for g in "ABCDE"] == [D(10), D(5), D(0), D(0), D(0)]
    assert CommissionSchedule.objects.get().live
    task = TwoPersonApprovalTask.objects.get()
    assert set(task.groups.values_list("name", flat=True)) == {"finance", "admin", "recruitment_lead"}
    assert commission_defaults_load() == {"commission_tables": 0, "commission_workflows": 0}
    assert CommissionTableVersion.objects.count() == 1


def test_reference_data_hook_loads_the_table_after_the_categories():
    result = reference_data_load()
    assert result.added["commission_tables"] == 1
    assert Category.objects.filter(code="apparel").exists()
    assert reference_data_load().added["commission_tables"] == 0


def test_the_submitter_cannot_approve_a_second_person_can(loaded):
    maker, checker = staff("finance"), staff("recruitment_lead")
    start = commission_today() + dt.timedelta(days=30)
    schedule = _draft(maker=maker, effective_from=start, rates={"apparel": "11", "other": "9"})
    task_state, task = _submit(schedule, maker)

    assert "approve" not in _actions(task, schedule, maker)
    assert _actions(task, schedule, checker) == ["reject", "approve", "approve"]
    assert not task.get_task_states_user_can_moderate(maker).exists()
    assert task.get_task_states_user_can_moderate(checker).count() == 1
    with pytest.raises(PermissionDenied):
        task.on_action(task_state, maker, "approve")
    assert CommissionTableVersion.objects.count() == 1

    task.on_action(task_state, checker, "approve")
    version = CommissionTableVersion.objects.get(number=2)
    assert (version.effective_from, version.submitted_by, version.approved_by) == (start, maker, checker)
    assert {r.category.code: r.rate_percent for r in version.rates.all()} == {"apparel": D(11), "other": D(9)}
    assert AuditEntry.objects.filter(action="contracts.commission_table.published", data__number=2).exists()
    c = contract(grade="C")
    apparel = categories()["apparel"]
    assert commission_rate(contract=c, category=apparel, period_gmv=D(0), on=start).table_version == 2
    assert commission_rate(contract=c, category=apparel, period_gmv=D(0), on=start - dt.timedelta(days=1)
                           ).table_version == 1


def test_superusers_cannot_approve_their_own_change_either(loaded):
    from tests.factories.portal import UserFactory

    boss = UserFactory(email="boss@example.com", is_superuser=True, is_staff=True)
    schedule = _draft(maker=boss, effective_from=commission_today() + dt.timedelta(days=3), rates={"other": "9"})
    task_state, task = _submit(schedule, boss)
    assert "approve" not in _actions(task, schedule, boss)
    with pytest.raises(PermissionDenied):
        task.on_action(task_state, boss, "approve")


def test_a_table_whose_start_has_passed_cannot_be_approved(loaded, monkeypatch):
    maker, checker = staff("finance"), staff("admin")
    start = commission_today() + dt.timedelta(days=1)
    schedule = _draft(maker=maker, effective_from=start, rates={"other": "9"})
    task_state, task = _submit(schedule, maker)
    monkeypatch.setattr("contracts.commission.tables.commission_today", lambda: start + dt.timedelta(days=1))
    assert _actions(task, schedule, checker) == ["reject"]
    with pytest.raises(PermissionDenied):
        task.on_action(task_state, checker, "approve")
    assert CommissionTableVersion.objects.count() == 1


def test_freezing_refuses_a_revision_nobody_approved(loaded):
    maker = staff("finance")
    schedule = _draft(maker=maker, effective_from=commission_today() + dt.timedelta(days=5), rates={"other": "9"})
    with pytest.raises(CommissionTableInvalid):
        commission_table_freeze(schedule=schedule, revision=schedule.latest_revision)
    assert CommissionTableVersion.objects.count() == 1


def test_publishing_the_same_revision_twice_freezes_once(loaded):
    schedule = CommissionSchedule.objects.get()
    again = commission_table_freeze(schedule=schedule, revision=schedule.live_revision)
    assert again.number == 1 and CommissionTableVersion.objects.count() == 1


@translation.override("en")
def test_table_rules():
    today = dt.date(2026, 6, 1)
    errors = schedule_errors(effective_from=dt.date(2026, 5, 31), rates=[(1, D(5)), (1, D(6))],
                             bands=[(None, D(10), D(5)), (None, D(10), D(6)), (1, D(10), D(4))], today=today)
    assert set(errors) == {"effective_from", "category_rates", "ladder_bands"}
    assert schedule_errors(effective_from=today, rates=[], bands=[], today=today) == {
        "category_rates": ["Give the base rate of at least one category."]}
    assert schedule_errors(effective_from=today, rates=[(1, D(5))], bands=[(None, D(0), D(4))], today=today) == {}


# ---------------------------------------------------------------------------- in the admin


@pytest.fixture
def finance_client(client, loaded):
    user = staff("finance")
    client.force_login(user)
    return client, user


def test_finance_sees_the_tables_and_the_editor_offers_no_direct_publish(finance_client):
    client, _user = finance_client
    schedule = CommissionSchedule.objects.get()
    listing = client.get(reverse("wagtailsnippets_contracts_commissionschedule:list"))
    assert listing.status_code == 200 and "默认佣金表" in listing.content.decode()
    edit = client.get(reverse("wagtailsnippets_contracts_commissionschedule:edit", args=[schedule.pk]))
    html = edit.content.decode()
    assert edit.status_code == 200
    assert 'name="action-submit"' in html
    assert 'name="action-publish"' not in html


def test_a_posted_publish_is_not_carried_out(finance_client):
    client, _user = finance_client
    cats = categories()
    start = (commission_today() + dt.timedelta(days=10)).isoformat()
    data = {
        "title": "direct", "effective_from": start, "change_note": "try", "launch_multiplier": "0.5",
        "launch_months": "3", "discount_a": "10", "discount_b": "5", "discount_c": "0", "discount_d": "0",
        "discount_e": "0", "floor_percent": "1",
        "category_rates-TOTAL_FORMS": "1", "category_rates-INITIAL_FORMS": "0", "category_rates-MIN_NUM_FORMS": "1",
        "category_rates-MAX_NUM_FORMS": "1000", "category_rates-0-category": str(cats["other"].pk),
        "category_rates-0-rate_percent": "9", "category_rates-0-ORDER": "1", "category_rates-0-id": "",
        "ladder_bands-TOTAL_FORMS": "0", "ladder_bands-INITIAL_FORMS": "0", "ladder_bands-MIN_NUM_FORMS": "0",
        "ladder_bands-MAX_NUM_FORMS": "1000", "action-publish": "publish",
    }
    response = client.post(reverse("wagtailsnippets_contracts_commissionschedule:add"), data)
    assert response.status_code in (200, 302, 403)
    assert CommissionTableVersion.objects.count() == 1
    assert not CommissionSchedule.objects.filter(title="direct", live=True).exists()


def test_the_editor_refuses_a_base_rate_outside_five_to_fifteen_and_a_past_start(finance_client):
    client, _user = finance_client
    cats = categories()
    data = {
        "title": "bad", "effective_from": "2020-01-01", "change_note": "try", "launch_multiplier": "0.5",
        "launch_months": "3", "discount_a": "10", "discount_b": "5", "discount_c": "0", "discount_d": "0",
        "discount_e": "0", "floor_percent": "1",
        "category_rates-TOTAL_FORMS": "1", "category_rates-INITIAL_FORMS": "0", "category_rates-MIN_NUM_FORMS": "1",
        "category_rates-MAX_NUM_FORMS": "1000", "category_rates-0-category": str(cats["other"].pk),
        "category_rates-0-rate_percent": "16", "category_rates-0-ORDER": "1", "category_rates-0-id": "",
        "ladder_bands-TOTAL_FORMS": "0", "ladder_bands-INITIAL_FORMS": "0", "ladder_bands-MIN_NUM_FORMS": "0",
        "ladder_bands-MAX_NUM_FORMS": "1000",
    }
    response = client.post(reverse("wagtailsnippets_contracts_commissionschedule:add"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "effective_from" in form.errors
    assert form.formsets["category_rates"].errors[0]["rate_percent"]
    assert not CommissionSchedule.objects.filter(title="bad").exists()


def test_preview_shows_the_table_as_drafted(loaded, rf):
    from django.contrib.auth.models import AnonymousUser

    schedule = CommissionSchedule.objects.get()
    request = rf.get("/")
    request.user = AnonymousUser()
    with translation.override("en"):
        html = schedule.serve_preview(request, schedule.default_preview_mode).render().content.decode()
    assert "默认佣金表" in html and "12%" in html and "Grade A: −10% of the rate" in html


def test_the_tables_list_names_each_tables_versions(finance_client):
    client, _user = finance_client
    response = client.get(reverse("wagtailsnippets_contracts_commissionschedule:list"), HTTP_ACCEPT_LANGUAGE="en")
    assert ">v1<" in response.content.decode().replace(" ", "").replace("\n", "")


def _table_post(cats, *, title: str, start: dt.date, rate: str = "9", action: str = "action-submit") -> dict:
    return {
        "title": title, "effective_from": start.isoformat(), "change_note": "volume review",
        "launch_multiplier": "0.5", "launch_months": "3", "discount_a": "10", "discount_b": "5", "discount_c": "0",
        "discount_d": "0", "discount_e": "0", "floor_percent": "1",
        "category_rates-TOTAL_FORMS": "1", "category_rates-INITIAL_FORMS": "0", "category_rates-MIN_NUM_FORMS": "1",
        "category_rates-MAX_NUM_FORMS": "1000", "category_rates-0-category": str(cats["other"].pk),
        "category_rates-0-rate_percent": rate, "category_rates-0-ORDER": "1", "category_rates-0-id": "",
        "ladder_bands-TOTAL_FORMS": "1", "ladder_bands-INITIAL_FORMS": "0", "ladder_bands-MIN_NUM_FORMS": "0",
        "ladder_bands-MAX_NUM_FORMS": "1000", "ladder_bands-0-category": "", "ladder_bands-0-min_gmv": "500000",
        "ladder_bands-0-rate_percent": "8.5", "ladder_bands-0-ORDER": "1", "ladder_bands-0-id": "",
        action: "1",
    }


def test_submit_and_approve_through_the_admin_freezes_the_next_version(finance_client, client):
    maker_client, maker = finance_client
    start = commission_today() + dt.timedelta(days=14)
    response = maker_client.post(reverse("wagtailsnippets_contracts_commissionschedule:add"),
                                 _table_post(categories(), title="2027 volume", start=start))
    assert response.status_code == 302
    schedule = CommissionSchedule.objects.get(title="2027 volume")
    assert schedule.workflow_in_progress and not schedule.live
    task_state = schedule.current_workflow_task_state
    url = reverse("wagtailsnippets_contracts_commissionschedule:workflow_action",
                  args=[schedule.pk, "approve", task_state.pk])

    maker_client.post(url, {"comment": ""})  # the maker's own approval: refused
    assert CommissionTableVersion.objects.count() == 1 and schedule.workflow_in_progress

    checker = staff("recruitment_lead")
    client.force_login(checker)
    response = client.post(url, {"comment": "checked against the volume review"})
    assert response.status_code in (200, 302)
    version = CommissionTableVersion.objects.get(number=2)
    assert (version.effective_from, version.submitted_by, version.approved_by) == (start, maker, checker)
    assert [(b.category_id, b.min_gmv, b.rate_percent) for b in version.bands.all()] == [(None, D(500000), D("8.5"))]
    schedule.refresh_from_db()
    assert schedule.live and not schedule.workflow_in_progress
