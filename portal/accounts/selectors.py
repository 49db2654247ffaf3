"""Reads for merchant accounts: a user's organisations and an organisation's team, always scoped so a
merchant user only ever reaches the organisations they belong to."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from portal.audit import audit_entries_for
from portal.models import Merchant, MerchantMembership, User

from .permissions import Capability, role_can
from .tokens import Invitation, TokenInvalid


def memberships_for_user(*, user: User) -> QuerySet[MerchantMembership]:
    """The user's memberships with their organisation, oldest first (the first is the default)."""
    if not getattr(user, "is_authenticated", False):
        return MerchantMembership.objects.none()
    return MerchantMembership.objects.filter(user=user).select_related("merchant").order_by("created_at", "id")


def membership_current_for_user(*, user: User, merchant_id: int | None = None) -> MerchantMembership | None:
    """The membership the user works in: the organisation `merchant_id` if they belong to it, else their first."""
    memberships = memberships_for_user(user=user)
    if merchant_id is not None:
        chosen = memberships.filter(merchant_id=merchant_id).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def merchant_memberships_list(*, merchant: Merchant) -> QuerySet[MerchantMembership]:
    """The team of one organisation by role (owners, admins, finance, operations), then by email."""
    owner_first = Case(*[When(role=role, then=Value(rank)) for rank, role in enumerate(MerchantMembership.Role.values)],
                       default=Value(len(MerchantMembership.Role.values)), output_field=IntegerField())
    return (
        MerchantMembership.objects.filter(merchant=merchant)
        .select_related("user")
        .annotate(owner_first=owner_first)
        .order_by("owner_first", "user__email")
    )


def merchant_owner_count(*, merchant: Merchant) -> int:
    return MerchantMembership.objects.filter(merchant=merchant, role=MerchantMembership.Role.OWNER).count()


def user_greeting_name(*, user: User, fallback: str = "") -> str:
    """The name to greet `user` by in an email: their full name, else `fallback` (for a merchant user, the
    contact name on their application); empty when neither is known. Never the email address."""
    return " ".join(user.get_full_name().split()) or " ".join((fallback or "").split())


def user_by_email(*, email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()


def user_by_id(*, user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()


def invitation_merchant_get(*, invitation: Invitation) -> Merchant:
    """The organisation of an invitation that can still be used: not yet accepted, the address not yet a member,
    the inviter still allowed to invite in the invitation's role. Raises TokenInvalid otherwise."""
    merchant = Merchant.objects.filter(pk=invitation.merchant_id).first()
    if merchant is None:
        raise TokenInvalid(_("This invitation is no longer valid: the organisation does not exist any more."))
    if invitation.role not in MerchantMembership.Role.values:
        raise TokenInvalid(_("This invitation link is not valid."))
    inviter = MerchantMembership.objects.filter(merchant=merchant, user_id=invitation.inviter_id).first()
    needed = Capability.MANAGE_ROLES if invitation.role == MerchantMembership.Role.OWNER else Capability.INVITE
    if inviter is None or not role_can(inviter.role, needed):
        raise TokenInvalid(_("This invitation is no longer valid: the person who sent it may no longer invite "
                             "colleagues."))
    if audit_entries_for(target=merchant).filter(
        action="portal.merchant.invitation_accepted", data__nonce=invitation.nonce
    ).exists():
        raise TokenInvalid(_("This invitation has already been used."))
    if MerchantMembership.objects.filter(merchant=merchant, user__email__iexact=invitation.email).exists():
        raise TokenInvalid(_("This invitation has already been used: %(email)s is a member of %(merchant)s.")
                           % {"email": invitation.email, "merchant": merchant.name})
    return merchant
