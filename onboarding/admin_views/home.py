"""The recruitment team's panels on the admin home page (`construct_homepage_panels`)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component

from ..filters import UNASSIGNED
from ..selectors import SlaState
from ..selectors.dashboard import reviewer_work, squads_load
from .access import user_is_lead, user_is_review_staff
from .queue import url


def queue_url(**filters) -> str:
    return f"{url('index')}?{urlencode(filters)}" if filters else url("index")


class MyWorkPanel(Component):
    name = "onboarding_my_work"
    template_name = "onboarding/admin/home/my_work.html"
    order = 50

    def __init__(self, user) -> None:
        self.user = user

    def get_context_data(self, parent_context=None):
        work = reviewer_work(self.user)
        mine = {"assigned_reviewer": self.user.pk}
        states = [(state, SlaState(state).label, work.counts[state], queue_url(**mine, sla=state))
                  for state in (SlaState.ON_TIME, SlaState.DUE_SOON, SlaState.BREACHED, SlaState.PAUSED)]
        return {"work": work, "states": states, "all_url": queue_url(**mine),
                "breached_url": queue_url(**mine, sla=SlaState.BREACHED),
                "waiting_url": queue_url(**mine, status="info_requested"),
                "heading": _("My applications")}


class SquadsLoadPanel(Component):
    name = "onboarding_squads_load"
    template_name = "onboarding/admin/home/squads_load.html"
    order = 60

    def get_context_data(self, parent_context=None):
        loads = squads_load()
        for load in loads:
            load.url = queue_url(squad=load.squad_id) if load.squad_id else queue_url()
            load.reviewer_rows = [
                (name or _("Unassigned"), count,
                 queue_url(**({"squad": load.squad_id} if load.squad_id else {}),
                           assigned_reviewer=user_id if user_id else UNASSIGNED))
                for user_id, name, count in load.reviewers
            ]
        return {"loads": loads, "heading": _("Squads' open applications")}


def homepage_panels(request, panels) -> None:
    user = request.user
    if not user_is_review_staff(user):
        return
    panels.append(MyWorkPanel(user))
    if user_is_lead(user):
        panels.append(SquadsLoadPanel())
