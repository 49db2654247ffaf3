"""Who reviews an application: the squad of its main category, round-robin by open load, and the
django-guardian object grants that follow from it. Grants are made and revoked only here."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Count, Q

from portal.models import Squad
from portal.roles import Role

from ..models import OPEN_REVIEW_STATUSES, Application, ApplicationUserObjectPermission
from ..permissions import GRANTED_CODENAMES


def _open_load_filter() -> Q:
    return Q(assigned_applications__status__in=OPEN_REVIEW_STATUSES)


def reviewer_pick(*, candidates_qs) -> Any | None:
    """The candidate with the fewest open applications; ties go to the one with the fewest assignments
    ever (which makes equal loads take turns), then the lowest id."""
    return (
        candidates_qs.filter(is_active=True)
        .annotate(open_load=Count("assigned_applications", filter=_open_load_filter(), distinct=True),
                  total_load=Count("assigned_applications", distinct=True))
        .order_by("open_load", "total_load", "pk")
        .first()
    )


def squad_pick(*, category_id: int | None) -> Squad | None:
    """Of the squads covering the category, the one with the fewest open applications."""
    if category_id is None:
        return None
    return (
        Squad.objects.filter(categories=category_id)
        .annotate(open_load=Count("applications", filter=Q(applications__status__in=OPEN_REVIEW_STATUSES),
                                  distinct=True))
        .order_by("open_load", "pk")
        .first()
    )


def squad_reviewer_pick(*, squad: Squad) -> Any | None:
    User = get_user_model()
    reviewer = reviewer_pick(candidates_qs=User.objects.filter(squads=squad))
    if reviewer is None and squad.lead_id is not None and squad.lead.is_active:
        reviewer = squad.lead
    return reviewer


def lead_pick() -> Any | None:
    User = get_user_model()
    return reviewer_pick(candidates_qs=User.objects.filter(groups__name=Role.LEAD.value))


def grants_replace(*, app: Application) -> None:
    """Give exactly the squad's members, its lead and the assigned reviewer the view/review grants on `app`."""
    ApplicationUserObjectPermission.objects.filter(content_object=app).delete()
    user_ids: set[int] = set()
    if app.squad_id is not None:
        squad = Squad.objects.get(pk=app.squad_id)
        user_ids |= set(squad.members.filter(is_active=True).values_list("pk", flat=True))
        if squad.lead_id:
            user_ids.add(squad.lead_id)
    if app.assigned_reviewer_id:
        user_ids.add(app.assigned_reviewer_id)
    perms = list(Permission.objects.filter(content_type__app_label="onboarding", codename__in=GRANTED_CODENAMES))
    ApplicationUserObjectPermission.objects.bulk_create(
        [ApplicationUserObjectPermission(user_id=uid, permission=perm, content_object=app)
         for uid in sorted(user_ids) for perm in perms],
        ignore_conflicts=True,
    )


def assignment_apply(*, app: Application) -> list[str]:
    """Pick the squad and reviewer for a newly submitted application and grant them; returns the changed
    field names for the caller's save. No squad for the main category → no squad, a recruitment lead; a
    squad with nobody in it yet → that squad, a recruitment lead as the reviewer."""
    squad = squad_pick(category_id=app.main_category_id)
    reviewer = squad_reviewer_pick(squad=squad) if squad is not None else None
    if reviewer is None:  # no squad, or a squad without members or lead yet
        reviewer = lead_pick()
    app.squad = squad
    app.assigned_reviewer = reviewer
    grants_replace(app=app)
    return ["squad", "assigned_reviewer"]
