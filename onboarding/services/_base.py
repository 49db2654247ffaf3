"""Shared plumbing of the onboarding services: the application's moves on `portal.workflow`, permission
checks, audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.permissions import Capability, require_capability
from portal.audit import audit_entry_create
from portal.exceptions import PermissionDenied
from portal.workflow import Transition, row_lock, transition_begin, transition_check

from ..models import Application
from ..permissions import (
    user_can_review,
    user_is_compliance,
    user_is_lead,
)

ACTION_PREFIX = "onboarding.application."


def now_or(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _lock_queryset():
    return Application.objects.select_related("merchant")


def lock_application(application: Application) -> Application:
    """Re-read the row under a row lock (PostgreSQL `SELECT … FOR UPDATE`); the caller holds a transaction.
    For the application's writes that are not status changes; a status change uses `application_move`."""
    return row_lock(application, queryset=_lock_queryset())


def _refused() -> str:
    return _("An application that is “%(current)s” cannot become “%(target)s”.")


def application_move(application: Application, *, target: str, actor: Any = None,
                     guard: Callable[[Any, Application], None] | None = None) -> Transition[Application]:
    """Lock the application, run `guard(actor, app)` (a permission check on the fresh row), and check the
    move to `target` against APPLICATION_TRANSITIONS (`portal.workflow`). Unless `.done`, the caller
    finishes it with `finish_move`."""
    return transition_begin(instance=application, target=target, queryset=_lock_queryset(),
                            guard=(lambda app: guard(actor, app)) if guard is not None else None,
                            refused_message=_refused())


def application_move_locked(app: Application, *, target: str) -> Transition[Application]:
    """The same check on an application the caller has already locked with `lock_application`."""
    return transition_check(app, target=target, refused_message=_refused())


def finish_move(move: Transition[Application], *, actor: Any, event: str, fields: dict | None = None,
                touched: Iterable[str] = (), data: dict | None = None) -> Application:
    """Set the status and fields, save them narrowly and write `onboarding.application.<event>`."""
    return move.finish(actor=actor, action=f"{ACTION_PREFIX}{event}", fields=fields, touched=touched, data=data)


def require_merchant_capability(actor: Any, app: Application, capability: Capability) -> None:
    """The actor is a user of the applying organisation whose role may do `capability`
    (`portal.accounts.permissions`); PermissionDenied otherwise."""
    require_capability(user=actor, merchant_id=app.merchant_id, capability=capability)


def merchant_guard(capability: Capability) -> Callable[[Any, Application], None]:
    """The `guard` of `application_move` for an applicant's transition that needs `capability`."""
    return lambda actor, app: require_merchant_capability(actor, app, capability)


def require_reviewer(actor: Any, app: Application) -> None:
    if not user_can_review(actor, app):
        raise PermissionDenied(_("You are not a reviewer of this application."))


def require_lead(actor: Any) -> None:
    if not user_is_lead(actor):
        raise PermissionDenied(_("Only a recruitment lead can do this."))


def require_compliance(actor: Any) -> None:
    if not user_is_compliance(actor):
        raise PermissionDenied(_("Only a compliance reviewer can do this."))


def audit(*, actor: Any, app: Application, event: str, data: dict | None = None,
          ip_address: str | None = None) -> None:
    audit_entry_create(actor=actor, action=f"{ACTION_PREFIX}{event}", target=app, data=data or {},
                       ip_address=ip_address)


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
