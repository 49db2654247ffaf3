"""The deposit table [保证金标准]: effective-dated versions of category risk class × grade → amount (BUSINESS_RULES
§5.1, §4.4; operator guide §18).

    deposit_table_defaults_load()     version 1 (A–E ¥20k/40k/60k/80k/100k for every risk class, from the launch
                                      date), loaded by `manage.py load_defaults` through BillingConfig
    deposit_table_propose(...)        a new version, effective today or later (never back-dated), with its reason
    deposit_table_approve(...)        by another finance or management user; an approved version never changes
                                      (PostgreSQL refuses) — a change is the next version
    deposit_table_discard(...)        a proposal that will not be approved
    deposit_requirement_for(...)      what a merchant must hold on a day: the highest risk class of its
                                      contract's categories × its grade (unrated: C)
    deposit_requirement_apply(...)    for issue 9's grade changes: a higher requirement applies at once (a top-up
                                      is requested); a lower one waits for the quarterly review, which lowers the
                                      requirement and makes the surplus a refund due (quarterly beat:
                                      `billing.tasks.deposit_quarterly_review_task`)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, PermissionDenied
from portal.models import Category, Merchant, MerchantGrade
from portal.money import round_money
from portal.workflow import row_lock

from ..models import BillingSettings, DepositAccount, DepositRequirement, DepositSchedule, DepositScheduleRow, Refund
from .deposits import _requirement_set, deposit_account_sync
from .four_eyes import user_may_approve_money
from .ledger import balance_of

DEFAULT_AMOUNTS = {"A": Decimal("20000"), "B": Decimal("40000"), "C": Decimal("60000"), "D": Decimal("80000"),
                   "E": Decimal("100000")}
UNRATED_GRADE = "C"
RISK_ORDER = [Category.RiskClass.STANDARD, Category.RiskClass.ELEVATED, Category.RiskClass.HIGH]
Cells = dict[tuple[str, str], Decimal]


def deposit_table_cells() -> list[tuple[str, str]]:
    return [(risk, grade) for risk in Category.RiskClass.values for grade in MerchantGrade.values]


def deposit_table_in_force(on: dt.date | None = None) -> DepositSchedule | None:
    on = on or timezone.localdate()
    return (DepositSchedule.objects.filter(approved_at__isnull=False, effective_from__lte=on)
            .order_by("-effective_from", "-id").first())


def deposit_table_amounts(schedule: DepositSchedule) -> Cells:
    return {(row.risk_class, row.grade): row.amount for row in schedule.rows.all()}


@transaction.atomic
def deposit_table_defaults_load() -> dict[str, int]:
    """Version 1 of the table, approved, from the launch date, when there is no table at all. Idempotent; never
    touches a table staff have made."""
    if DepositSchedule.objects.exists():
        return {"deposit_tables": 0}
    from portal.models import PortalSettings

    currency = BillingSettings.load().currency
    schedule = DepositSchedule.objects.create(
        effective_from=PortalSettings.load().launch_date, currency=currency,
        note="默认保证金标准 / Default deposit table")
    DepositScheduleRow.objects.bulk_create([
        DepositScheduleRow(schedule=schedule, risk_class=risk, grade=grade, amount=DEFAULT_AMOUNTS[grade])
        for risk, grade in deposit_table_cells()])
    DepositSchedule.objects.filter(pk=schedule.pk).update(approved_at=timezone.now())
    return {"deposit_tables": 1}


def _cells_clean(amounts: dict[Any, Any], currency: str) -> Cells:
    cells: Cells = {}
    errors: list[str] = []
    for risk, grade in deposit_table_cells():
        raw = amounts.get((risk, grade))
        try:
            value = round_money(Decimal(str(raw).strip().replace(",", "")), currency)
        except (InvalidOperation, ApplicationError, TypeError, ValueError):
            errors.append(_("Enter an amount for %(risk)s, grade %(grade)s.") % {
                "risk": Category.RiskClass(risk).label, "grade": grade})
            continue
        if value < 0:
            errors.append(_("The deposit for %(risk)s, grade %(grade)s cannot be negative.") % {
                "risk": Category.RiskClass(risk).label, "grade": grade})
        cells[(risk, grade)] = value
    if errors:
        raise ValidationError({"amounts": errors})
    return cells


@transaction.atomic
def deposit_table_propose(*, effective_from: dt.date, amounts: dict, note: str, actor: Any,
                          today: dt.date | None = None) -> DepositSchedule:
    """A new version, waiting for another person's approval. ValidationError names the field."""
    if not user_may_approve_money(actor):
        raise PermissionDenied(_("Only finance or management can propose a deposit table."))
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if effective_from is None or effective_from < today:
        errors["effective_from"] = [_("A new table takes effect today or later, never in the past.")]
    note = (note or "").strip()
    if not note:
        errors["note"] = [_("Say why the table changes.")]
    currency = BillingSettings.load().currency
    try:
        cells = _cells_clean(amounts, currency)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    schedule = DepositSchedule.objects.create(effective_from=effective_from, currency=currency, note=note[:500],
                                              created_by=actor)
    DepositScheduleRow.objects.bulk_create([
        DepositScheduleRow(schedule=schedule, risk_class=risk, grade=grade, amount=amount)
        for (risk, grade), amount in cells.items()])
    audit_entry_create(actor=actor, action="billing.deposit_table.proposed", target=schedule,
                       data={"effective_from": effective_from, "note": note[:500],
                             "amounts": {f"{r}:{g}": a for (r, g), a in cells.items()}})
    return schedule


@transaction.atomic
def deposit_table_approve(*, schedule: DepositSchedule, actor: Any, today: dt.date | None = None) -> DepositSchedule:
    """Another person approves; from then on the version never changes. Idempotent for an approved version."""
    schedule = row_lock(schedule)
    if schedule.approved_at is not None:
        return schedule
    if not user_may_approve_money(actor):
        raise PermissionDenied(_("Only finance or management can approve a deposit table."))
    if schedule.created_by_id == actor.pk:
        raise PermissionDenied(_("You proposed this table; another person has to approve it."))
    today = today or timezone.localdate()
    if schedule.effective_from < today:
        raise ApplicationError(_("This proposal was to take effect on %(date)s, which has passed: propose the table "
                                 "again with a new date.") % {"date": schedule.effective_from.isoformat()})
    schedule.approved_at, schedule.approved_by = timezone.now(), actor
    schedule.save(update_fields=["approved_at", "approved_by"])
    audit_entry_create(actor=actor, action="billing.deposit_table.approved", target=schedule,
                       data={"effective_from": schedule.effective_from})
    return schedule


@transaction.atomic
def deposit_table_discard(*, schedule: DepositSchedule, actor: Any) -> None:
    """Delete a proposal (an approved version is never deleted)."""
    if not user_may_approve_money(actor):
        raise PermissionDenied(_("Only finance or management can discard a deposit table proposal."))
    schedule = row_lock(schedule)
    if schedule.approved_at is not None:
        raise ApplicationError(_("An approved deposit table never changes; propose a new version instead."))
    audit_entry_create(actor=actor, action="billing.deposit_table.discarded", target=schedule,
                       data={"effective_from": schedule.effective_from})
    schedule.rows.all().delete()
    schedule.delete()


# ---- requirements from the table

@dataclass(frozen=True)
class RequirementFromTable:
    schedule: DepositSchedule
    risk_class: str
    grade: str
    amount: Decimal


def _merchant_categories(merchant: Merchant) -> list[Category]:
    from contracts.models import Contract
    from contracts.models.contracts import BINDING_STATUSES

    account = DepositAccount.objects.filter(merchant=merchant).first()
    contract = account.contract if account and account.contract_id else None
    if contract is None:
        contract = (Contract.objects.filter(merchant=merchant, status__in=BINDING_STATUSES)
                    .order_by("-created_at", "-id").first())
    return list(contract.categories.all()) if contract else []


def deposit_requirement_for(merchant: Merchant, on: dt.date | None = None) -> RequirementFromTable | None:
    """The table's amount for the merchant on `on`: the highest risk class of its contract's categories (standard
    without any) × its grade (unrated merchants start at C). None without an approved table in force."""
    on = on or timezone.localdate()
    schedule = deposit_table_in_force(on)
    if schedule is None:
        return None
    risks = {c.risk_class for c in _merchant_categories(merchant)} or {Category.RiskClass.STANDARD}
    risk = max(risks, key=lambda r: RISK_ORDER.index(r) if r in RISK_ORDER else 0)
    grade = merchant.grade or UNRATED_GRADE
    row = schedule.rows.filter(risk_class=risk, grade=grade).first()
    if row is None:
        return None
    return RequirementFromTable(schedule=schedule, risk_class=risk, grade=grade, amount=row.amount)


@transaction.atomic
def deposit_requirement_apply(*, account: DepositAccount, actor: Any | None = None, on: dt.date | None = None,
                              review: bool = False) -> DepositRequirement | None:
    """Bring the account's requirement to what the table says today (after a grade change, issue 9, or a new
    table version). Higher: recorded at once and a top-up is requested. Lower: only at the quarterly review
    (`review=True`), which lowers the requirement and makes the surplus over it a refund due for finance to send.
    Returns the new requirement, or None when nothing changes now."""
    account = row_lock(account, queryset=DepositAccount.objects.select_related("merchant"))
    if account.status not in (DepositAccount.Status.HELD, DepositAccount.Status.SHORTFALL,
                              DepositAccount.Status.AWAITING):
        return None
    target = deposit_requirement_for(account.merchant, on)
    if target is None or target.amount == account.required_amount:
        return None
    before = account.required_amount
    grade_changed = account.requirements.order_by("-id").values_list("grade", flat=True).first() != target.grade
    if target.amount > before:
        source = DepositRequirement.Source.GRADE if grade_changed else DepositRequirement.Source.SCHEDULE
        requirement = _requirement_set(account, amount=target.amount, source=source, schedule=target.schedule,
                                       grade=target.grade)
        audit_entry_create(actor=actor, action="billing.deposit.requirement_raised", target=account,
                           data={"from": before, "to": target.amount, "grade": target.grade,
                                 "risk_class": target.risk_class})
        deposit_account_sync(account=account, actor=actor)
        return requirement
    if not review:
        return None  # a lower requirement waits for the quarterly review
    requirement = _requirement_set(account, amount=target.amount, source=DepositRequirement.Source.REVIEW,
                                   schedule=target.schedule, grade=target.grade)
    surplus = balance_of(account).available - target.amount
    refund = None
    if surplus > 0:
        from .refunds import refund_due_date

        refund = Refund.objects.create(
            merchant=account.merchant, reason=Refund.Reason.DEPOSIT, provider="bank_transfer", account=account,
            bank_account=account.merchant.bank_accounts.filter(is_default=True).order_by("-id").first(),
            amount=round_money(surplus, account.currency), currency=account.currency,
            due_on=refund_due_date(on or timezone.localdate()))
    audit_entry_create(actor=actor, action="billing.deposit.requirement_lowered", target=account,
                       data={"from": before, "to": target.amount, "surplus": max(surplus, 0),
                             "refund": refund.pk if refund else None})
    deposit_account_sync(account=account, actor=actor)
    return requirement


def deposit_quarterly_review(*, actor: Any | None = None, on: dt.date | None = None) -> int:
    """The quarterly review of every held deposit against the table (issue 9 schedules it): returns how many
    requirements changed."""
    changed = 0
    for account in DepositAccount.objects.filter(status__in=[DepositAccount.Status.HELD,
                                                             DepositAccount.Status.SHORTFALL]).order_by("pk"):
        if deposit_requirement_apply(account=account, actor=actor, on=on, review=True) is not None:
            changed += 1
    return changed
