"""Who may do what to a contract.

Staff (Wagtail admin), by role (`portal.roles`):

| action                                                        | roles                              |
|---------------------------------------------------------------|------------------------------------|
| draft, edit the terms and the ladder, issue, withdraw, cancel, | recruitment lead, compliance, admin |
| draft an amendment                                            |                                    |
| countersign                                                   | recruitment lead, admin            |
| terminate, mark expiring / expired / renewed                  | recruitment lead, admin            |

Four eyes on the operator's signature: the person who issued a contract cannot countersign it. Issuing puts
the operator's terms before the merchant; countersigning binds the operator, so a second person checks what
was issued and what the merchant accepted. Superusers hold every role but not this exemption.

Merchant users: only an owner or an admin of the contract's merchant accepts it (capability
`accept_contract` of `portal.accounts.permissions`); every member of the merchant sees its contracts and
their PDFs once issued. Nobody else sees them on the merchant pages (404).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from portal.exceptions import PermissionDenied
from portal.roles import Role

EDIT_ROLES = (Role.LEAD, Role.COMPLIANCE, Role.ADMIN)
COUNTERSIGN_ROLES = (Role.LEAD, Role.ADMIN)
TERMINATE_ROLES = (Role.LEAD, Role.ADMIN)


def _has_any_role(user: Any, roles: tuple[str, ...]) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=[str(role) for role in roles]).exists()


def user_can_edit_contracts(user: Any) -> bool:
    """Draft, edit terms and ladder, issue, withdraw, cancel, draft amendments."""
    return _has_any_role(user, EDIT_ROLES)


def user_can_countersign(user: Any, contract: Any | None = None) -> bool:
    """A lead or an admin who did not issue `contract` (when given)."""
    if not _has_any_role(user, COUNTERSIGN_ROLES):
        return False
    return contract is None or contract.issued_by_id is None or contract.issued_by_id != user.pk


def user_can_terminate(user: Any) -> bool:
    """Terminate, and the term's end: expiring, expired, renewed."""
    return _has_any_role(user, TERMINATE_ROLES)


def require_contract_editor(user: Any) -> None:
    if not user_can_edit_contracts(user):
        raise PermissionDenied(_("Only a recruitment lead, compliance or an administrator can prepare contracts."))


def require_countersigner(user: Any, contract: Any) -> None:
    if not _has_any_role(user, COUNTERSIGN_ROLES):
        raise PermissionDenied(_("Only a recruitment lead or an administrator can countersign a contract."))
    if contract.issued_by_id is not None and contract.issued_by_id == user.pk:
        raise PermissionDenied(_("You issued this contract: someone else must countersign it."))


def require_terminator(user: Any) -> None:
    if not user_can_terminate(user):
        raise PermissionDenied(_("Only a recruitment lead or an administrator can do this."))
