"""The rating model's versions under change control (BUSINESS_RULES §4.4, §8; operator guide §20).

    rating_model_defaults_load()   version 1 with the defaults of §8 (weights 30/20/20/20/10, the 100-at / 0-at
                                   rates, A ≥ 90, B ≥ 80, C ≥ 60, 30 orders, 90 days), approved, from the launch
                                   date, when there is no version at all (`manage.py load_defaults`)
    rating_model_propose(...)      a new version, effective today or later (never back-dated), with its reason
    rating_model_approve(...)      by another recruitment lead or management user; from then on the version never
                                   changes (PostgreSQL refuses) — a change is the next version
    rating_model_discard(...)      a proposal that will not be approved

Ratings already computed keep the version they were computed with; a new version applies to the recomputes as
of its effective day onwards.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, PermissionDenied
from portal.models import DIMENSIONS, Category, RatingDimension, RatingModelVersion, RatingReturnsThreshold
from portal.roles import Role, staff_roles
from portal.workflow import row_lock

# who proposes and approves a rating model (never the same person for one version)
RATING_MODEL_ROLES = frozenset({Role.LEAD.value, Role.MANAGEMENT.value})
# dimensions where a higher rate is better (100 points at the higher figure)
HIGHER_IS_BETTER = {RatingDimension.FULFILMENT, RatingDimension.ON_TIME, RatingDimension.SATISFACTION}
_SETTING_FIELDS = ["grade_a_min", "grade_b_min", "grade_c_min", "min_orders", "window_days"]
FIGURE_FIELDS = [f"{d}_{part}" for d in DIMENSIONS for part in ("weight", "full_at", "zero_at")] + _SETTING_FIELDS


def user_may_change_rating_model(user: Any) -> bool:
    return bool(staff_roles(user) & RATING_MODEL_ROLES)


def rating_model_defaults() -> dict[str, Any]:
    """The figures of BUSINESS_RULES §8, as the model's field defaults hold them."""
    return {name: RatingModelVersion._meta.get_field(name).default for name in FIGURE_FIELDS}


@transaction.atomic
def rating_model_defaults_load() -> dict[str, int]:
    """Version 1, approved, from the launch date, when there is no version at all. Idempotent; never touches a
    version staff have made."""
    if RatingModelVersion.objects.exists():
        return {"rating_models": 0}
    from portal.models import PortalSettings

    version = RatingModelVersion.objects.create(
        number=1, effective_from=PortalSettings.load().launch_date, note="默认信用评级模型 / Default rating model",
        approved_at=timezone.now(), **rating_model_defaults())
    audit_entry_create(actor=None, action="portal.rating_model.defaults_loaded", target=version,
                       data={"effective_from": version.effective_from})
    return {"rating_models": 1}


def _decimal(raw: Any) -> Decimal | None:
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return value if value.is_finite() else None


def _figures_clean(figures: dict[str, Any]) -> dict[str, Any]:
    """Every figure checked; a ValidationError names each field that is wrong."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name in FIGURE_FIELDS:
        value = _decimal(figures.get(name))
        if value is None:
            errors[name] = [_("Enter a number.")]
            continue
        if name in ("min_orders", "window_days"):
            if value != value.to_integral_value() or value < 1:
                errors[name] = [_("Enter a whole number of at least 1.")]
                continue
            clean[name] = int(value)
        else:
            clean[name] = value.quantize(Decimal("0.0001") if name.endswith("_at") else Decimal("0.01"))
    if "window_days" in clean and clean["window_days"] > 3660:
        errors["window_days"] = [_("The window is at most 3,660 days.")]
    weights = [clean.get(f"{d}_weight") for d in DIMENSIONS]
    for d in DIMENSIONS:
        w = clean.get(f"{d}_weight")
        if w is not None and w < 0:
            errors[f"{d}_weight"] = [_("A weight cannot be negative.")]
    if all(w is not None for w in weights) and sum(weights) != 100:
        errors["fulfilment_weight"] = [_("The five weights add up to %(total)s; they must add up to 100.")
                                       % {"total": sum(weights)}]
    for d in DIMENSIONS:
        full, zero = clean.get(f"{d}_full_at"), clean.get(f"{d}_zero_at")
        if full is None or zero is None:
            continue
        low, high = (Decimal(1), Decimal(5)) if d == RatingDimension.SATISFACTION else (Decimal(0), Decimal(100))
        label = RatingDimension(d).label
        if not (low <= full <= high and low <= zero <= high):
            errors[f"{d}_full_at"] = [_("%(dimension)s: both figures lie between %(low)s and %(high)s.")
                                      % {"dimension": label, "low": low, "high": high}]
        elif d in HIGHER_IS_BETTER and not full > zero:
            errors[f"{d}_full_at"] = [_("%(dimension)s: 100 points must be at a higher figure than 0 points.")
                                      % {"dimension": label}]
        elif d not in HIGHER_IS_BETTER and not full < zero:
            errors[f"{d}_full_at"] = [_("%(dimension)s: 100 points must be at a lower rate than 0 points.")
                                      % {"dimension": label}]
    a, b, c = clean.get("grade_a_min"), clean.get("grade_b_min"), clean.get("grade_c_min")
    if None not in (a, b, c) and not (100 >= a > b > c > 0):
        errors["grade_a_min"] = [_("The cut-offs must fall: 100 ≥ A > B > C > 0.")]
    if errors:
        raise ValidationError(errors)
    return clean


def _thresholds_clean(thresholds: list[dict[str, Any]]) -> list[tuple[Category, Decimal, Decimal]]:
    rows: list[tuple[Category, Decimal, Decimal]] = []
    errors: list[str] = []
    seen: set[int] = set()
    categories = Category.objects.in_bulk([t.get("category") for t in thresholds if t.get("category")])
    for t in thresholds:
        category = categories.get(t.get("category"))
        full, zero = _decimal(t.get("full_at")), _decimal(t.get("zero_at"))
        if category is None:
            errors.append(_("Choose the category of each returns threshold."))
            continue
        if category.pk in seen:
            errors.append(_("%(category)s has two returns thresholds.") % {"category": category})
            continue
        seen.add(category.pk)
        if full is None or zero is None or not (0 <= full < zero <= 100):
            errors.append(_("%(category)s: returns give 100 points at a lower rate than 0 points, both between 0 "
                            "and 100.") % {"category": category})
            continue
        rows.append((category, full.quantize(Decimal("0.0001")), zero.quantize(Decimal("0.0001"))))
    if errors:
        raise ValidationError({"returns_thresholds": errors})
    return rows


@transaction.atomic
def rating_model_propose(*, effective_from: dt.date, figures: dict[str, Any], note: str, actor: Any,
                         returns_thresholds: list[dict[str, Any]] | None = None,
                         today: dt.date | None = None) -> RatingModelVersion:
    """A new version waiting for another person's approval. `figures` holds every field of FIGURE_FIELDS;
    `returns_thresholds` is a list of {category: id, full_at, zero_at}. ValidationError names the fields."""
    if not user_may_change_rating_model(actor):
        raise PermissionDenied(_("Only a recruitment lead or management can propose a rating model."))
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if effective_from is None or effective_from < today:
        errors["effective_from"] = [_("A new rating model takes effect today or later, never in the past.")]
    note = (note or "").strip()
    if not note:
        errors["note"] = [_("Say why the rating model changes.")]
    clean: dict[str, Any] = {}
    thresholds: list[tuple[Category, Decimal, Decimal]] = []
    for step in (lambda: _figures_clean(figures), lambda: _thresholds_clean(returns_thresholds or [])):
        try:
            result = step()
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        if isinstance(result, dict):
            clean = result
        else:
            thresholds = result
    if errors:
        raise ValidationError(errors)
    number = (RatingModelVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    version = RatingModelVersion.objects.create(number=number, effective_from=effective_from, note=note[:500],
                                                created_by=actor, **clean)
    RatingReturnsThreshold.objects.bulk_create([
        RatingReturnsThreshold(version=version, category=category, full_at=full, zero_at=zero)
        for category, full, zero in thresholds])
    audit_entry_create(actor=actor, action="portal.rating_model.proposed", target=version,
                       data={"number": number, "effective_from": effective_from, "note": note[:500], **clean,
                             "returns_thresholds": {c.code: [f, z] for c, f, z in thresholds}})
    return version


@transaction.atomic
def rating_model_approve(*, version: RatingModelVersion, actor: Any,
                         today: dt.date | None = None) -> RatingModelVersion:
    """Another person approves; from then on the version never changes. Idempotent for an approved version."""
    version = row_lock(version)
    if version.approved_at is not None:
        return version
    if not user_may_change_rating_model(actor):
        raise PermissionDenied(_("Only a recruitment lead or management can approve a rating model."))
    if version.created_by_id == actor.pk:
        raise PermissionDenied(_("You proposed this rating model; another person has to approve it."))
    today = today or timezone.localdate()
    if version.effective_from < today:
        raise ApplicationError(_("This proposal was to take effect on %(date)s, which has passed: propose it again "
                                 "with a new date.") % {"date": version.effective_from.isoformat()})
    version.approved_at, version.approved_by = timezone.now(), actor
    version.save(update_fields=["approved_at", "approved_by"])
    audit_entry_create(actor=actor, action="portal.rating_model.approved", target=version,
                       data={"number": version.number, "effective_from": version.effective_from})
    return version


@transaction.atomic
def rating_model_discard(*, version: RatingModelVersion, actor: Any) -> None:
    """Delete a proposal (an approved version is never deleted)."""
    if not user_may_change_rating_model(actor):
        raise PermissionDenied(_("Only a recruitment lead or management can discard a rating model proposal."))
    version = row_lock(version)
    if version.approved_at is not None:
        raise ApplicationError(_("An approved rating model never changes; propose a new version instead."))
    audit_entry_create(actor=actor, action="portal.rating_model.discarded", target=version,
                       data={"number": version.number, "effective_from": version.effective_from})
    version.returns_thresholds.all().delete()
    version.delete()
