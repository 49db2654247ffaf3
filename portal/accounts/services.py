"""Writes for merchant accounts: sign-up, email verification, team invitations and membership changes.

Invariants:
- Every organisation keeps at least one owner. What each role may do is `portal.accounts.permissions`: owners
  and admins invite (only an owner invites an owner); only owners change roles and remove others; anyone may
  leave.
- An invitation is a signed token (no table); it is used up once its nonce appears in an accepted-invitation
  audit entry, and it dies when its inviter may no longer invite. It carries the role the invited person gets.
- Emails go out from Celery tasks enqueued with `transaction.on_commit`, in the recipient's language, so a
  rolled-back sign-up never mails anyone.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, PermissionDenied
from portal.models import Merchant, MerchantMembership, User
from portal.site import site_url

from . import selectors
from .permissions import Capability, require_capability, role_can
from .tokens import (
    TokenInvalid,
    email_verify_max_age,
    email_verify_token_make,
    email_verify_token_read,
    invitation_max_age,
    invitation_token_make,
    invitation_token_read,
)

DEMO_MERCHANT_NAME = "演示商贸有限公司 Demo Trading Co."


class EmailTaken(ApplicationError):
    """An account with this email address already exists."""


# --- helpers -------------------------------------------------------------------------------------------------


def _language_or_default(language: str | None) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    return language if language in codes else settings.LANGUAGE_CODE


def _email_normalise(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ApplicationError(_("Enter a valid email address."), extra={"field": "email"}) from exc
    return email


def _mail_send(*, to: str, language: str, template: str, context: dict) -> None:
    """Render `accounts/email/<template>_subject.txt` and `_body.txt` in `language` and send one email."""
    with translation.override(_language_or_default(language)):
        subject = "".join(render_to_string(f"accounts/email/{template}_subject.txt", context).splitlines()).strip()
        body = render_to_string(f"accounts/email/{template}_body.txt", context)
    EmailMultiAlternatives(subject=subject, body=body, to=[to]).send()


# --- sign-up and verification --------------------------------------------------------------------------------


def merchant_signup(*, email: str, password: str, organisation_name: str, kind: str, language: str) -> User:
    """Create an active user whose email is not yet verified, their organisation and their owner membership,
    and mail them a verification link once the transaction commits.

    The password must already have passed the password validators (the sign-up form runs them).
    """
    email = _email_normalise(email)
    organisation_name = (organisation_name or "").strip()
    if not organisation_name:
        raise ApplicationError(_("Enter the name of your organisation."), extra={"field": "organisation_name"})
    if kind not in Merchant.Kind.values:
        raise ApplicationError(_("Choose what kind of partner you are."), extra={"field": "kind"})
    if not password:
        raise ApplicationError(_("Choose a password."), extra={"field": "password"})
    language = _language_or_default(language)
    taken = EmailTaken(_("An account with this email address already exists. Log in or reset your password."),
                       extra={"field": "email"})
    if selectors.user_by_email(email=email) is not None:
        raise taken
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, preferred_language=language)
            merchant = Merchant.objects.create(name=organisation_name, kind=kind)
            MerchantMembership.objects.create(merchant=merchant, user=user, role=MerchantMembership.Role.OWNER)
            audit_entry_create(actor=user, action="portal.user.signed_up", target=user,
                               data={"email": email, "language": language})
            audit_entry_create(actor=user, action="portal.merchant.created", target=merchant,
                               data={"name": merchant.name, "kind": merchant.kind, "owner": email})
            email_verification_request(user=user)
    except IntegrityError as exc:  # a concurrent sign-up with the same address won the race
        raise taken from exc
    return user


def email_verification_request(*, user: User) -> bool:
    """Mail the user a fresh verification link after commit. False (and no email) if already verified."""
    if user.email_verified_at is not None:
        return False
    from .tasks import email_verification_mail_send_task

    user_id = user.pk
    transaction.on_commit(lambda: email_verification_mail_send_task.delay(user_id=user_id))
    return True


def email_verification_mail_send(*, user: User) -> None:
    """Send the verification email now, in the user's language. Called by the task."""
    if user.email_verified_at is not None:
        return
    token = email_verify_token_make(user_id=user.pk, email=user.email)
    language = _language_or_default(user.preferred_language)
    with translation.override(language):
        link = site_url(reverse("accounts:verify_email", kwargs={"token": token}))
    _mail_send(to=user.email, language=language, template="verify",
               context={"user": user, "link": link, "days": email_verify_max_age() // 86400})


def email_verify(*, token: str) -> User:
    """Mark the email of the token's user verified. Idempotent: a second click returns the user unchanged.

    Raises TokenExpired or TokenInvalid (also when the account's address changed since the link was sent).
    """
    user_id, email = email_verify_token_read(token=token)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None or user.email.lower() != email.lower():
            raise TokenInvalid(_("This verification link is not valid for any account."))
        if user.email_verified_at is not None:
            return user
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        audit_entry_create(actor=user, action="portal.user.email_verified", target=user, data={"email": user.email})
    return user


# --- password reset ------------------------------------------------------------------------------------------


def password_reset_request(*, email: str) -> None:
    """Mail a reset link to the active account with this address, if there is one. Says nothing either way,
    and does the same work either way (the mail itself goes out from a task)."""
    from .tasks import password_reset_mail_send_task

    for user in User.objects.filter(email__iexact=(email or "").strip(), is_active=True):
        if user.has_usable_password():
            user_id = user.pk
            transaction.on_commit(lambda user_id=user_id: password_reset_mail_send_task.delay(user_id=user_id))


def password_reset_mail_send(*, user: User) -> None:
    """Mail the user a one-use password reset link, in their language. Called by the task; the caller never
    learns whether an address had an account (the form enqueues one task per matching active user)."""
    language = _language_or_default(user.preferred_language)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    with translation.override(language):
        link = site_url(reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token}))
    _mail_send(to=user.email, language=language, template="password_reset", context={"user": user, "link": link})


# --- organisations and teams ---------------------------------------------------------------------------------


def _invitable_role(*, role: str, actor_membership: MerchantMembership) -> str:
    if role not in MerchantMembership.Role.values:
        raise ApplicationError(_("Choose a role from the list."), extra={"field": "role"})
    if role == MerchantMembership.Role.OWNER and not role_can(actor_membership.role, Capability.MANAGE_ROLES):
        raise PermissionDenied(_("Only an owner can invite another owner."), extra={"field": "role"})
    return role


def merchant_invite(*, merchant: Merchant, email: str, actor: User, role: str = MerchantMembership.Role.OPERATIONS,
                    language: str | None = None) -> str:
    """Invite `email` to join `merchant` in `role`; returns the invitation token (valid 7 days by default)
    and mails the link after commit. Owners and admins invite; only an owner invites another owner."""
    email = _email_normalise(email)
    actor_membership = require_capability(user=actor, merchant_id=merchant.pk, capability=Capability.INVITE)
    role = _invitable_role(role=role, actor_membership=actor_membership)
    if MerchantMembership.objects.filter(merchant=merchant, user__email__iexact=email).exists():
        raise ApplicationError(_("%(email)s is already a member of this organisation.") % {"email": email},
                               extra={"field": "email"})
    existing = selectors.user_by_email(email=email)
    language = _language_or_default(
        existing.preferred_language if existing else (language or translation.get_language())
    )
    token, invitation = invitation_token_make(merchant_id=merchant.pk, email=email, inviter_id=actor.pk, role=role)
    with transaction.atomic():
        audit_entry_create(actor=actor, action="portal.merchant.member_invited", target=merchant,
                           data={"email": email, "nonce": invitation.nonce, "role": role})
        from .tasks import invitation_mail_send_task

        merchant_id, inviter_id = merchant.pk, actor.pk
        transaction.on_commit(lambda: invitation_mail_send_task.delay(
            merchant_id=merchant_id, email=email, inviter_id=inviter_id, token=token, language=language))
    return token


def invitation_mail_send(*, merchant: Merchant, email: str, inviter: User, token: str, language: str) -> None:
    language = _language_or_default(language)
    with translation.override(language):
        link = site_url(reverse("accounts:invitation_accept", kwargs={"token": token}))
    _mail_send(to=email, language=language, template="invitation",
               context={"merchant": merchant, "inviter": inviter, "link": link,
                        "days": invitation_max_age() // 86400})


def invitation_accept(
    *,
    token: str,
    user: User | None = None,
    password: str | None = None,
    language: str | None = None,
) -> MerchantMembership:
    """Make the invited person a member of the organisation.

    Either `user` (signed in; their email must be the invited address) or `password` (no account yet: one is
    created for the invited address) is given. Receiving the invitation proves the address, so the user's email
    counts as verified. Raises TokenInvalid/TokenExpired for unusable tokens, PermissionDenied for the wrong
    account, EmailTaken when a password is given for an address that already has an account.
    """
    invitation = invitation_token_read(token=token)
    selectors.invitation_merchant_get(invitation=invitation)
    if user is None and not password:
        raise ApplicationError(_("Choose a password to create your account."), extra={"field": "password"})
    if user is not None and user.email.lower() != invitation.email.lower():
        raise PermissionDenied(
            _("This invitation was sent to %(email)s. Log out and sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    now = timezone.now()
    with transaction.atomic():
        # Lock the organisation so two clicks on one invitation cannot both pass the single-use check.
        Merchant.objects.select_for_update().filter(pk=invitation.merchant_id).first()
        merchant = selectors.invitation_merchant_get(invitation=invitation)
        if user is None:
            if selectors.user_by_email(email=invitation.email) is not None:
                raise EmailTaken(_("An account with this email address already exists. "
                                   "Log in to accept the invitation."))
            user = User.objects.create_user(email=invitation.email, password=password, email_verified_at=now,
                                            preferred_language=_language_or_default(language))
            audit_entry_create(actor=user, action="portal.user.signed_up", target=user,
                               data={"email": user.email, "language": user.preferred_language, "via": "invitation"})
        elif user.email_verified_at is None:
            user.email_verified_at = now
            user.save(update_fields=["email_verified_at"])
            audit_entry_create(actor=user, action="portal.user.email_verified", target=user,
                               data={"email": user.email, "via": "invitation"})
        membership = MerchantMembership.objects.create(merchant=merchant, user=user, role=invitation.role)
        audit_entry_create(actor=user, action="portal.merchant.invitation_accepted", target=merchant,
                           data={"email": user.email, "nonce": invitation.nonce, "inviter_id": invitation.inviter_id,
                                 "role": membership.role})
    return membership


def _lock_team(merchant_id: int) -> Merchant:
    """Lock the organisation row: role changes and removals of one team happen one at a time, so two owners
    demoting each other at once cannot leave it without an owner."""
    return Merchant.objects.select_for_update().get(pk=merchant_id)


def membership_remove(*, membership: MerchantMembership, actor: User) -> None:
    """Remove a user from an organisation. An owner may remove anyone; every member may leave; the last owner
    can never be removed. Returns quietly if the membership is already gone."""
    with transaction.atomic():
        merchant = _lock_team(membership.merchant_id)
        current = MerchantMembership.objects.select_related("user").filter(pk=membership.pk).first()
        leaving = current is not None and current.user_id == actor.pk
        if not leaving:
            require_capability(user=actor, merchant_id=merchant.pk, capability=Capability.MANAGE_ROLES)
        if current is None:
            return
        if current.role == MerchantMembership.Role.OWNER and selectors.merchant_owner_count(merchant=merchant) <= 1:
            raise ApplicationError(_("The last owner of an organisation cannot be removed."))
        current.delete()
        audit_entry_create(actor=actor, action="portal.merchant.member_removed", target=merchant,
                           data={"email": current.user.email, "user_id": current.user_id, "role": current.role})


def membership_role_change(*, membership: MerchantMembership, role: str, actor: User) -> MerchantMembership:
    """Give a member another role. Only an owner may; the organisation always keeps at least one owner (an owner
    who hands over uses `merchant_ownership_transfer`, or makes someone else owner first). Returns quietly
    (the fresh row) when the member already has the role."""
    if role not in MerchantMembership.Role.values:
        raise ApplicationError(_("Choose a role from the list."), extra={"field": "role"})
    with transaction.atomic():
        merchant = _lock_team(membership.merchant_id)
        require_capability(user=actor, merchant_id=merchant.pk, capability=Capability.MANAGE_ROLES)
        current = MerchantMembership.objects.select_related("user").filter(pk=membership.pk,
                                                                           merchant=merchant).first()
        if current is None:
            raise ApplicationError(_("This person is no longer a member of the organisation."))
        if current.role == role:
            return current
        if current.role == MerchantMembership.Role.OWNER and selectors.merchant_owner_count(merchant=merchant) <= 1:
            raise ApplicationError(_("An organisation needs an owner: make another member owner before changing "
                                     "the role of its last owner."))
        before = current.role
        current.role = role
        current.save(update_fields=["role"])
        audit_entry_create(actor=actor, action="portal.merchant.member_role_changed", target=merchant,
                           data={"email": current.user.email, "user_id": current.user_id, "from": before, "to": role})
    return current


def merchant_ownership_transfer(*, membership: MerchantMembership, actor: User) -> MerchantMembership:
    """Hand the organisation over: `membership` becomes owner and the acting owner becomes admin, in one
    transaction (so there is an owner at every moment). Returns the new owner's membership."""
    with transaction.atomic():
        merchant = _lock_team(membership.merchant_id)
        actor_membership = require_capability(user=actor, merchant_id=merchant.pk,
                                              capability=Capability.MANAGE_ROLES)
        current = MerchantMembership.objects.select_related("user").filter(pk=membership.pk,
                                                                           merchant=merchant).first()
        if current is None:
            raise ApplicationError(_("This person is no longer a member of the organisation."))
        if current.pk == actor_membership.pk:
            raise ApplicationError(_("You are already the owner."))
        before = current.role
        current.role = MerchantMembership.Role.OWNER
        current.save(update_fields=["role"])
        actor_membership.role = MerchantMembership.Role.ADMIN
        actor_membership.save(update_fields=["role"])
        audit_entry_create(actor=actor, action="portal.merchant.ownership_transferred", target=merchant,
                           data={"to_email": current.user.email, "to_user_id": current.user_id, "to_before": before,
                                 "from_user_id": actor.pk, "from_role": MerchantMembership.Role.ADMIN})
    return current


# --- demo data -----------------------------------------------------------------------------------------------


def demo_merchant_ensure(*, user: User) -> Merchant:
    """Give `user` a verified email and ownership of the demo organisation. Idempotent."""
    with transaction.atomic():
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
        merchant = Merchant.objects.filter(name=DEMO_MERCHANT_NAME, memberships__user=user).first()
        if merchant is None:
            merchant = Merchant.objects.filter(name=DEMO_MERCHANT_NAME).order_by("pk").first()
        if merchant is None:
            merchant = Merchant.objects.create(name=DEMO_MERCHANT_NAME, kind=Merchant.Kind.MERCHANT)
            audit_entry_create(actor=user, action="portal.merchant.created", target=merchant,
                               data={"name": merchant.name, "kind": merchant.kind, "owner": user.email, "demo": True})
        MerchantMembership.objects.update_or_create(
            merchant=merchant, user=user, defaults={"role": MerchantMembership.Role.OWNER}
        )
    return merchant
