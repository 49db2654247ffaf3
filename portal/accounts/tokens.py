"""Signed, timestamped tokens for email verification and team invitations.

No table holds them: a token carries what it proves (who, which address, which organisation) and is signed
with SECRET_KEY under its own salt, so a verification token can never be replayed as an invitation and no
field can be changed without breaking the signature. Lifetimes are settings with the defaults below.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from portal.exceptions import ApplicationError

EMAIL_VERIFY_SALT = "portal.accounts.email-verify"
INVITATION_SALT = "portal.accounts.invitation"


class TokenInvalid(ApplicationError):
    """The token was tampered with, truncated or is of the wrong kind."""


class TokenExpired(TokenInvalid):
    """The token was genuine but is older than its lifetime."""


def email_verify_max_age() -> int:
    return int(getattr(settings, "ACCOUNTS_EMAIL_VERIFY_MAX_AGE", 3 * 24 * 3600))


def invitation_max_age() -> int:
    return int(getattr(settings, "ACCOUNTS_INVITATION_MAX_AGE", 7 * 24 * 3600))


def _load(*, token: str, salt: str, max_age: int, expired_message, invalid_message) -> dict:
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise TokenExpired(str(expired_message)) from exc
    except signing.BadSignature as exc:
        raise TokenInvalid(str(invalid_message)) from exc
    if not isinstance(payload, dict):
        raise TokenInvalid(str(invalid_message))
    return payload


def email_verify_token_make(*, user_id: int, email: str) -> str:
    return signing.dumps({"u": user_id, "e": email}, salt=EMAIL_VERIFY_SALT, compress=True)


def email_verify_token_read(*, token: str) -> tuple[int, str]:
    """(user id, email) the token was issued for. Raises TokenExpired or TokenInvalid."""
    payload = _load(
        token=token,
        salt=EMAIL_VERIFY_SALT,
        max_age=email_verify_max_age(),
        expired_message=_("This verification link has expired. Log in and ask for a new one."),
        invalid_message=_("This verification link is not valid. Check that you copied the whole link."),
    )
    try:
        return int(payload["u"]), str(payload["e"])
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenInvalid(str(_("This verification link is not valid."))) from exc


@dataclass(frozen=True)
class Invitation:
    """What an invitation token says: who is invited to which organisation, in which role, by whom.

    `nonce` tells two invitations to the same address apart, so accepting one uses up that one only. Tokens
    issued before roles existed carry none and invite as operations (the old "member").
    """

    merchant_id: int
    email: str
    inviter_id: int
    nonce: str
    role: str = "operations"


def invitation_token_make(*, merchant_id: int, email: str, inviter_id: int,
                          role: str = "operations") -> tuple[str, Invitation]:
    invitation = Invitation(merchant_id=merchant_id, email=email, inviter_id=inviter_id,
                            nonce=secrets.token_urlsafe(9), role=role)
    token = signing.dumps(
        {"m": invitation.merchant_id, "e": invitation.email, "i": invitation.inviter_id, "n": invitation.nonce,
         "r": invitation.role},
        salt=INVITATION_SALT,
        compress=True,
    )
    return token, invitation


def invitation_token_read(*, token: str) -> Invitation:
    """The invitation a token carries. Raises TokenExpired or TokenInvalid."""
    payload = _load(
        token=token,
        salt=INVITATION_SALT,
        max_age=invitation_max_age(),
        expired_message=_("This invitation has expired. Ask the owner of the organisation to invite you again."),
        invalid_message=_("This invitation link is not valid. Check that you copied the whole link."),
    )
    try:
        return Invitation(merchant_id=int(payload["m"]), email=str(payload["e"]), inviter_id=int(payload["i"]),
                          nonce=str(payload["n"]), role=str(payload.get("r", "operations")))
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenInvalid(str(_("This invitation link is not valid."))) from exc
