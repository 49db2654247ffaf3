"""What each merchant-side role may do: one table of named capabilities, read by services, views and templates.

The roles of a merchant's users (operator guide §2.2):
- owner: everything, and the only role that changes roles, removes members and transfers ownership;
- admin: runs the organisation's business with the operator (submits and withdraws the application, invites
  colleagues, accepts contracts, pays, reads statements) but does not change roles;
- finance: pays deposits and fees, reads statements and confirms or disputes them;
- operations: fills in the application wizard and its documents.
Every member, whatever their role, can see the organisation's application, its status and its team.

Services call `require_capability` (raises PermissionDenied with a message saying who may do it); views and
templates ask `membership_can` / `capabilities_of` to hide or disable what a role cannot use.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from portal.exceptions import PermissionDenied
from portal.models import MerchantMembership

Role = MerchantMembership.Role


class Capability(StrEnum):
    SUBMIT_APPLICATION = "submit_application"  # submit, and resubmit after an information request
    WITHDRAW_APPLICATION = "withdraw_application"
    EDIT_APPLICATION = "edit_application"  # start a draft, fill in the wizard, upload and remove documents
    INVITE = "invite"
    MANAGE_ROLES = "manage_roles"  # change roles, remove members, transfer ownership
    ACCEPT_CONTRACT = "accept_contract"
    PAY = "pay"
    READ_STATEMENTS = "read_statements"
    RESPOND_STATEMENTS = "respond_statements"  # confirm or dispute a settlement statement, add evidence
    MANAGE_API_TOKENS = "manage_api_tokens"  # make and revoke the organisation's read-only API tokens


C = Capability

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.OWNER: frozenset(Capability),
    Role.ADMIN: frozenset(Capability) - {C.MANAGE_ROLES, C.MANAGE_API_TOKENS},
    Role.FINANCE: frozenset({C.PAY, C.READ_STATEMENTS, C.RESPOND_STATEMENTS}),
    Role.OPERATIONS: frozenset({C.EDIT_APPLICATION}),
}

# The message a refused action shows, naming the roles that may do it.
REFUSALS: dict[Capability, Any] = {
    C.SUBMIT_APPLICATION: _("Only an owner or an admin of your organisation can submit the application."),
    C.WITHDRAW_APPLICATION: _("Only an owner or an admin of your organisation can withdraw the application."),
    C.EDIT_APPLICATION: _("Only an owner, an admin or an operations user of your organisation can change the "
                          "application."),
    C.INVITE: _("Only an owner or an admin of your organisation can invite colleagues."),
    C.MANAGE_ROLES: _("Only an owner of your organisation can change roles or remove members."),
    C.ACCEPT_CONTRACT: _("Only an owner or an admin of your organisation can accept the contract."),
    C.PAY: _("Only an owner, an admin or a finance user of your organisation can pay."),
    C.READ_STATEMENTS: _("Only an owner, an admin or a finance user of your organisation can read statements."),
    C.RESPOND_STATEMENTS: _("Only an owner, an admin or a finance user of your organisation can confirm or dispute "
                            "a statement."),
    C.MANAGE_API_TOKENS: _("Only an owner of your organisation can make or revoke API tokens."),
}


# What the team page says about each role.
ROLE_DESCRIPTIONS: dict[str, Any] = {
    Role.OWNER: _("Everything an admin does, and changes roles, removes members and hands over ownership."),
    Role.ADMIN: _("Submits and withdraws the application, invites colleagues, accepts contracts, pays and reads "
                  "statements."),
    Role.FINANCE: _("Pays the deposit and fees, reads statements and confirms or disputes them."),
    Role.OPERATIONS: _("Fills in the application and uploads its documents."),
}


def role_can(role: str, capability: Capability | str) -> bool:
    return Capability(capability) in ROLE_CAPABILITIES.get(role, frozenset())


def capabilities_of(role: str) -> frozenset[Capability]:
    return ROLE_CAPABILITIES.get(role, frozenset())


def membership_can(membership: MerchantMembership | None, capability: Capability | str) -> bool:
    return membership is not None and role_can(membership.role, capability)


def membership_of(*, user: Any, merchant_id: int) -> MerchantMembership | None:
    """The active user's membership of the organisation, or None (one query)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return MerchantMembership.objects.filter(merchant_id=merchant_id, user=user).first()


def user_can(*, user: Any, merchant_id: int, capability: Capability | str) -> bool:
    return membership_can(membership_of(user=user, merchant_id=merchant_id), capability)


def refusal_message(capability: Capability | str) -> str:
    return str(REFUSALS[Capability(capability)])


def require_capability(*, user: Any, merchant_id: int, capability: Capability | str) -> MerchantMembership:
    """The user's membership if their role may do `capability` in the organisation; PermissionDenied otherwise
    (also for a user who is not a member at all)."""
    membership = membership_of(user=user, merchant_id=merchant_id)
    if membership is None:
        raise PermissionDenied(str(_("Only users of the applying organisation can do this.")))
    if not role_can(membership.role, capability):
        raise PermissionDenied(refusal_message(capability), extra={"capability": str(capability)})
    return membership
