"""Shared plumbing of the onboarding services: locking, transition checks, permission checks, audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import InvalidTransition, PermissionDenied

from ..models import Application
from ..permissions import (
    user_can_review,
    user_is_compliance,
    user_is_lead,
    user_is_merchant_member,
)

ACTION_PREFIX = "onboarding.application."


def now_or(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def lock_application(application: Application) -> Application:
    """Re-read the row under a row lock (PostgreSQL `SELECT … FOR UPDATE`); the caller holds a transaction."""
    return (Application.objects.select_for_update(of=("self",))
            .select_related("merchant").get(pk=application.pk))


def transition_needed(app: Application, target: str) -> bool:
    """False when the application is already in `target` (the caller returns quietly); raises
    InvalidTransition when the map does not allow the move."""
    if app.status == target:
        return False
    if target not in Application.ALLOWED_TRANSITIONS[app.status]:
        raise InvalidTransition(
            _("An application that is “%(current)s” cannot become “%(target)s”.")
            % {"current": app.get_status_display(), "target": Application.Status(target).label},
            extra={"current": app.status, "target": target},
        )
    return True


def require_member(actor: Any, app: Application) -> None:
    if not user_is_merchant_member(actor, app.merchant_id):
        raise PermissionDenied(_("Only users of the applying organisation can do this."))


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
