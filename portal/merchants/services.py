"""The merchant's lifecycle (operator guide §6.1): one service per transition, each on the shared
`portal.workflow` helper (row lock, map check, narrow write, audit entry `portal.merchant.<event>` in the
same transaction), plus the grade change.

    applicant → onboarding                       merchant_onboarding_start (the application approved)
    onboarding → active                          merchant_activate (contract signed, deposit paid)
    active → under_requalification               merchant_requalification_open
    under_requalification → active               merchant_requalification_pass
    active | under_requalification → suspended   merchant_suspend
    suspended → active                           merchant_reinstate
    any state after applicant → terminated       merchant_terminate

Who calls them: onboarding's approval (`merchant_onboarding_start`), billing when the deposit is fully
paid (`merchant_activate`), the rating review (`merchant_requalification_*`), staff screens (suspend,
reinstate, terminate). These services check no roles: the calling service or view has authorised its own
action (a lead's approval, finance's confirmation) and passes its actor. No money moves here: the
deposit is what the merchant must hold; billing's ledger records what it paid.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import AuditRecord, audit_entries_add, audit_entry_create
from portal.exceptions import InvalidTransition
from portal.models import Merchant, MerchantGrade, MerchantStatus
from portal.money import round_money
from portal.workflow import row_lock, transition_run

S = MerchantStatus
ACTION_PREFIX = "portal.merchant."


def _grade(value: str) -> str:
    grade = (value or "").strip().upper()
    if grade not in MerchantGrade.values:
        raise ValidationError({"grade": [_("Choose a grade from A to E.")]})
    return grade


def _deposit(amount: Any, currency: str) -> tuple[Decimal, str]:
    currency = (currency or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError({"deposit_currency": [_("Give the deposit's currency as a three-letter code.")]})
    try:
        amount = round_money(Decimal(str(amount)), currency)
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({"deposit_amount": [_("Enter the deposit as an amount.")]}) from exc
    if amount < 0:
        raise ValidationError({"deposit_amount": [_("The deposit cannot be negative.")]})
    return amount, currency


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason.")]})
    return reason


def _move(*, merchant: Merchant, target: str, from_states: list[str], actor: Any | None, event: str,
          now: dt.datetime | None, fields: dict | None = None, data: dict | None = None) -> Merchant:
    now = now or timezone.now()
    return transition_run(instance=merchant, target=target, from_states=from_states, actor=actor,
                          action=f"{ACTION_PREFIX}{event}", fields={"status_changed_at": now, **(fields or {})},
                          data=data)


@transaction.atomic
def merchant_onboarding_start(*, merchant: Merchant, actor: Any | None, grade: str, deposit_amount: Decimal,
                              currency: str, data: dict | None = None, now: dt.datetime | None = None
                              ) -> Merchant:
    """applicant → onboarding: the application is approved; the contract and the deposit are to come.
    Sets the merchant's grade and the deposit it must hold. `data` adds context to the audit entry (the
    application's id). Quiet if already onboarding."""
    grade = _grade(grade)
    amount, currency = _deposit(deposit_amount, currency)
    return _move(merchant=merchant, target=S.ONBOARDING, from_states=[S.APPLICANT], actor=actor,
                 event="onboarding_started", now=now,
                 fields={"grade": grade, "deposit_amount": amount, "deposit_currency": currency},
                 data={"grade": grade, "deposit": amount, "currency": currency, **(data or {})})


@transaction.atomic
def merchant_activate(*, merchant: Merchant, actor: Any | None, data: dict | None = None,
                      now: dt.datetime | None = None) -> Merchant:
    """onboarding → active: contract signed and deposit fully paid. Quiet if already active."""
    return _move(merchant=merchant, target=S.ACTIVE, from_states=[S.ONBOARDING], actor=actor,
                 event="activated", now=now, data=data)


@transaction.atomic
def merchant_requalification_open(*, merchant: Merchant, actor: Any | None, reason: str,
                                  now: dt.datetime | None = None) -> Merchant:
    """active → under_requalification, with the reason (a score below the threshold at the quarterly
    check, an alert). The merchant keeps trading meanwhile."""
    reason = _reason(reason)
    return _move(merchant=merchant, target=S.UNDER_REQUALIFICATION, from_states=[S.ACTIVE], actor=actor,
                 event="requalification_opened", now=now, data={"reason": reason})


@transaction.atomic
def merchant_requalification_pass(*, merchant: Merchant, actor: Any | None, conditions: str = "",
                                  now: dt.datetime | None = None) -> Merchant:
    """under_requalification → active: the review passed, possibly with conditions (recorded)."""
    return _move(merchant=merchant, target=S.ACTIVE, from_states=[S.UNDER_REQUALIFICATION], actor=actor,
                 event="requalification_passed", now=now, data={"conditions": (conditions or "").strip()})


@transaction.atomic
def merchant_suspend(*, merchant: Merchant, actor: Any | None, reason: str, now: dt.datetime | None = None
                     ) -> Merchant:
    """active | under_requalification → suspended, with the reason (failed re-qualification, a red line,
    an expired licence past its grace, a deposit not topped up)."""
    reason = _reason(reason)
    return _move(merchant=merchant, target=S.SUSPENDED, from_states=[S.ACTIVE, S.UNDER_REQUALIFICATION],
                 actor=actor, event="suspended", now=now, data={"reason": reason})


@transaction.atomic
def merchant_reinstate(*, merchant: Merchant, actor: Any | None, reason: str, now: dt.datetime | None = None
                       ) -> Merchant:
    """suspended → active, with the reason. A merchant back from suspension holds the deposit of grade E
    (operator guide §9): the caller sets it with `merchant_grade_set` in the same transaction."""
    reason = _reason(reason)
    return _move(merchant=merchant, target=S.ACTIVE, from_states=[S.SUSPENDED], actor=actor,
                 event="reinstated", now=now, data={"reason": reason})


@transaction.atomic
def merchant_terminate(*, merchant: Merchant, actor: Any | None, reason: str, now: dt.datetime | None = None
                       ) -> Merchant:
    """onboarding | active | under_requalification | suspended → terminated, with the reason. Final: the
    deposit refund and the closing follow in billing and contracts."""
    reason = _reason(reason)
    return _move(merchant=merchant, target=S.TERMINATED,
                 from_states=[S.ONBOARDING, S.ACTIVE, S.UNDER_REQUALIFICATION, S.SUSPENDED], actor=actor,
                 event="terminated", now=now, data={"reason": reason})


@transaction.atomic
def merchant_grade_set(*, merchant: Merchant, actor: Any | None, grade: str, deposit_amount: Decimal,
                       currency: str, reason: str) -> Merchant:
    """Change a graded merchant's grade and the deposit it must hold (re-grading after a rating review,
    grade E after a suspension), with the reason. Not a status change; refused before approval and after
    termination. Quiet when nothing changes."""
    grade = _grade(grade)
    amount, currency = _deposit(deposit_amount, currency)
    reason = _reason(reason)
    merchant = row_lock(merchant)
    if merchant.status in (S.APPLICANT, S.TERMINATED):
        raise InvalidTransition(_("A merchant that is “%(status)s” cannot be graded.")
                                % {"status": merchant.get_status_display()}, extra={"status": merchant.status})
    before = {"grade": merchant.grade, "deposit": merchant.deposit_amount, "currency": merchant.deposit_currency}
    if (merchant.grade, merchant.deposit_amount, merchant.deposit_currency) == (grade, amount, currency):
        return merchant
    merchant.grade, merchant.deposit_amount, merchant.deposit_currency = grade, amount, currency
    merchant.save(update_fields=["grade", "deposit_amount", "deposit_currency"])
    audit_entry_create(actor=actor, action=f"{ACTION_PREFIX}graded", target=merchant, data={
        "from": before, "to": {"grade": grade, "deposit": amount, "currency": currency}, "reason": reason})
    return merchant


# graded by the rating (A–D); E is a sanction staff set (after a suspension) that no rating lifts
RATING_GRADES = ["A", "B", "C", "D"]


def merchant_grades_follow_ratings(*, as_of: dt.date, merchant_id_from: int, merchant_id_to: int,
                                   audit: list[AuditRecord] | None = None) -> list[dict]:
    """Move the grade of every merchant with ids `merchant_id_from`..`merchant_id_to` whose rating as of `as_of`
    is rated with another grade than its own (in the caller's transaction): one query finds them, one UPDATE moves
    them, each gets an audit entry, and after commit `merchant_grades_changed` is sent once with them all (see
    `portal.merchants.signals`). A merchant not rated (N/R) keeps its grade; so does one in grade E or not yet
    approved or terminated. Returns the changes ({merchant_id, from, to}). With `audit`, the audit records are
    appended there for the caller to write at the end of its transaction (`portal.audit.audit_entries_create`),
    so that a nightly chunk holds the audit chain's lock only for its last statements."""
    from django.db.models import F, OuterRef, Subquery

    from portal.models import MerchantRating

    from .signals import merchant_grades_changed

    rating_grade = (MerchantRating.objects.filter(merchant_id=OuterRef("pk"), as_of=as_of, rated=True)
                    .order_by().values("grade")[:1])
    candidates = (Merchant.objects.filter(pk__gte=merchant_id_from, pk__lte=merchant_id_to,
                                          grade__in=[*RATING_GRADES, ""])
                  .exclude(status__in=[S.APPLICANT, S.TERMINATED])
                  .annotate(rated_grade=Subquery(rating_grade))
                  .filter(rated_grade__isnull=False).exclude(grade=F("rated_grade")))
    rows = list(candidates.select_for_update(of=("self",)).order_by("pk")
                .values_list("pk", "name", "grade", "rated_grade"))
    changes = [{"merchant_id": pk, "from": grade, "to": to} for pk, _name, grade, to in rows]
    if not changes:
        return []
    Merchant.objects.filter(pk__in=[c["merchant_id"] for c in changes]).update(grade=Subquery(
        MerchantRating.objects.filter(merchant_id=OuterRef("pk"), as_of=as_of, rated=True).order_by()
        .values("grade")[:1]))
    reason = _("Credit rating as of %(date)s") % {"date": as_of.isoformat()}
    audit_entries_add([AuditRecord(action=f"{ACTION_PREFIX}graded", target=Merchant(pk=pk, name=name),
                                   data={"from": {"grade": grade}, "to": {"grade": to}, "reason": reason,
                                         "as_of": as_of})
                       for pk, name, grade, to in rows], later=audit)

    def send() -> None:
        merchant_grades_changed.send(sender=Merchant, changes=changes, as_of=as_of, reason=reason)

    transaction.on_commit(send)
    return changes
