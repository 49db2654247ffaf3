"""The review queue in the Wagtail admin: filters, search, scoping, ordering, query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onboarding.models import Application, ApplicationStatus, Profile
from portal.roles import Role
from tests.factories.portal import CategoryFactory

from .admin_support import application, queue_url, squad_with, staff

pytestmark = pytest.mark.django_db


def rows(response) -> set[int]:
    assert response.status_code == 200, response.content[:500]
    return {a.pk for a in response.context["page_obj"].object_list}


@pytest.fixture
def world():
    """Two squads, a reviewer in each, a lead, and applications in various states."""
    cat_a, cat_b = CategoryFactory(code="apparel"), CategoryFactory(code="fresh")
    rev_a, rev_b = staff(Role.REVIEWER, "rev-a@example.com"), staff(Role.REVIEWER, "rev-b@example.com")
    lead = staff(Role.LEAD, "lead@example.com")
    squad_a = squad_with(name="Squad A", categories=[cat_a], members=[rev_a])
    squad_b = squad_with(name="Squad B", categories=[cat_b], members=[rev_b])
    now = timezone.now()
    apps = {
        "a_review": application(squad=squad_a, reviewer=rev_a, company_name="Alpha Apparel", score=90,
                                profile=Profile.CORE, contact_email="sales@alpha.example.com"),
        "a_submitted": application(status=ApplicationStatus.SUBMITTED, squad=squad_a, reviewer=rev_a,
                                   company_name="Apex Wear", score=40, profile=Profile.POTENTIAL,
                                   credit_code="91310000MA1FL7XQ2Y", submitted_at=now - dt.timedelta(hours=2),
                                   first_touch_due_at=now + dt.timedelta(days=2)),
        "a_paused": application(status=ApplicationStatus.INFO_REQUESTED, squad=squad_a, reviewer=None,
                                company_name="Azure Cloth", score=70),
        "b_review": application(squad=squad_b, reviewer=rev_b, company_name="Berry Fresh", score=60,
                                profile=Profile.STRATEGIC,
                                submitted_at=now - dt.timedelta(days=20),
                                decision_due_at=now - dt.timedelta(days=2)),
        "b_soon": application(squad=squad_b, reviewer=rev_b, company_name="Basil Greens", score=20,
                              decision_due_at=now + dt.timedelta(hours=5)),
    }
    application(status=ApplicationStatus.DRAFT, squad=squad_a, company_name="Draft Co")  # never in the queue
    return {"lead": lead, "rev_a": rev_a, "rev_b": rev_b, "squad_a": squad_a, "squad_b": squad_b,
            "cat_a": cat_a, "cat_b": cat_b, "apps": apps}


def ids(world, *names):
    return {world["apps"][n].pk for n in names}


def test_lead_sees_every_submitted_application_and_no_draft(client, world):
    client.force_login(world["lead"])
    assert rows(client.get(queue_url())) == ids(world, *world["apps"])


@pytest.mark.parametrize(("params", "expected"), [
    ({"status": "in_review"}, ["a_review", "b_review", "b_soon"]),
    ({"status": ["submitted", "info_requested"]}, ["a_submitted", "a_paused"]),
    ({"profile": "strategic"}, ["b_review"]),
    ({"score_min": "50", "score_max": "80"}, ["a_paused", "b_review"]),
    ({"score_min": "85"}, ["a_review"]),
    ({"sla": "breached"}, ["b_review"]),
    ({"sla": "due_soon"}, ["b_soon"]),
    ({"sla": "paused"}, ["a_paused"]),
    ({"sla": "on_time"}, ["a_review", "a_submitted"]),
    ({"q": "alpha"}, ["a_review"]),
    ({"q": "MA1FL7XQ2Y"}, ["a_submitted"]),
    ({"q": "sales@alpha"}, ["a_review"]),
])
def test_filters_return_the_right_rows(client, world, params, expected):
    client.force_login(world["lead"])
    assert rows(client.get(queue_url(**params))) == ids(world, *expected)


def test_category_squad_and_reviewer_filters(client, world):
    client.force_login(world["lead"])
    assert rows(client.get(queue_url(main_category=world["cat_b"].pk))) == ids(world, "b_review", "b_soon")
    assert rows(client.get(queue_url(squad=world["squad_a"].pk))) == ids(world, "a_review", "a_submitted", "a_paused")
    assert rows(client.get(queue_url(assigned_reviewer=world["rev_b"].pk))) == ids(world, "b_review", "b_soon")
    assert rows(client.get(queue_url(assigned_reviewer="none"))) == ids(world, "a_paused")


def test_submitted_date_range_filter(client, world):
    client.force_login(world["lead"])
    today = timezone.localdate()
    old = (today - dt.timedelta(days=20)).isoformat()
    assert rows(client.get(queue_url(submitted_from=old, submitted_to=old))) == ids(world, "b_review")
    recent = (today - dt.timedelta(days=3)).isoformat()
    assert rows(client.get(queue_url(submitted_from=recent))) == ids(world, "a_review", "a_submitted", "a_paused",
                                                                        "b_soon")


def test_invalid_filter_values_give_the_form_error_not_a_500(client, world):
    client.force_login(world["lead"])
    response = client.get(queue_url(score_min="lots", submitted_from="yesterday", status="bogus"))
    assert response.status_code == 200
    assert response.context["filters"].errors


def test_reviewer_sees_only_their_squads_applications(client, world):
    client.force_login(world["rev_a"])
    assert rows(client.get(queue_url())) == ids(world, "a_review", "a_submitted", "a_paused")
    # filtering on the other squad does not widen the scope
    assert rows(client.get(queue_url(squad=world["squad_b"].pk))) == set()
    client.force_login(world["rev_b"])
    assert rows(client.get(queue_url())) == ids(world, "b_review", "b_soon")


def test_sorting_by_score_both_ways(client, world):
    client.force_login(world["lead"])
    ordered = [a.pk for a in client.get(queue_url(ordering="score")).context["page_obj"].object_list]
    scores = list(Application.objects.filter(pk__in=ordered).order_by("score").values_list("pk", flat=True))
    assert ordered == scores
    ordered_desc = [a.pk for a in client.get(queue_url(ordering="-score")).context["page_obj"].object_list]
    assert ordered_desc == scores[::-1]


def test_default_order_is_the_decision_deadline(client, world):
    client.force_login(world["lead"])
    ordered = [a.pk for a in client.get(queue_url()).context["page_obj"].object_list]
    assert ordered[:2] == [world["apps"]["b_review"].pk, world["apps"]["b_soon"].pk]


def test_page_shows_sla_state_and_links_to_the_detail(client, world):
    client.force_login(world["lead"])
    html = client.get(queue_url()).content.decode()
    assert "Breached" in html and "Due soon" in html and "Paused" in html
    assert f"/admin/applications/{world['apps']['a_review'].pk}/" in html


def test_people_without_a_review_role_are_refused(client, world):
    finance = staff(Role.FINANCE)
    client.force_login(finance)
    response = client.get(queue_url())
    assert response.status_code in (302, 403)
    assert "page_obj" not in (response.context or {})


def test_menu_item_only_for_review_staff(client, world):
    client.force_login(world["rev_a"])
    assert "/admin/applications/" in client.get("/admin/").content.decode()
    client.force_login(staff(Role.EDITOR))
    assert "/admin/applications/" not in client.get("/admin/").content.decode()


def _bulk_applications(n: int, *, squad, category, merchant, creator, reviewer) -> None:
    now = timezone.now()
    Application.objects.bulk_create([
        Application(merchant=merchant, created_by=creator, status=ApplicationStatus.IN_REVIEW,
                    company_name=f"Bulk {i}", main_category=category, squad=squad, assigned_reviewer=reviewer,
                    profile=Profile.CORE, score=i % 100, submitted_at=now - dt.timedelta(hours=i),
                    first_touched_at=now, decision_due_at=now + dt.timedelta(hours=i % 300))
        for i in range(n)
    ], batch_size=500)


def _count(client, url) -> int:
    client.get(url)  # warm caches (site root, settings, content types)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["lead", "rev_a"])
def test_query_count_does_not_grow_with_the_queue(client, world, who):
    app = world["apps"]["a_review"]
    user = world[who]
    client.force_login(user)
    url = queue_url(ordering="-score")
    _bulk_applications(10, squad=world["squad_a"], category=world["cat_a"], merchant=app.merchant,
                       creator=app.created_by, reviewer=world["rev_a"])
    small = _count(client, url)
    _bulk_applications(990, squad=world["squad_a"], category=world["cat_a"], merchant=app.merchant,
                       creator=app.created_by, reviewer=world["rev_a"])
    if who == "rev_a":
        # the reviewer sees what is granted to them, as submission grants it
        from onboarding.services.assignment import grants_replace

        for bulk_app in Application.objects.filter(company_name__startswith="Bulk "):
            grants_replace(app=bulk_app)
    large = _count(client, url)
    assert Application.objects.count() > 1000
    assert large == small, f"{small} queries for the small queue, {large} for the large one"
    assert large <= 25
