"""The merchant's bank accounts for refunds (and, next, payouts), operator guide §18. The number is stored encrypted
(SM4, `portal.fields.SM4EncryptedCharField`) and shown masked everywhere (**** **** 1234): lists, exports, emails,
the refund page. Revealing it is the permission `billing.unmask_bankaccount` and needs a reason; each reveal is an
audit entry (`billing.bank_account.unmasked`)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.accounts.permissions import Capability, require_capability
from portal.audit import audit_entry_create
from portal.exceptions import PermissionDenied
from portal.models import Merchant

from ..models import BankAccount

UNMASK_PERMISSION = "billing.unmask_bankaccount"
_NUMBER = re.compile(r"^[0-9]{8,32}$")


def account_number_normalise(raw: str) -> str:
    """Digits only: spaces and hyphens as people type them are dropped; ValidationError otherwise."""
    number = re.sub(r"[\s\-]", "", raw or "")
    if not _NUMBER.match(number):
        raise ValidationError({"account_number": [_("Enter the account number: 8 to 32 digits (spaces are fine).")]})
    return number


def _names_clean(*, holder_name: str, bank_name: str, branch: str) -> tuple[str, str, str, dict[str, list[str]]]:
    """The holder, bank and branch trimmed to their columns, and the messages of those missing."""
    errors: dict[str, list[str]] = {}
    holder_name, bank_name, branch = (holder_name or "").strip(), (bank_name or "").strip(), (branch or "").strip()
    if not holder_name:
        errors["holder_name"] = [_("Enter the account holder as the bank knows it.")]
    if not bank_name:
        errors["bank_name"] = [_("Enter the bank.")]
    return holder_name[:200], bank_name[:200], branch[:200], errors


@transaction.atomic
def bank_account_add(*, merchant: Merchant, actor: Any, holder_name: str, bank_name: str, account_number: str,
                     branch: str = "", is_default: bool = True, ip_address: str | None = None) -> BankAccount:
    """Add an account of the merchant (its owners, admins and finance users). A default account replaces the
    previous default for refunds."""
    require_capability(user=actor, merchant_id=merchant.pk, capability=Capability.PAY)
    holder_name, bank_name, branch, errors = _names_clean(holder_name=holder_name, bank_name=bank_name,
                                                          branch=branch)
    try:
        number = account_number_normalise(account_number)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    first = not BankAccount.objects.filter(merchant=merchant).exists()
    default = is_default or first
    if default:
        BankAccount.objects.filter(merchant=merchant, is_default=True).update(is_default=False)
    account = BankAccount.objects.create(merchant=merchant, holder_name=holder_name, bank_name=bank_name,
                                         branch=branch, account_number=number, is_default=default,
                                         created_by=actor)
    audit_entry_create(actor=actor, action="billing.bank_account.added", target=account, ip_address=ip_address,
                       data={"merchant": merchant.pk, "bank": bank_name, "last4": account.last4,
                             "default": default})
    return account


@transaction.atomic
def bank_account_update(*, bank_account: BankAccount, actor: Any, holder_name: str, bank_name: str, branch: str = "",
                        ip_address: str | None = None) -> BankAccount:
    """Correct the holder, the bank or the branch of one of the merchant's accounts (its owners, admins and finance
    users). The number never changes here: another number is another account (`bank_account_add`). Audited with
    what changed, before → after; nothing changes and nothing is recorded when the values are the same."""
    require_capability(user=actor, merchant_id=bank_account.merchant_id, capability=Capability.PAY)
    holder_name, bank_name, branch, errors = _names_clean(holder_name=holder_name, bank_name=bank_name,
                                                          branch=branch)
    if errors:
        raise ValidationError(errors)
    account = BankAccount.objects.select_for_update().get(pk=bank_account.pk)
    wanted = {"holder_name": holder_name, "bank_name": bank_name, "branch": branch}
    changed = {field: [getattr(account, field), value] for field, value in wanted.items()
               if getattr(account, field) != value}
    if not changed:
        return account
    for field, (_before, after) in changed.items():
        setattr(account, field, after)
    account.save(update_fields=list(changed))
    audit_entry_create(actor=actor, action="billing.bank_account.updated", target=account, ip_address=ip_address,
                       data={"merchant": account.merchant_id, "last4": account.last4, "changed": changed})
    return account


def user_may_unmask(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.has_perm(UNMASK_PERMISSION))


@transaction.atomic
def bank_account_unmask(*, bank_account: BankAccount, actor: Any, reason: str,
                        ip_address: str | None = None) -> str:
    """The full number, for staff holding the permission, with a reason; the reveal is audited (never the number
    itself)."""
    if not user_may_unmask(actor):
        raise PermissionDenied(_("You may not reveal bank account numbers."))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": [_("Say why you need the full number (at least a few words).")]})
    audit_entry_create(actor=actor, action="billing.bank_account.unmasked", target=bank_account,
                       ip_address=ip_address,
                       data={"merchant": bank_account.merchant_id, "last4": bank_account.last4,
                             "reason": reason[:500]})
    return bank_account.account_number
