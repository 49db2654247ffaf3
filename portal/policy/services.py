"""Writes to the policy items: the version rules and the audit trail of every change.

What holds (operator guide §3.1, "a change is a new version"):
- Versions of one item never overlap in time.
- A version that has taken effect (effective_from <= today) keeps its figures and conditions for ever;
  only its end date may be set, to today or later. A version that has ended is history and does not change.
  Its wording (eligibility, evidence, in-kind texts, reason) may still be corrected, and the change is audited.
- A new version starts today or later: the past is never re-priced.
No money moves here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError
from portal.models import Category
from portal.models.policy import PolicyFormula, PolicyItem, PolicyItemVersion, PolicyRateBand

from .figures import YearRatesError, year_rates_parse
from .selectors import policy_today

# The fields that make up a version's figures and conditions: frozen once the version is in effect.
FIGURE_FIELDS = (
    "item", "effective_from", "formula", "base_input", "rate", "band_input", "year_rates", "one_off",
    "cap_per_year", "cap_per_project", "fund_total", "currency", "duration_years", "min_annual_revenue",
    "requires_heavy_asset", "requires_designated_logistics",
)
TEXT_FIELDS = ("in_kind_zh", "in_kind_en", "eligibility_zh", "eligibility_en", "evidence_zh", "evidence_en",
               "change_note")
ITEM_FIELDS = ("code", "block", "kind", "name_zh", "name_en", "summary_zh", "summary_en", "sort_order",
               "is_published")


class PolicyVersionInvalid(ApplicationError):
    """A policy version breaks a version rule. `errors` maps field names (or NON_FIELD_ERRORS) to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        message = "; ".join(msg for msgs in errors.values() for msg in msgs)
        super().__init__(message, extra={"errors": errors})


def _date(value: datetime.date | None) -> str:
    return value.isoformat() if value else gettext("open-ended")


def _consistency_errors(version: PolicyItemVersion, add) -> None:
    if version.effective_to is not None and version.effective_to < version.effective_from:
        add("effective_to", gettext("The end date must be on or after the start date."))
    if version.formula != PolicyFormula.IN_KIND and not version.base_input:
        add("base_input", gettext("Choose the figure the rate applies to."))
    if version.formula == PolicyFormula.IN_KIND and not (version.in_kind_zh or version.in_kind_en):
        add("in_kind_zh", gettext("Describe the in-kind benefit (in Chinese, English or both)."))
    if version.formula == PolicyFormula.YEAR_SCHEDULE:
        try:
            rates = year_rates_parse(version.year_rates)
        except YearRatesError as exc:
            add("year_rates", gettext("“%(part)s” is not a percentage between 0 and 100. Write the rates "
                                      "for year 1, 2, 3… separated by commas, e.g. 100,50,50.") % {"part": exc})
        else:
            if not rates:
                add("year_rates", gettext("Give the percentage for each year, e.g. 100,50,50."))
    if version.rate is not None and version.rate < 0:
        add("rate", gettext("The rate cannot be negative."))
    elif version.formula == PolicyFormula.PERCENT_OF_BASE and version.rate is not None and version.rate > 100:
        add("rate", gettext("A percentage rate is at most 100."))
    for name in ("cap_per_year", "cap_per_project", "fund_total", "min_annual_revenue"):
        value = getattr(version, name)
        if value is not None and value <= 0:
            add(name, gettext("Enter an amount above zero, or leave it empty."))
    if not (len(version.currency or "") == 3 and version.currency.isalpha() and version.currency.isupper()):
        add("currency", gettext("Enter a three-letter ISO currency code in capitals, e.g. CNY."))


def _overlap_errors(version: PolicyItemVersion, add) -> None:
    others = PolicyItemVersion.objects.filter(item_id=version.item_id).exclude(pk=version.pk)
    others = others.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=version.effective_from))
    if version.effective_to is not None:
        others = others.filter(effective_from__lte=version.effective_to)
    clash = others.order_by("effective_from").first()
    if clash is None:
        return
    if clash.effective_from < version.effective_from and clash.effective_to is None:
        hint = gettext(" Set the end date of that version to %(day)s first.") % {
            "day": (version.effective_from - datetime.timedelta(days=1)).isoformat()}
    else:
        hint = ""
    add("effective_from", gettext("These dates overlap the version in effect from %(start)s to %(end)s; the "
                                  "versions of one item must not overlap.%(hint)s") % {
        "start": _date(clash.effective_from), "end": _date(clash.effective_to), "hint": hint})


def _history_errors(version: PolicyItemVersion, stored: PolicyItemVersion | None, *, today: datetime.date,
                    categories: Iterable[Category] | None, bands_changed: bool, add) -> None:
    moved = stored is None or stored.effective_from != version.effective_from
    if moved and version.effective_from < today:
        add("effective_from", gettext("A version cannot start in the past; start it today (%(today)s) or "
                                      "later.") % {"today": today.isoformat()})
    if stored is None or stored.effective_from > today:
        return
    locked = gettext("This version has been in effect since %(start)s, so its figures cannot change. Set its "
                     "end date and add a new version instead.") % {"start": stored.effective_from.isoformat()}
    for name in FIGURE_FIELDS:
        attname = PolicyItemVersion._meta.get_field(name).attname
        if getattr(stored, attname) != getattr(version, attname):
            add(name, locked)
    if categories is not None and {c.pk for c in categories} != {c.pk for c in stored.categories.all()}:
        add("categories", locked)
    if bands_changed:
        add(NON_FIELD_ERRORS, gettext("The rate bands of a version in effect cannot change. Set its end date "
                                      "and add a new version instead."))
    if version.effective_to != stored.effective_to:
        if stored.effective_to is not None and stored.effective_to < today:
            add("effective_to", gettext("This version ended on %(end)s and is history; it cannot be reopened "
                                        "or changed.") % {"end": stored.effective_to.isoformat()})
        elif version.effective_to is not None and version.effective_to < today:
            add("effective_to", gettext("A version in effect cannot end in the past; the earliest end date is "
                                        "today (%(today)s).") % {"today": today.isoformat()})


def policy_version_check(
    *,
    version: PolicyItemVersion,
    categories: Iterable[Category] | None = None,
    bands_changed: bool = False,
    today: datetime.date | None = None,
) -> None:
    """Raise PolicyVersionInvalid if saving `version` (new, or an edit of the stored row with the same pk)
    would break a version rule. `categories` are the eligible categories it would have (None: unchanged);
    `bands_changed` says whether its rate bands would change."""
    today = today or policy_today()
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    stored = None
    if version.pk is not None:
        stored = PolicyItemVersion.objects.prefetch_related("categories").filter(pk=version.pk).first()
    _consistency_errors(version, add)
    if version.item_id is not None and version.effective_from is not None:
        _overlap_errors(version, add)
        _history_errors(version, stored, today=today, categories=categories, bands_changed=bands_changed, add=add)
    if errors:
        raise PolicyVersionInvalid(errors)


# --- snapshots and the audit trail ----------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def policy_version_snapshot(*, version: PolicyItemVersion) -> dict[str, Any]:
    """The version's figures, texts, end date, categories and bands, as plain JSON-able values."""
    data: dict[str, Any] = {}
    for name in (*FIGURE_FIELDS, "effective_to", *TEXT_FIELDS):
        attname = PolicyItemVersion._meta.get_field(name).attname
        data[name] = _plain(getattr(version, attname))
    data["categories"] = sorted(c.code for c in version.categories.all())
    data["bands"] = [
        {"min_value": _plain(b.min_value), "category": b.category.code if b.category_id else None,
         "cross_border": b.cross_border, "rate": _plain(b.rate)}
        for b in sorted(version.bands.all(), key=lambda b: (b.sort_order, b.pk or 0))
    ]
    return data


def policy_item_snapshot(*, item: PolicyItem) -> dict[str, Any]:
    return {name: _plain(getattr(item, name)) for name in ITEM_FIELDS}


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def policy_version_recorded(*, version: PolicyItemVersion, actor: Any, before: dict[str, Any] | None,
                            ip_address: str | None = None) -> None:
    """Audit a version saved by the admin, in the saving transaction. `before`: the snapshot before an edit,
    None for a new version."""
    after = policy_version_snapshot(version=version)
    if before is None:
        audit_entry_create(actor=actor, action="portal.policy_version.created", target=version,
                           data={"item": version.item.code, "figures": after}, ip_address=ip_address)
        return
    changes = _changes(before, after)
    if changes:
        audit_entry_create(actor=actor, action="portal.policy_version.changed", target=version,
                           data={"item": version.item.code, "changes": changes}, ip_address=ip_address)


def policy_item_recorded(*, item: PolicyItem, actor: Any, before: dict[str, Any] | None,
                         ip_address: str | None = None) -> None:
    """Audit a policy item saved by the admin (identity, wording, published or not)."""
    after = policy_item_snapshot(item=item)
    if before is None:
        audit_entry_create(actor=actor, action="portal.policy_item.created", target=item, data=after,
                           ip_address=ip_address)
        return
    changes = _changes(before, after)
    if changes:
        audit_entry_create(actor=actor, action="portal.policy_item.changed", target=item,
                           data={"changes": changes}, ip_address=ip_address)


# --- services for code (commands, imports, tests) -------------------------------------------------------


@transaction.atomic
def policy_version_create(
    *,
    item: PolicyItem,
    actor: Any,
    effective_from: datetime.date,
    effective_to: datetime.date | None = None,
    categories: Iterable[Category] = (),
    bands: Iterable[dict[str, Any]] = (),
    ip_address: str | None = None,
    today: datetime.date | None = None,
    **figures: Any,
) -> PolicyItemVersion:
    """Add a version to the item (the way a policy figure changes). `figures` are PolicyItemVersion fields;
    `bands` are PolicyRateBand fields (min_value, category, cross_border, rate, sort_order)."""
    PolicyItem.objects.select_for_update().filter(pk=item.pk).first()  # one new version of an item at a time
    version = PolicyItemVersion(item=item, effective_from=effective_from, effective_to=effective_to, **figures)
    policy_version_check(version=version, today=today)
    version.save()
    categories = list(categories)
    if categories:
        version.categories.set(categories)
        version.save()
    for band in bands:
        PolicyRateBand.objects.create(version=version, **band)
    policy_version_recorded(version=version, actor=actor, before=None, ip_address=ip_address)
    return version


@transaction.atomic
def policy_version_close(
    *,
    version: PolicyItemVersion,
    effective_to: datetime.date,
    actor: Any,
    ip_address: str | None = None,
    today: datetime.date | None = None,
) -> PolicyItemVersion:
    """Set the last day the version applies (today or later once it is in effect). Nothing else changes."""
    version = PolicyItemVersion.objects.select_for_update().get(pk=version.pk)
    if version.effective_to == effective_to:
        return version
    before = policy_version_snapshot(version=version)
    version.effective_to = effective_to
    policy_version_check(version=version, today=today)
    version.save(update_fields=["effective_to"])
    audit_entry_create(actor=actor, action="portal.policy_version.closed", target=version,
                       data={"item": version.item.code, "changes": {"effective_to": [before["effective_to"],
                                                                                      _plain(effective_to)]}},
                       ip_address=ip_address)
    return version
