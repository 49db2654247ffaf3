"""The admin home of the recruitment team: the user's own work by SLA state, and the squads' load for
leads. A constant number of queries whatever the number of applications."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from portal.models import Squad

from ..models import OPEN_REVIEW_STATUSES, Application, ApplicationStatus
from .review import SlaState, sla_state

LIST_LIMIT = 10
_ROW_FIELDS = ("pk", "company_name", "status", "decision_due_at", "first_touch_due_at", "first_touched_at",
               "sla_paused_at", "submitted_at")


@dataclass
class MyWork:
    """The applications assigned to one reviewer that are still open."""

    counts: dict[str, int]  # SLA state → number (on_time, due_soon, breached, paused)
    due_today: list[Application] = field(default_factory=list)
    breached: list[Application] = field(default_factory=list)
    waiting: list[Application] = field(default_factory=list)  # information requested: the applicant's turn
    total: int = 0


@dataclass
class SquadLoad:
    squad_id: int | None
    squad_name: str
    total: int
    reviewers: list[tuple[int | None, str, int]]  # (user id, name, open applications)


def _due(app: Application) -> dt.datetime | None:
    due = app.decision_due_at
    if app.first_touched_at is None and app.first_touch_due_at is not None:
        due = min(due, app.first_touch_due_at) if due else app.first_touch_due_at
    return due


def reviewer_work(user: Any, *, now: dt.datetime | None = None) -> MyWork:
    """The user's open applications by SLA state, with the ones due today, breached and waiting for the
    applicant (each list at most LIST_LIMIT long, most urgent first). One query."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rows = list(Application.objects.filter(assigned_reviewer=user, status__in=OPEN_REVIEW_STATUSES)
                .only(*_ROW_FIELDS).order_by("decision_due_at", "pk"))
    states = (SlaState.ON_TIME, SlaState.DUE_SOON, SlaState.BREACHED, SlaState.PAUSED)
    work = MyWork(counts=dict.fromkeys(states, 0), total=len(rows))
    for app in rows:
        state = sla_state(app, now=now)
        app.sla = state
        if state in work.counts:
            work.counts[state] += 1
        due = _due(app)
        if state == SlaState.BREACHED:
            work.breached.append(app)
        elif state != SlaState.PAUSED and due is not None and timezone.localdate(due) == today:
            work.due_today.append(app)
        if app.status == ApplicationStatus.INFO_REQUESTED:
            work.waiting.append(app)
    work.breached = work.breached[:LIST_LIMIT]
    work.due_today = work.due_today[:LIST_LIMIT]
    work.waiting = work.waiting[:LIST_LIMIT]
    return work


def squads_load() -> list[SquadLoad]:
    """Open applications per squad and per reviewer, for leads (three queries: counts, squads, users)."""
    counts = list(Application.objects.filter(status__in=OPEN_REVIEW_STATUSES).order_by()
                  .values("squad_id", "assigned_reviewer_id").annotate(n=Count("pk")))
    squads = {s.pk: str(s) for s in Squad.objects.filter(pk__in={c["squad_id"] for c in counts} - {None})}
    user_ids = {c["assigned_reviewer_id"] for c in counts} - {None}
    users = {u.pk: u.get_full_name() or u.email for u in get_user_model().objects.filter(pk__in=user_ids)}
    by_squad: dict[int | None, SquadLoad] = {}
    for row in counts:
        load = by_squad.setdefault(row["squad_id"], SquadLoad(row["squad_id"], squads.get(row["squad_id"], ""),
                                                              0, []))
        load.total += row["n"]
        load.reviewers.append((row["assigned_reviewer_id"], users.get(row["assigned_reviewer_id"], ""), row["n"]))
    for load in by_squad.values():
        load.reviewers.sort(key=lambda r: (-r[2], r[1]))
    return sorted(by_squad.values(), key=lambda load: (-load.total, load.squad_name))
