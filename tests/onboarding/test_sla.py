"""SLA clocks on PRC working days: deadlines at submission, the pause while the applicant answers, states."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from onboarding.selectors import SlaState, sla_state
from onboarding.services import (
    application_resubmit,
    application_start_review,
    application_submit,
    info_request_create,
)
from portal.calendar import calendar_defaults_load

from .workflow import owner, world_build

pytestmark = pytest.mark.django_db


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def w():
    calendar_defaults_load()
    return world_build()


def test_deadlines_over_national_day(w):
    app = w.draft()
    app = application_submit(application=app, actor=owner(app), now=local(2026, 9, 30, 10, 0))
    # 24 working hours: the rest of 30 September, then nothing until Thursday 8 October
    assert app.first_touch_due_at == local(2026, 10, 8, 10, 0)
    # 5 working days: 8, 9, 10 (Saturday, adjusted), 12, 13 October
    assert app.decision_due_at == local(2026, 10, 13, 10, 0)


def test_pause_moves_the_deadline_by_the_working_time_paused(w):
    app = w.draft()
    app = application_submit(application=app, actor=owner(app), now=local(2026, 9, 30, 10, 0))
    app = application_start_review(application=app, actor=w.reviewer, now=local(2026, 10, 8, 9, 0))
    info_request_create(application=app, actor=w.reviewer, items=[("address", "Full address?")],
                        now=local(2026, 10, 8, 12, 0))
    app.refresh_from_db()
    assert sla_state(app, now=local(2026, 10, 20)) == SlaState.PAUSED
    app = application_resubmit(application=app, actor=owner(app), now=local(2026, 10, 12, 12, 0))
    # paused: 12 h on the 8th, the 9th, the 10th (adjusted workday), not Sunday 11th, 12 h on the 12th = 3 days
    assert app.sla_paused_total == dt.timedelta(days=3)
    assert app.decision_due_at == local(2026, 10, 16, 10, 0)


def test_sla_states(w):
    app = w.draft()
    submitted = local(2026, 11, 2, 10, 0)  # a Monday
    app = application_submit(application=app, actor=owner(app), now=submitted)
    assert sla_state(app, now=submitted + dt.timedelta(hours=1)) == SlaState.DUE_SOON  # first touch within 24 h
    assert sla_state(app, now=submitted + dt.timedelta(hours=25)) == SlaState.BREACHED
    app = application_start_review(application=app, actor=w.reviewer, now=submitted + dt.timedelta(hours=2))
    assert sla_state(app, now=submitted + dt.timedelta(hours=3)) == SlaState.ON_TIME
    assert app.decision_due_at == local(2026, 11, 9, 10, 0)
    assert sla_state(app, now=local(2026, 11, 8, 12, 0)) == SlaState.DUE_SOON
    assert sla_state(app, now=local(2026, 11, 9, 10, 1)) == SlaState.BREACHED
    assert sla_state(w.draft()) == SlaState.STOPPED
