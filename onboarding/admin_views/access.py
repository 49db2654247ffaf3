"""Who may open the review screens. Two layers, as everywhere in the portal: a staff role (the
Django group of `portal.roles.Role`) to enter a screen, and the object scoping of the core selectors
(django-guardian grants for reviewers) for every application shown, exported or acted on."""

from __future__ import annotations

from typing import Any

from portal.roles import Role, staff_roles, user_has_any_role
from portal.roles import RoleRequiredMixin as _RoleRequiredMixin

__all__ = ["REVIEW_ROLES", "RoleRequiredMixin", "staff_roles", "user_has_any_role", "user_is_compliance",
           "user_is_lead", "user_is_review_staff"]

# roles that work the review queue
REVIEW_ROLES = frozenset({Role.REVIEWER.value, Role.LEAD.value, Role.COMPLIANCE.value})


def user_is_review_staff(user: Any) -> bool:
    return user_has_any_role(user, REVIEW_ROLES)


def user_is_lead(user: Any) -> bool:
    return Role.LEAD.value in staff_roles(user)


def user_is_compliance(user: Any) -> bool:
    return Role.COMPLIANCE.value in staff_roles(user)


class RoleRequiredMixin(_RoleRequiredMixin):
    """The review screens' default: the review roles."""

    required_roles: frozenset[str] = REVIEW_ROLES
