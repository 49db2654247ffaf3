"""The admin home's recruitment panels: the reviewer's own work by SLA state, the leads' squad load."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onboarding.models import Application
from onboarding.selectors.dashboard import reviewer_work, squads_load

from .admin_support import english_admin
from .workflow import S, app_in, world_build

pytestmark = pytest.mark.django_db


def _assign(app, reviewer, **fields):
    Application.objects.filter(pk=app.pk).update(assigned_reviewer=reviewer, **fields)


def test_my_work_by_sla_state_and_the_lists():
    w = world_build()
    now = timezone.now()
    breached, due_soon, waiting = app_in(w, S.IN_REVIEW), app_in(w, S.IN_REVIEW), app_in(w, S.INFO_REQUESTED)
    _assign(breached, w.reviewer, decision_due_at=now - dt.timedelta(hours=2))
    _assign(due_soon, w.reviewer, decision_due_at=now + dt.timedelta(hours=3))
    _assign(waiting, w.reviewer)
    other = app_in(w, S.IN_REVIEW)
    _assign(other, w.reviewer2, decision_due_at=now - dt.timedelta(hours=2))  # not mine
    work = reviewer_work(w.reviewer, now=now)
    assert work.total == 3
    assert work.counts == {"on_time": 0, "due_soon": 1, "breached": 1, "paused": 1}
    assert [a.pk for a in work.breached] == [breached.pk]
    assert [a.pk for a in work.waiting] == [waiting.pk]
    if timezone.localdate(now + dt.timedelta(hours=3)) == timezone.localdate(now):
        assert [a.pk for a in work.due_today] == [due_soon.pk]
    loads = {load.squad_id: load for load in squads_load()}
    squad = loads[w.squad.pk]
    assert squad.total == 4
    assert {(uid, n) for uid, _name, n in squad.reviewers} == {(w.reviewer.pk, 3), (w.reviewer2.pk, 1)}


def _home(client, user) -> tuple[str, int]:
    client.force_login(user)
    client.get("/admin/")  # warm caches
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/admin/").content.decode()
    return html, len(queries)


def test_home_panels_link_to_the_queue_and_keep_their_query_count(client):
    w = world_build()
    english_admin(w.reviewer, w.lead)
    first = app_in(w, S.IN_REVIEW)
    _assign(first, w.reviewer, decision_due_at=timezone.now() - dt.timedelta(hours=1))
    html, few = _home(client, w.reviewer)
    assert "My applications" in html
    assert f"/admin/applications/?assigned_reviewer={w.reviewer.pk}&amp;sla=breached" in html
    assert f"/admin/applications/{first.pk}/" in html
    assert "Squads&#x27; open applications" not in html  # leads only
    for _ in range(4):
        _assign(app_in(w, S.IN_REVIEW), w.reviewer, decision_due_at=timezone.now() - dt.timedelta(hours=1))
    html, many = _home(client, w.reviewer)
    assert many == few
    assert html.count("/admin/applications/") > 5

    html, lead_few = _home(client, w.lead)
    assert "Squads&#x27; open applications" in html
    assert f"/admin/applications/?squad={w.squad.pk}" in html
    app_in(w, S.SUBMITTED)
    html, lead_many = _home(client, w.lead)
    assert lead_many == lead_few
