"""The payout file for the bank (BUSINESS_RULES §9 step 4).

`payout_file_create` takes the approved run's payouts still to send (new, or returned by the bank), each to its
merchant's default bank account as it stands now, and fixes them in a file (one per currency): its lines keep the
amount and the account sent. Payouts of a merchant without a bank account stay to send, and are named. The file
is downloaded as CSV or XLSX (admin: `billing/admin_views/payouts.py`); the account number is masked unless the
user holds `billing.unmask_bankaccount` and asks for full numbers, and every download is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, PermissionDenied

from ...models import BankAccount, Payout, PayoutFile, PayoutFileLine, PayoutStatus, SettlementRun
from ..bank_accounts import user_may_unmask
from ..four_eyes import user_may_approve_money

P = PayoutStatus
TO_SEND = (P.PENDING, P.RETURNED)


@dataclass
class PayoutFileResult:
    files: list[PayoutFile] = field(default_factory=list)
    without_account: list[str] = field(default_factory=list)  # merchants' names


def _default_accounts(merchant_ids: list[int]) -> dict[int, BankAccount]:
    """merchant id → its default bank account (the latest if several), the number left encrypted."""
    accounts: dict[int, BankAccount] = {}
    for account in (BankAccount.objects.filter(merchant_id__in=merchant_ids, is_default=True)
                    .defer("account_number").order_by("merchant_id", "id")):
        accounts[account.merchant_id] = account
    return accounts


@transaction.atomic
def payout_file_create(*, run: SettlementRun, actor: Any) -> PayoutFileResult:
    """Put the payouts of `run` still to send into new payout files (one per currency). Raises ApplicationError when
    there is nothing to send, or no payout has a bank account."""
    from portal.workflow import row_lock

    if not user_may_approve_money(actor):
        raise PermissionDenied(_("Only finance or management can make a payout file."))
    run = row_lock(run)  # files of one run are numbered one after the other
    if run.status != SettlementRun.Status.APPROVED:
        raise ApplicationError(_("Payout files are made for an approved run; this one is “%(status)s”.")
                               % {"status": run.get_status_display()})
    payouts = list(Payout.objects.select_for_update(of=("self",)).filter(run=run, status__in=TO_SEND)
                   .select_related("merchant").order_by("merchant__name", "id"))
    if not payouts:
        raise ApplicationError(_("Every payout of this run is already in a payout file."))
    accounts = _default_accounts([p.merchant_id for p in payouts])
    result = PayoutFileResult(without_account=sorted({p.merchant.name for p in payouts
                                                      if p.merchant_id not in accounts}))
    ready = [p for p in payouts if p.merchant_id in accounts]
    if not ready:
        raise ApplicationError(_("None of the payouts can be sent: their merchants have no bank account."),
                               extra={"blockers": result.without_account})
    number = (PayoutFile.objects.filter(run=run).aggregate(last=Max("number"))["last"] or 0)
    for currency in sorted({p.currency for p in ready}):
        batch = [p for p in ready if p.currency == currency]
        number += 1
        total = sum((p.amount for p in batch), Decimal("0"))
        payout_file = PayoutFile.objects.create(run=run, number=number, reference=f"PF-{run.pk}-{number:03d}",
                                                currency=currency, payout_count=len(batch), total=total,
                                                created_by=actor)
        PayoutFileLine.objects.bulk_create([
            PayoutFileLine(file=payout_file, payout=p, amount=p.amount, currency=p.currency,
                           bank_account=accounts[p.merchant_id], holder_name=accounts[p.merchant_id].holder_name,
                           bank_name=accounts[p.merchant_id].bank_name, branch=accounts[p.merchant_id].branch,
                           last4=accounts[p.merchant_id].last4) for p in batch], batch_size=2000)
        # set-based: each payout takes the account of its line in this file
        line = PayoutFileLine.objects.filter(file=payout_file, payout=OuterRef("pk"))
        Payout.objects.filter(pk__in=[p.pk for p in batch]).update(
            status=P.IN_FILE, last_file=payout_file, bank_account=Subquery(line.values("bank_account")[:1]),
            updated_at=timezone.now())
        audit_entry_create(actor=actor, action="billing.payout_file.created", target=payout_file,
                           data={"run": run.pk, "payouts": len(batch), "total": total, "currency": currency,
                                 "returned_again": sum(1 for p in batch if p.status == P.RETURNED),
                                 "without_account": len(result.without_account)})
        result.files.append(payout_file)
    return result


def payout_file_rows(*, payout_file: PayoutFile, actor: Any, full_numbers: bool, export_format: str,
                     ip_address: str | None = None):
    """The file's lines for a download, the bank account read in full only for `full_numbers` (and a user who
    may unmask); records the download. Returns the lines' queryset, each line with `account_display`."""
    if full_numbers and not user_may_unmask(actor):
        raise PermissionDenied(_("You may not see full bank account numbers: download the file masked."))
    audit_entry_create(actor=actor, action="billing.payout_file.downloaded", target=payout_file,
                       ip_address=ip_address,
                       data={"format": export_format, "full_numbers": bool(full_numbers),
                             "payouts": payout_file.payout_count, "total": payout_file.total})
    lines = (PayoutFileLine.objects.filter(file=payout_file)
             .select_related("payout__statement", "payout__merchant", "bank_account").order_by("id"))
    if not full_numbers:
        lines = lines.defer("bank_account__account_number")
    return lines
