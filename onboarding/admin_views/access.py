"""Who may open the review screens. Two layers, as everywhere in the portal: a staff role (the
Django group of `portal.roles.Role`) to enter a screen, and the object scoping of the core selectors
(django-guardian grants for reviewers) for every application shown, exported or acted on."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from portal.roles import Role

# roles that work the review queue
REVIEW_ROLES = frozenset({Role.REVIEWER.value, Role.LEAD.value, Role.COMPLIANCE.value})


def staff_roles(user: Any) -> frozenset[str]:
    """The user's staff roles, read once per request (cached on the user object); superusers hold all."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset(role.value for role in Role)
        else:
            cached = frozenset(user.groups.filter(name__in=[r.value for r in Role]).values_list("name", flat=True))
        user._portal_roles = cached
    return cached


def user_has_any_role(user: Any, roles: frozenset[str] | set[str]) -> bool:
    return bool(staff_roles(user) & set(roles))


def user_is_review_staff(user: Any) -> bool:
    return user_has_any_role(user, REVIEW_ROLES)


def user_is_lead(user: Any) -> bool:
    return Role.LEAD.value in staff_roles(user)


def user_is_compliance(user: Any) -> bool:
    return Role.COMPLIANCE.value in staff_roles(user)


class RoleRequiredMixin:
    """Class-based views declare `required_roles`; anyone without one of them gets 403 before any work."""

    required_roles: frozenset[str] = REVIEW_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not user_has_any_role(request.user, self.required_roles):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
