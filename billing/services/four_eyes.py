"""Four-eyes for money actions (BUSINESS_RULES §1, §4.3): whoever starts a deduction or a refund never approves
it (superusers included). Up to the action's threshold one approver suffices: a finance or management user who is
not the maker. Above it two different approvers, neither the maker, one of finance and one of management, in
either order (a user holding both roles, a superuser, may stand for either, never for both)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from portal.exceptions import PermissionDenied
from portal.money import format_money
from portal.roles import Role, staff_roles

APPROVER_ROLES = frozenset({Role.FINANCE.value, Role.MANAGEMENT.value})
FIRST = "first"
FINAL = "final"


def user_may_approve_money(user: Any) -> bool:
    return bool(staff_roles(user) & APPROVER_ROLES)


def approvals_needed(amount: Decimal, threshold: Decimal) -> int:
    return 2 if amount > threshold else 1


def approval_step(*, actor: Any, maker_id: int | None, first_approver_id: int | None, amount: Decimal,
                  threshold: Decimal, currency: str) -> str:
    """Whether `actor`'s approval is the first of two (FIRST) or completes the approval (FINAL); raises
    PermissionDenied with the reason when `actor` may not approve now."""
    roles = staff_roles(actor)
    if not roles & APPROVER_ROLES:
        raise PermissionDenied(_("Only finance or management can approve this."))
    if maker_id is not None and actor.pk == maker_id:
        raise PermissionDenied(_("You started this; another person has to approve it."))
    if approvals_needed(amount, threshold) == 1:
        return FINAL
    if first_approver_id is None:
        return FIRST
    if actor.pk == first_approver_id:
        raise PermissionDenied(_("You have already approved this; the second approval comes from someone else."))
    first = get_user_model().objects.filter(pk=first_approver_id).first()
    first_roles = staff_roles(first) if first is not None else frozenset()
    finance, management = Role.FINANCE.value, Role.MANAGEMENT.value
    if (finance in first_roles and management in roles) or (management in first_roles and finance in roles):
        return FINAL
    missing = _("management") if finance in first_roles else _("finance")
    raise PermissionDenied(
        _("Above %(threshold)s finance and management both approve: the second approval has to come from "
          "%(role)s.") % {"threshold": format_money(threshold, currency), "role": missing})
