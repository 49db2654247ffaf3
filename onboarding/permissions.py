"""Who may do what to an application. Object grants (django-guardian) are made and revoked only by
`onboarding.services`; these helpers only read them."""

from __future__ import annotations

from typing import Any

from portal.models import MerchantMembership
from portal.roles import Role, user_has_role

VIEW_PERMISSION = "onboarding.view_application"
REVIEW_PERMISSION = "onboarding.review_application"
GRANTED_CODENAMES = ("view_application", "review_application")


def user_is_merchant_member(user: Any, merchant_id: int) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return MerchantMembership.objects.filter(merchant_id=merchant_id, user=user).exists()


def user_is_lead(user: Any) -> bool:
    return user_has_role(user, Role.LEAD)


def user_is_compliance(user: Any) -> bool:
    return user_has_role(user, Role.COMPLIANCE)


def user_sees_all_applications(user: Any) -> bool:
    """Leads, compliance and superusers see every application; reviewers only their grants."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=[Role.LEAD.value, Role.COMPLIANCE.value]).exists()


def user_can_review(user: Any, application: Any) -> bool:
    """Document checks, information requests, starting the review: the squad's reviewers (object grant),
    leads, compliance and superusers."""
    if user_sees_all_applications(user):
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    from .models import ApplicationUserObjectPermission

    return ApplicationUserObjectPermission.objects.filter(
        user=user, content_object_id=application.pk, permission__codename="review_application",
        permission__content_type__app_label="onboarding",
    ).exists()


def user_can_view(user: Any, application: Any) -> bool:
    """Merchant members of the application's merchant, or staff who may review it."""
    return user_is_merchant_member(user, application.merchant_id) or user_can_review(user, application) or (
        _has_view_grant(user, application)
    )


def _has_view_grant(user: Any, application: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    from .models import ApplicationUserObjectPermission

    return ApplicationUserObjectPermission.objects.filter(
        user=user, content_object_id=application.pk, permission__codename="view_application",
        permission__content_type__app_label="onboarding",
    ).exists()
