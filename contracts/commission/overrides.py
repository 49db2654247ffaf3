"""Commission overrides: proposed with a reason, approved or rejected by a second person (BUSINESS_RULES §4.3,
§7). An approved override replaces the computed rate in its date range and is listed in the explanation.

What holds:
- only finance, the recruitment lead and administrators propose and decide; the proposer never decides their
  own proposal;
- a reason is required, the rate is 0–100%, the range ends on or after it starts and starts today or later
  (the past is never re-priced);
- each proposal and decision writes one audit entry in its transaction; a decided override never changes.
No money moves here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, PermissionDenied
from portal.roles import Role, user_has_role
from portal.workflow import transition_begin

from .tables import commission_today

OVERRIDE_ROLES = (Role.FINANCE, Role.LEAD, Role.ADMIN)


class CommissionOverrideInvalid(ApplicationError):
    """An override proposal breaks a rule. `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(m for ms in errors.values() for m in ms), extra={"errors": errors})


def user_can_decide_overrides(user) -> bool:
    return any(user_has_role(user, role) for role in OVERRIDE_ROLES)


def _require_role(actor) -> None:
    if not user_can_decide_overrides(actor):
        raise PermissionDenied(gettext("Only finance, the recruitment lead or an administrator may do this."))


@transaction.atomic
def commission_override_propose(*, contract, rate_percent: Decimal, reason: str, effective_from: dt.date,
                                effective_to: dt.date | None = None, category=None, actor,
                                ip_address: str | None = None):
    """Propose an override of `contract`'s rate (for `category`, or every category when None)."""
    from contracts.models import CommissionOverride

    _require_role(actor)
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors.setdefault("reason", []).append(gettext("Give the reason for the override."))
    try:
        rate = Decimal(rate_percent)
    except (InvalidOperation, TypeError, ValueError):
        rate = None
    if isinstance(rate_percent, float) or rate is None or not rate.is_finite() or not 0 <= rate <= 100:
        errors.setdefault("rate_percent", []).append(gettext("Enter a rate between 0% and 100%."))
    today = commission_today()
    if effective_from < today:
        errors.setdefault("effective_from", []).append(
            gettext("An override cannot start in the past; start it today (%(today)s) or later.")
            % {"today": today.isoformat()})
    if effective_to is not None and effective_to < effective_from:
        errors.setdefault("effective_to", []).append(gettext("The end date must be on or after the start date."))
    if errors:
        raise CommissionOverrideInvalid(errors)
    override = CommissionOverride.objects.create(
        contract=contract, category=category, rate_percent=rate, reason=reason, effective_from=effective_from,
        effective_to=effective_to, proposed_by=actor)
    audit_entry_create(actor=actor, action="contracts.commission_override.proposed", target=override,
                       data={"contract": contract.pk, "category": category.pk if category else None,
                             "rate_percent": rate, "reason": reason, "effective_from": effective_from,
                             "effective_to": effective_to}, ip_address=ip_address)
    return override


def _decide(*, override, actor, target: str, action: str, note: str, ip_address: str | None):
    _require_role(actor)

    def guard(locked) -> None:
        if locked.proposed_by_id == actor.pk and locked.status != target:
            raise PermissionDenied(gettext("A second person decides an override, never the one who proposed it."))

    with transaction.atomic():
        move = transition_begin(instance=override, target=target, guard=guard)
        if move.done:
            return move.obj
        return move.finish(actor=actor, action=action, ip_address=ip_address,
                           fields={"approved_by": actor, "decided_at": timezone.now(), "decision_note": note},
                           data={"contract": move.obj.contract_id, "note": note,
                                 "rate_percent": move.obj.rate_percent})


def commission_override_approve(*, override, actor, note: str = "", ip_address: str | None = None):
    """Approve a proposed override (by someone other than its proposer): from now on it applies."""
    return _decide(override=override, actor=actor, target="approved", action="contracts.commission_override.approved",
                   note=note, ip_address=ip_address)


def commission_override_reject(*, override, actor, note: str = "", ip_address: str | None = None):
    """Reject a proposed override (by someone other than its proposer)."""
    return _decide(override=override, actor=actor, target="rejected", action="contracts.commission_override.rejected",
                   note=note, ip_address=ip_address)
