"""Drafting a contract and editing its terms: from an approved application, by staff while it is a draft, and
amendments (a new contract that changes a signed one)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exceptions import ApplicationError, InvalidTransition
from portal.models import Category, CooperationMode, MerchantGrade
from portal.money import round_money

from ..models import (
    Contract,
    ContractKind,
    ContractLadderBand,
    ContractNumberCounter,
    ContractSettings,
    ContractStatus,
    ContractTemplateVersion,
)
from ..models.contracts import BINDING_STATUSES
from ..permissions import require_contract_editor
from ._base import audit, lock_contract, now_or

S = ContractStatus
MAX_LADDER_BANDS = 20

# the terms staff may change while the contract is a draft (contract_terms_update)
EDITABLE_TERMS = (
    "merchant_legal_name", "merchant_credit_code", "merchant_representative", "merchant_address", "grade",
    "categories", "regions", "exclusive", "technical_service_fee", "advertising_fee_percent",
    "revenue_share_percent", "share_adjustments_apply", "franchise_fee", "liquidated_damages_percent",
    "liquidated_damages_minimum", "currency", "settlement_days", "deposit_amount", "deposit_top_up_days",
    "deposit_refund_working_days", "strategic", "min_annual_marketing", "term_months",
)
MONEY_TERMS = ("technical_service_fee", "franchise_fee", "liquidated_damages_minimum", "deposit_amount",
               "min_annual_marketing")
# the terms an amendment starts from (everything the parent agreed)
COPIED_TERMS = tuple(name for name in EDITABLE_TERMS if name != "categories") + ("mode",)


# ---- numbers

def contract_number_next(*, year: int) -> str:
    """The next number of `year`'s series, HT-<year>-<6 digits>, taken from the locked counter row inside the
    caller's transaction: two concurrent drafts wait on each other and get consecutive numbers, and a draft
    that rolls back gives its number back."""
    try:
        with transaction.atomic():
            ContractNumberCounter.objects.get_or_create(year=year)
    except IntegrityError:  # another transaction created the year's row first: it exists now
        pass
    counter = ContractNumberCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"HT-{year}-{counter.last:06d}"


# ---- validation

def _money(name: str, value: Any, currency: str, *, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({name: [_("Enter an amount.")]})
        return None
    if isinstance(value, float):
        value = str(value)
    try:
        amount = round_money(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError, TypeError, ApplicationError) as exc:
        raise ValidationError({name: [_("Enter an amount.")]}) from exc
    if amount < 0:
        raise ValidationError({name: [_("The amount cannot be negative.")]})
    return amount


def _field_value(name: str, value: Any) -> Any:
    """`value` converted and checked by the model field's own rules (type, range, length)."""
    field = Contract._meta.get_field(name)
    if isinstance(field, models.BooleanField):
        return bool(value)
    if value in (None, "") and field.null:
        return None
    if value is None and field.blank and isinstance(field, models.CharField):
        return ""
    try:
        if isinstance(field, models.DecimalField) and isinstance(value, float):
            value = str(value)
        return field.clean(value, None)
    except ValidationError as exc:
        raise ValidationError({name: exc.messages}) from exc


def _regions(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.replace("，", ",").replace("、", ",").replace("\n", ",").split(",")
    if not isinstance(value, list | tuple):
        raise ValidationError({"regions": [_("Give the sales regions as a list of names.")]})
    regions = list(dict.fromkeys(" ".join(str(item).split()) for item in value if str(item).strip()))
    if any(len(region) > 100 for region in regions):
        raise ValidationError({"regions": [_("A region name has at most 100 characters.")]})
    return regions


def _categories(value: Any) -> list[Category]:
    items = list(value or [])
    ids = [item.pk if isinstance(item, Category) else item for item in items]
    try:
        ids = [int(pk) for pk in ids]
    except (TypeError, ValueError) as exc:
        raise ValidationError({"categories": [_("Choose categories from the list.")]}) from exc
    found = list(Category.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"categories": [_("Choose categories from the list.")]})
    return found


def contract_terms_problems(*, contract: Contract, settings: ContractSettings | None = None) -> dict[str, list[str]]:
    """What the terms lack for the contract's mode and kind of partner, by field (empty when complete):
    a strategic partner's term of at least ContractSettings.strategic_min_term_months and a minimum annual
    marketing commitment, a revenue share for joint operation, a franchise fee for franchise, a legal name."""
    settings = settings or ContractSettings.load()
    problems: dict[str, list[str]] = {}
    if not (contract.merchant_legal_name or "").strip():
        problems["merchant_legal_name"] = [_("Give the merchant's registered name.")]
    if contract.term_months < 1:
        problems["term_months"] = [_("The term is at least one month.")]
    if contract.strategic:
        if contract.term_months < settings.strategic_min_term_months:
            problems.setdefault("term_months", []).append(
                _("A strategic partner's contract runs at least %(months)s months.")
                % {"months": settings.strategic_min_term_months})
        if not contract.min_annual_marketing:
            problems["min_annual_marketing"] = [
                _("A strategic partner's contract needs a minimum annual marketing commitment.")]
    if contract.mode == CooperationMode.JOINT and not contract.revenue_share_percent:
        problems["revenue_share_percent"] = [_("A joint-operation contract needs the revenue share.")]
    if contract.mode == CooperationMode.FRANCHISE and contract.franchise_fee is None:
        problems["franchise_fee"] = [_("A franchise contract needs the franchise fee.")]
    return problems


def _require_draft(contract: Contract) -> None:
    if contract.status != S.DRAFT:
        raise InvalidTransition(
            _("Contract %(number)s is “%(status)s”: its terms can only be changed while it is a draft. Withdraw "
              "it to revise it before the merchant accepts it; after signing, draft an amendment.")
            % {"number": contract.number, "status": contract.get_status_display()},
            extra={"status": contract.status})


# ---- drafting

def _template_version(mode: str, on: dt.date) -> ContractTemplateVersion:
    version = ContractTemplateVersion.objects.effective_on(mode=mode, on=on)
    if version is None:
        raise ApplicationError(
            _("There is no contract template for “%(mode)s” in effect on %(date)s: an editor must publish one "
              "before a contract can be drafted.")
            % {"mode": CooperationMode(mode).label if mode in CooperationMode.values else mode,
               "date": on.isoformat()},
            extra={"mode": mode})
    return version


@transaction.atomic
def contract_draft_for_approval(*, merchant: Any, actor: Any, mode: str, grade: str, deposit_amount: Decimal,
                                currency: str, categories: Any, legal_name: str, credit_code: str = "",
                                representative: str = "", address: str = "", origin: str = "",
                                strategic: bool = False, min_annual_marketing: Decimal | None = None,
                                now: dt.datetime | None = None) -> Contract:
    """A draft contract for an approved application, from the template version of `mode` in effect today,
    with the approved grade and deposit and ContractSettings' defaults copied into its terms (a later
    change of the settings never alters it). A strategic partner's term is at least the strategic minimum.

    Runs inside the approval's transaction (onboarding calls it): no template in effect raises
    ApplicationError and the approval rolls back with it. Checks no role: the approval has authorised it.
    Quiet for the same origin: an open contract already drafted from it is returned."""
    now = now_or(now)
    if mode not in CooperationMode.values:
        raise ValidationError({"mode": [_("Choose a cooperation mode.")]})
    grade = (grade or "").strip().upper()
    if grade and grade not in MerchantGrade.values:
        raise ValidationError({"grade": [_("Choose a grade from A to E.")]})
    currency = (currency or "").strip().upper()
    if origin:
        existing = (Contract.objects.filter(merchant=merchant, origin=origin, kind=ContractKind.CONTRACT)
                    .exclude(status=S.CANCELLED).first())
        if existing is not None:
            return existing
    version = _template_version(mode, timezone.localdate(now))
    settings = ContractSettings.load()
    term = settings.term_months
    if strategic:
        term = max(term, settings.strategic_min_term_months)
    contract = Contract.objects.create(
        number=contract_number_next(year=timezone.localdate(now).year),
        merchant=merchant, kind=ContractKind.CONTRACT, origin=(origin or "")[:60], mode=mode,
        template_version=version, status=S.DRAFT, status_changed_at=now,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        merchant_legal_name=(legal_name or merchant.name)[:200], merchant_credit_code=(credit_code or "")[:18],
        merchant_representative=(representative or "")[:100], merchant_address=(address or "")[:300],
        grade=grade, currency=currency or "CNY",
        deposit_amount=_money("deposit_amount", deposit_amount or 0, currency or "CNY") or Decimal(0),
        settlement_days=settings.settlement_days, deposit_top_up_days=settings.deposit_top_up_days,
        deposit_refund_working_days=settings.deposit_refund_working_days,
        strategic=bool(strategic), term_months=term,
        min_annual_marketing=_money("min_annual_marketing", min_annual_marketing, currency or "CNY"),
    )
    contract.categories.set(_categories(categories))
    audit(actor=actor, contract=contract, event="drafted", data={
        "number": contract.number, "origin": contract.origin, "mode": mode, "kind": contract.kind,
        "template_version": version.pk, "template_number": version.number,
        "template_sha256": version.content_sha256, "grade": grade, "deposit": contract.deposit_amount,
        "currency": contract.currency, "strategic": contract.strategic, "term_months": term})
    return contract


def _terms_snapshot(contract: Contract, names: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        if name == "categories":
            out[name] = sorted(contract.categories.values_list("code", flat=True))
        else:
            out[name] = getattr(contract, name)
    return out


@transaction.atomic
def contract_terms_update(*, contract: Contract, actor: Any, **terms: Any) -> Contract:
    """Change terms of a draft (the names in EDITABLE_TERMS), each checked by its field's rules, then the
    terms as a whole (`contract_terms_problems`). Refused for a contract that is no longer a draft (issued,
    accepted, signed …): what was issued or signed never changes. Records before and after. Quiet when
    nothing changes."""
    require_contract_editor(actor)
    unknown = sorted(set(terms) - set(EDITABLE_TERMS))
    if unknown:
        raise ValidationError({NON_FIELD_ERRORS: [_("These terms cannot be changed: %(names)s.")
                                                  % {"names": ", ".join(unknown)}]})
    contract = lock_contract(contract)
    _require_draft(contract)
    currency = str(terms.get("currency") or contract.currency).strip().upper()
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    categories = None
    for name, value in terms.items():
        try:
            if name == "categories":
                categories = _categories(value)
            elif name == "regions":
                values[name] = _regions(value)
            elif name in MONEY_TERMS:
                amount = _money(name, value, currency)
                if amount is None and not Contract._meta.get_field(name).null:
                    raise ValidationError({name: [_("Enter an amount.")]})
                values[name] = amount
            elif name == "currency":
                if len(currency) != 3 or not currency.isalpha():
                    raise ValidationError({name: [_("Give the currency as a three-letter code.")]})
                values[name] = currency
            elif name == "grade":
                grade = str(value or "").strip().upper()
                if grade and grade not in MerchantGrade.values:
                    raise ValidationError({name: [_("Choose a grade from A to E.")]})
                values[name] = grade
            else:
                values[name] = _field_value(name, value)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    changed = [name for name, value in values.items() if getattr(contract, name) != value]
    before = _terms_snapshot(contract, changed + (["categories"] if categories is not None else []))
    for name in changed:
        setattr(contract, name, values[name])
    problems = contract_terms_problems(contract=contract)
    problems = {name: messages for name, messages in problems.items() if name in terms or _touches(name, terms)}
    if problems:
        raise ValidationError(problems)
    categories_changed = categories is not None and (
        sorted(c.pk for c in categories) != sorted(contract.categories.values_list("pk", flat=True)))
    if not changed and not categories_changed:
        return contract
    if changed:
        contract.save(update_fields=[*changed, "updated_at"])
    if categories_changed:
        contract.categories.set(categories)
    after_names = changed + (["categories"] if categories_changed else [])
    audit(actor=actor, contract=contract, event="terms_updated",
          data={"before": {k: v for k, v in before.items() if k in after_names},
                "after": _terms_snapshot(contract, after_names)})
    return contract


# which terms a problem of the whole is about: changing any of them re-checks it
_PROBLEM_INPUTS = {
    "term_months": {"strategic", "term_months"},
    "min_annual_marketing": {"strategic", "min_annual_marketing"},
    "revenue_share_percent": {"revenue_share_percent"},
    "franchise_fee": {"franchise_fee"},
    "merchant_legal_name": {"merchant_legal_name"},
}


def _touches(problem: str, terms: dict) -> bool:
    return bool(_PROBLEM_INPUTS.get(problem, set()) & set(terms))


@transaction.atomic
def contract_ladder_set(*, contract: Contract, actor: Any, bands: list[dict[str, Any]]) -> Contract:
    """Replace the contract's own GMV ladder (a strategic ladder) while it is a draft: bands of
    `{"min_gmv", "rate_percent"}`, the first from 0, thresholds rising, rates between 0 and 100. An empty list
    removes the ladder (the general GMV ladder applies). Records the ladder before and after."""
    require_contract_editor(actor)
    contract = lock_contract(contract)
    _require_draft(contract)
    if len(bands) > MAX_LADDER_BANDS:
        raise ValidationError({"bands": [_("A ladder has at most %(count)s bands.") % {"count": MAX_LADDER_BANDS}]})
    cleaned: list[tuple[Decimal, Decimal]] = []
    for index, band in enumerate(bands, start=1):
        try:
            min_gmv = round_money(Decimal(str(band.get("min_gmv"))), contract.currency)
            rate = Decimal(str(band.get("rate_percent"))).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError, TypeError, ApplicationError) as exc:
            raise ValidationError({"bands": [_("Band %(index)s: enter a GMV threshold and a rate.")
                                             % {"index": index}]}) from exc
        if min_gmv < 0 or not (Decimal(0) <= rate <= Decimal(100)):
            raise ValidationError({"bands": [_("Band %(index)s: the threshold cannot be negative and the rate is "
                                               "between 0 and 100%%.") % {"index": index}]})
        cleaned.append((min_gmv, rate))
    thresholds = [min_gmv for min_gmv, _rate in cleaned]
    if cleaned and thresholds[0] != 0:
        raise ValidationError({"bands": [_("The first band starts at a GMV of 0.")]})
    if any(b <= a for a, b in zip(thresholds, thresholds[1:], strict=False)):
        raise ValidationError({"bands": [_("Each band starts above the one before it.")]})
    before = [{"min_gmv": b.min_gmv, "rate_percent": b.rate_percent} for b in contract.ladder_bands.all()]
    after = [{"min_gmv": m, "rate_percent": r} for m, r in cleaned]
    if before == after:
        return contract
    contract.ladder_bands.all().delete()
    ContractLadderBand.objects.bulk_create(
        [ContractLadderBand(contract=contract, min_gmv=m, rate_percent=r) for m, r in cleaned])
    audit(actor=actor, contract=contract, event="ladder_set", data={"before": before, "after": after})
    return contract


def _derived_draft(*, original: Contract, actor: Any, kind: str, summary: str, now: dt.datetime) -> Contract:
    """A new draft of `kind` that starts from every term and the ladder of the binding `original`."""
    if original.status not in BINDING_STATUSES:
        raise InvalidTransition(
            _("Only a signed contract can be amended or renewed; contract %(number)s is “%(status)s”.")
            % {"number": original.number, "status": original.get_status_display()},
            extra={"status": original.status})
    root = original.parent if original.kind == ContractKind.AMENDMENT and original.parent_id else original
    version = (ContractTemplateVersion.objects.effective_on(mode=original.mode, on=timezone.localdate(now))
               or original.template_version)
    terms = {name: getattr(original, name) for name in COPIED_TERMS}
    if kind == ContractKind.RENEWAL:
        settings = ContractSettings.load()
        terms["term_months"] = max(settings.term_months, settings.strategic_min_term_months if original.strategic
                                   else 1)
    derived = Contract.objects.create(
        number=contract_number_next(year=timezone.localdate(now).year), merchant=original.merchant,
        kind=kind, parent=root, amendment_summary=summary, origin=f"{kind}:{original.pk}",
        template_version=version, status=S.DRAFT, status_changed_at=now,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        launch_offer=original.launch_offer if kind == ContractKind.AMENDMENT else False, **terms,
    )
    derived.categories.set(original.categories.all())
    ContractLadderBand.objects.bulk_create(
        [ContractLadderBand(contract=derived, min_gmv=b.min_gmv, rate_percent=b.rate_percent)
         for b in original.ladder_bands.all()])
    audit(actor=actor, contract=derived, event="drafted", data={
        "number": derived.number, "kind": kind, "parent": root.pk, "parent_number": root.number,
        "from_number": original.number, "summary": summary, "template_version": version.pk,
        "template_number": version.number, "template_sha256": version.content_sha256})
    audit(actor=actor, contract=root, event=f"{kind}_drafted",
          data={kind: derived.pk, f"{kind}_number": derived.number, "summary": summary})
    return derived


@transaction.atomic
def contract_amendment_draft(*, contract: Contract, actor: Any, summary: str, now: dt.datetime | None = None
                             ) -> Contract:
    """A draft amendment of a binding (signed, active or expiring) contract: a new contract of kind
    "amendment" pointing at it (at the original, when amending an amendment), with a number of its own, the
    template version in effect today (the original's if its mode has none) and a copy of every term and the
    ladder, which staff then change and which goes through issue → accept → countersign like any contract.
    The original never changes."""
    require_contract_editor(actor)
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": [_("Say what the amendment changes.")]})
    return _derived_draft(original=lock_contract(contract), actor=actor, kind=ContractKind.AMENDMENT,
                          summary=summary, now=now_or(now))


@transaction.atomic
def contract_renewal_draft(*, contract: Contract, actor: Any, summary: str = "", now: dt.datetime | None = None
                           ) -> Contract:
    """A draft renewal of a binding contract: kind "renewal", parent the contract, its terms copied and the
    term set anew from ContractSettings; once signed its term starts the day after the original ends. The
    original is marked renewed with `contract_renew_mark`."""
    require_contract_editor(actor)
    return _derived_draft(original=lock_contract(contract), actor=actor, kind=ContractKind.RENEWAL,
                          summary=(summary or "").strip(), now=now_or(now))
