"""Subsidy enrolments (billing.models.SubsidyEnrolment): finance records which merchant gets a per-order
settlement subsidy (the logistics subsidy: it ships with the designated provider) and from when to when. The
settlement run pays only enrolled merchants, within the policy version's cap per year (settlements/subsidies.py).

    subsidy_enrolment_create(...)   enrol a merchant for a policy item from a date (to a date, or open-ended)
    subsidy_enrolment_update(...)   change the dates or the cross-border flag (never the merchant or the item)

Checks: finance only; the item has a per-order version (formula "per unit" of orders), or no run would pay it;
the period does not end before it starts; a merchant's enrolments in one item never overlap (the run takes one).
The merchant's row is locked so two enrolments made at once cannot overlap; the audit entry comes last. No money
moves here: statements already issued keep what they paid.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import PermissionDenied
from portal.models import Merchant
from portal.models.policy import CalculatorInput, PolicyFormula, PolicyItem, PolicyItemVersion
from portal.roles import Role, staff_roles
from portal.workflow import row_lock

from ..models import SubsidyEnrolment

EDITORS = frozenset({Role.FINANCE.value})


def user_may_edit_enrolments(user: Any) -> bool:
    return bool(staff_roles(user) & EDITORS)


def per_order_items() -> Any:
    """The policy items a settlement run can pay per order: those with a version of formula "per unit" of orders."""
    versions = PolicyItemVersion.objects.filter(formula=PolicyFormula.PER_UNIT, base_input=CalculatorInput.ORDERS)
    return PolicyItem.objects.filter(pk__in=versions.values("item_id")).order_by("sort_order", "code")


def _check(*, merchant_id: int, item: PolicyItem, starts_on: dt.date | None, ends_on: dt.date | None,
           exclude_pk: int | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if starts_on is None:
        errors["starts_on"] = [_("Enter the first day of the enrolment.")]
    elif ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("The enrolment cannot end before it starts.")]
    if not per_order_items().filter(pk=item.pk).exists():
        errors["item"] = [_("This policy item is not paid per order, so no settlement run would pay it.")]
    if not errors:
        overlapping = SubsidyEnrolment.objects.filter(merchant_id=merchant_id, item=item).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
        if ends_on is not None:
            overlapping = overlapping.filter(starts_on__lte=ends_on)
        other = overlapping.exclude(pk=exclude_pk).order_by("starts_on").first()
        if other is not None and other.ends_on is None:
            errors["starts_on"] = [_("This merchant is already enrolled for this item from %(start)s with no end "
                                     "date: enrolments for one item cannot overlap.")
                                   % {"start": other.starts_on.isoformat()}]
        elif other is not None:
            errors["starts_on"] = [_("This merchant is already enrolled for this item from %(start)s to %(end)s: "
                                     "enrolments for one item cannot overlap.")
                                   % {"start": other.starts_on.isoformat(), "end": other.ends_on.isoformat()}]
    if errors:
        raise ValidationError(errors)


def _require_editor(actor: Any) -> None:
    if not user_may_edit_enrolments(actor):
        raise PermissionDenied(_("Only finance records subsidy enrolments."))


def _data(enrolment: SubsidyEnrolment) -> dict:
    return {"merchant": enrolment.merchant_id, "item": enrolment.item.code, "starts_on": enrolment.starts_on,
            "ends_on": enrolment.ends_on, "cross_border": enrolment.cross_border}


@transaction.atomic
def subsidy_enrolment_create(*, merchant: Merchant, item: PolicyItem, starts_on: dt.date | None,
                             ends_on: dt.date | None = None, cross_border: bool = False,
                             actor: Any) -> SubsidyEnrolment:
    """Enrol `merchant` for `item`. Raises PermissionDenied or ValidationError naming the fields; writes nothing
    then."""
    _require_editor(actor)
    row_lock(merchant)
    _check(merchant_id=merchant.pk, item=item, starts_on=starts_on, ends_on=ends_on)
    enrolment = SubsidyEnrolment.objects.create(merchant=merchant, item=item, starts_on=starts_on, ends_on=ends_on,
                                                cross_border=cross_border, created_by=actor)
    audit_entry_create(actor=actor, action="billing.subsidy_enrolment.created", target=enrolment,
                       data=_data(enrolment))
    return enrolment


@transaction.atomic
def subsidy_enrolment_update(*, enrolment: SubsidyEnrolment, starts_on: dt.date | None, ends_on: dt.date | None,
                             cross_border: bool, actor: Any) -> SubsidyEnrolment:
    """Change an enrolment's dates or cross-border flag; the audit entry holds what it was and what it is."""
    _require_editor(actor)
    row_lock(Merchant(pk=enrolment.merchant_id))
    enrolment = row_lock(enrolment, queryset=SubsidyEnrolment.objects.select_related("item"))
    _check(merchant_id=enrolment.merchant_id, item=enrolment.item, starts_on=starts_on, ends_on=ends_on,
           exclude_pk=enrolment.pk)
    before = _data(enrolment)
    enrolment.starts_on, enrolment.ends_on, enrolment.cross_border = starts_on, ends_on, cross_border
    after = _data(enrolment)
    if before == after:
        return enrolment
    enrolment.save(update_fields=["starts_on", "ends_on", "cross_border"])
    audit_entry_create(actor=actor, action="billing.subsidy_enrolment.changed", target=enrolment,
                       data={"before": before, "after": after})
    return enrolment
