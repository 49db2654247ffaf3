"""The pre-screen (operator guide §5.1): which profile an applicant fits, a score, and why.

It flags unmet criteria and unanswered questions; it never rejects. Thresholds come from the
`ScreeningRules` setting. Each reason is a code with parameters (`{"code": "core.monthly_gmv.unmet",
"params": {"amount": {"money": "450000.00", "currency": "CNY"}, "min": …}}`), stored so on the
application at submission (`profile`, `score`, `capability_score`, `screening_reasons`) and put into
words only when shown, in the viewer's language (`screening_display`). Reasons stored as plain text by
earlier versions are shown as they are.

Profiles, checked in this order of precedence when an applicant meets more than one:
- strategic partner: industry leader or listed company, term ≥ 3 years, marketing commitment > 0;
- core merchant: supply-chain advantage or known brand or vertical TOP10, SKU coverage ≥ 80%,
  monthly GMV > ¥500k, mature ops team;
- potential merchant: patents or original designs, annual growth ≥ 30%.

The score (0–100) is the share of criteria met for the best-fitting profile. Suppliers also get the
capability matrix: 20 points per indicator met, 60 or more recommended.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from portal.models import Merchant
from portal.money import format_money

from .models import Application, Profile, ScreeningRules
from .wizard import field_label

Reason = dict[str, Any]  # {"code": str, "params": {name: value}}

# code → message; the parameters are put in at display time (money, percentages, the profile's name)
MESSAGES = {
    "profile.matched": _("Matches the %(profile)s profile: all %(count)s criteria are met."),
    "profile.closest": _("No profile is fully matched; the closest is %(profile)s with %(met)s of %(count)s "
                         "criteria met. This is a flag for the reviewer, not a rejection."),
    "strategic.leader.met": _("Listed company or industry leader."),
    "strategic.leader.unmet": _("Neither a listed company nor an industry leader."),
    "strategic.leader.unanswered": _("Whether the company is listed or an industry leader is not answered."),
    "strategic.term.met": _("Intended term of %(years)s years meets the minimum of %(min)s years."),
    "strategic.term.unmet": _("Intended term of %(years)s years is shorter than the %(min)s years a strategic "
                              "partnership needs."),
    "strategic.term.unanswered": _("The intended term is not answered."),
    "strategic.marketing.met": _("Annual marketing commitment of %(amount)s."),
    "strategic.marketing.unmet": _("Annual marketing commitment of %(amount)s is not above %(min)s."),
    "strategic.marketing.unanswered": _("The annual marketing commitment is not answered."),
    "core.advantage.met": _("Supply-chain advantage, known brand or a TOP%(rank)s position in the vertical."),
    "core.advantage.unmet": _("No supply-chain advantage, known brand or TOP%(rank)s position in the vertical."),
    "core.advantage.unanswered": _("Supply-chain advantage, brand recognition and vertical ranking are not "
                                   "answered."),
    "core.sku_coverage.met": _("SKU coverage of %(value)s meets the %(min)s needed."),
    "core.sku_coverage.unmet": _("SKU coverage of %(value)s is below the %(min)s a core merchant needs."),
    "core.sku_coverage.unanswered": _("SKU coverage is not answered."),
    "core.monthly_gmv.met": _("Monthly GMV of %(amount)s is above %(min)s."),
    "core.monthly_gmv.unmet": _("Monthly GMV of %(amount)s is not above the %(min)s a core merchant needs."),
    "core.monthly_gmv.unanswered": _("Monthly GMV is not answered."),
    "core.ops_team.met": _("Has a mature operations team."),
    "core.ops_team.unmet": _("No mature operations team."),
    "core.ops_team.unanswered": _("Whether there is a mature operations team is not answered."),
    "potential.patents.met": _("Holds patents or original designs."),
    "potential.patents.unmet": _("No patents or original designs."),
    "potential.patents.unanswered": _("Patents and original designs are not answered."),
    "potential.growth.met": _("Annual growth of %(value)s meets the %(min)s needed."),
    "potential.growth.unmet": _("Annual growth of %(value)s is below the %(min)s a potential merchant needs."),
    "potential.growth.unanswered": _("Annual growth is not answered."),
    "capability.recommended": _("Supplier capability: %(points)s points, recommended (%(min)s or more)."),
    "capability.below": _("Supplier capability: %(points)s points, below the %(min)s recommended."),
    "capability.unanswered": _("%(question)s is not answered."),
    "capability.sample_pass_rate.met": _("Sample-inspection pass rate of %(value)s (at least %(min)s)."),
    "capability.sample_pass_rate.unmet": _("Sample-inspection pass rate of %(value)s is below %(min)s."),
    "capability.peak_capacity_multiple.met": _("Peak daily capacity of %(value)s× normal (at least %(min)s×)."),
    "capability.peak_capacity_multiple.unmet": _("Peak daily capacity of %(value)s× normal is below %(min)s×."),
    "capability.price_vs_industry_pct.met": _("Prices %(value)s below the industry average (%(min)s to "
                                              "%(max)s)."),
    "capability.price_vs_industry_pct.unmet": _("Prices %(value)s below the industry average are outside "
                                                "%(min)s to %(max)s."),
    "capability.erp_integration.met": _("ERP integration available."),
    "capability.erp_integration.unmet": _("No ERP integration."),
    "capability.new_skus_per_year.met": _("%(value)s new SKUs a year (at least %(min)s)."),
    "capability.new_skus_per_year.unmet": _("%(value)s new SKUs a year is below %(min)s."),
}


def reason(code: str, **params: Any) -> Reason:
    return {"code": code, "params": params}


def money_param(amount: Decimal | int | None, currency: str) -> dict:
    return {"money": str(amount if amount is not None else 0), "currency": currency}


def pct_param(value: Decimal | None) -> dict:
    return {"pct": str(value if value is not None else 0)}


def _param_text(value: Any) -> Any:
    if isinstance(value, dict):
        try:
            if "money" in value:
                return format_money(Decimal(str(value["money"])), value.get("currency") or "CNY")
            if "pct" in value:
                return f"{Decimal(str(value['pct'])).normalize():f}%"
        except (InvalidOperation, ValueError):
            return str(value.get("money", value.get("pct", "")))
        if "profile" in value:
            return Profile(value["profile"]).label if value["profile"] in Profile.values else value["profile"]
        if "field" in value:
            return field_label(str(value["field"]))
    return "—" if value is None else value


def reason_text(item: Reason | str) -> str:
    """A reason in words, in the active language; a reason stored as text by an earlier version as it is."""
    if not isinstance(item, dict):
        return str(item)
    message = MESSAGES.get(str(item.get("code")))
    if message is None:
        return str(item.get("code", ""))
    params = {name: _param_text(value) for name, value in (item.get("params") or {}).items()}
    try:
        return str(message) % params if params else str(message)
    except (KeyError, TypeError, ValueError):
        return str(message)


@dataclass
class Criterion:
    profile: str
    key: str
    met: bool
    answered: bool
    reason: Reason

    @property
    def text(self) -> str:
        return reason_text(self.reason)


@dataclass
class ScreeningResult:
    profile: str
    score: int
    reasons: list[Reason]
    missing: list[Reason]
    unmet: list[Reason] = field(default_factory=list)
    capability_score: int | None = None
    capability_recommended: bool | None = None
    criteria: list[Criterion] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON-ready, as stored in `Application.screening_reasons`: reasons as codes with parameters."""
        return asdict(self)


@dataclass
class ScreeningDisplay:
    """A screening result put into words in the active language, for the applicant's and staff's pages."""

    profile: str
    score: int | None
    reasons: list[str]
    unmet: list[str]
    missing: list[str]
    capability_score: int | None = None
    capability_recommended: bool | None = None

    def __bool__(self) -> bool:
        return bool(self.profile or self.reasons or self.unmet or self.missing)


def screening_display(result: ScreeningResult | dict | None) -> ScreeningDisplay:
    """The result (as evaluated or as stored on the application) in the viewer's language."""
    data = result.as_dict() if isinstance(result, ScreeningResult) else (result or {})

    def texts(key: str) -> list[str]:
        items = data.get(key) or []
        return [reason_text(item) for item in items] if isinstance(items, list) else []

    return ScreeningDisplay(
        profile=str(data.get("profile") or ""), score=data.get("score"), reasons=texts("reasons"),
        unmet=texts("unmet"), missing=texts("missing"), capability_score=data.get("capability_score"),
        capability_recommended=data.get("capability_recommended"),
    )


def _criteria(app: Application, rules: ScreeningRules) -> list[Criterion]:
    def money(amount: Decimal | int | None) -> dict:
        return money_param(amount, app.currency)

    out: list[Criterion] = []

    def add(profile: str, key: str, answered: bool, met: bool, **params: Any) -> None:
        state = "met" if answered and met else ("unmet" if answered else "unanswered")
        out.append(Criterion(profile, key, bool(answered and met), answered,
                             reason(f"{profile}.{key}.{state}", **(params if answered else {}))))

    # strategic partner
    leader_answered = app.is_listed is not None or app.is_industry_leader is not None
    add(Profile.STRATEGIC, "leader", leader_answered, bool(app.is_listed or app.is_industry_leader))
    add(Profile.STRATEGIC, "term", app.term_years is not None,
        app.term_years is not None and app.term_years >= rules.strategic_term_min_years,
        years=app.term_years, min=rules.strategic_term_min_years)
    commitment = app.marketing_commitment
    add(Profile.STRATEGIC, "marketing", commitment is not None,
        commitment is not None and commitment > rules.strategic_marketing_above,
        amount=money(commitment), min=money(rules.strategic_marketing_above))

    # core merchant
    top = app.top10_position is not None and 1 <= app.top10_position <= rules.core_top_rank
    advantage_answered = (app.has_supply_chain_advantage is not None or app.is_known_brand is not None
                          or app.top10_position is not None)
    advantage_met = bool(app.has_supply_chain_advantage or app.is_known_brand or top)
    add(Profile.CORE, "advantage", advantage_answered, advantage_met, rank=rules.core_top_rank)
    coverage = app.sku_coverage
    add(Profile.CORE, "sku_coverage", coverage is not None,
        coverage is not None and coverage >= rules.core_sku_coverage_min,
        value=pct_param(coverage), min=pct_param(rules.core_sku_coverage_min))
    gmv = app.monthly_gmv
    add(Profile.CORE, "monthly_gmv", gmv is not None, gmv is not None and gmv > rules.core_monthly_gmv_above,
        amount=money(gmv), min=money(rules.core_monthly_gmv_above))
    add(Profile.CORE, "ops_team", app.has_ops_team is not None, bool(app.has_ops_team))

    # potential merchant
    add(Profile.POTENTIAL, "patents", app.has_patents_or_designs is not None, bool(app.has_patents_or_designs))
    growth = app.annual_growth
    add(Profile.POTENTIAL, "growth", growth is not None, growth is not None and growth >= rules.potential_growth_min,
        value=pct_param(growth), min=pct_param(rules.potential_growth_min))
    return out


_PROFILE_ORDER = [Profile.STRATEGIC, Profile.CORE, Profile.POTENTIAL]


def _capability(app: Application, rules: ScreeningRules) -> tuple[int, list[Reason], list[Reason], list[Reason]]:
    """Points, reasons met, unmet, questions unanswered."""
    indicators: list[tuple[str, Any, Callable[[Any], bool], dict]] = [
        ("sample_pass_rate", app.sample_pass_rate, lambda v: v >= rules.capability_sample_pass_rate_min,
         {"value": pct_param(app.sample_pass_rate), "min": pct_param(rules.capability_sample_pass_rate_min)}),
        ("peak_capacity_multiple", app.peak_capacity_multiple, lambda v: v >= rules.capability_peak_multiple_min,
         {"value": str(app.peak_capacity_multiple), "min": str(rules.capability_peak_multiple_min)}),
        ("price_vs_industry_pct", app.price_vs_industry_pct,
         lambda v: rules.capability_price_below_min <= v <= rules.capability_price_below_max,
         {"value": pct_param(app.price_vs_industry_pct), "min": pct_param(rules.capability_price_below_min),
          "max": pct_param(rules.capability_price_below_max)}),
        ("erp_integration", app.erp_integration, lambda v: bool(v), {}),
        ("new_skus_per_year", app.new_skus_per_year, lambda v: v >= rules.capability_new_skus_min,
         {"value": app.new_skus_per_year, "min": rules.capability_new_skus_min}),
    ]
    points, met, unmet, missing = 0, [], [], []
    for name, value, test, params in indicators:
        if value is None:
            missing.append(reason("capability.unanswered", question={"field": name}))
        elif test(value):
            points += rules.capability_points_per_indicator
            met.append(reason(f"capability.{name}.met", **params))
        else:
            unmet.append(reason(f"capability.{name}.unmet", **params))
    return points, met, unmet, missing


def screening_evaluate(*, application: Application, rules: ScreeningRules | None = None) -> ScreeningResult:
    """Evaluate the application's current answers. Reads only; call it for the wizard's preview too."""
    rules = rules or ScreeningRules.load()
    criteria = _criteria(application, rules)
    by_profile = {p: [c for c in criteria if c.profile == p] for p in _PROFILE_ORDER}
    shares = {p: sum(c.met for c in cs) / len(cs) for p, cs in by_profile.items()}
    matched = next((p for p in _PROFILE_ORDER if shares[p] == 1), None)
    # the best fit: the matched profile, else the one with the largest share of criteria met
    best = matched or max(_PROFILE_ORDER, key=lambda p: (shares[p], -_PROFILE_ORDER.index(p)))
    best_criteria = by_profile[best]
    met_count = sum(c.met for c in best_criteria)
    score = round(100 * met_count / len(best_criteria))

    reasons: list[Reason] = []
    if matched:
        reasons.append(reason("profile.matched", profile={"profile": str(matched)}, count=len(best_criteria)))
    else:
        reasons.append(reason("profile.closest", profile={"profile": str(best)}, met=met_count,
                              count=len(best_criteria)))
    reasons += [c.reason for c in best_criteria if c.met]
    unmet = [c.reason for c in best_criteria if c.answered and not c.met]
    seen: set[str] = set()
    missing = []
    for c in criteria:
        if not c.answered and c.reason["code"] not in seen:
            seen.add(c.reason["code"])
            missing.append(c.reason)

    capability_score = capability_recommended = None
    if application.merchant.kind == Merchant.Kind.SUPPLIER:
        capability_score, cap_met, cap_unmet, cap_missing = _capability(application, rules)
        capability_recommended = capability_score >= rules.capability_recommended_min
        reasons.append(reason("capability.recommended" if capability_recommended else "capability.below",
                              points=capability_score, min=rules.capability_recommended_min))
        reasons += cap_met
        unmet += cap_unmet
        missing += cap_missing

    return ScreeningResult(
        profile=matched or Profile.NONE.value,
        score=score,
        reasons=reasons,
        missing=missing,
        unmet=unmet,
        capability_score=capability_score,
        capability_recommended=capability_recommended,
        criteria=criteria,
    )
