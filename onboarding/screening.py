"""The pre-screen (operator guide §5.1): which profile an applicant fits, a score, and why.

It flags unmet criteria and unanswered questions; it never rejects. Thresholds come from the
`ScreeningRules` setting. The result is translated in the active language; the services store it on
the application at submission (`profile`, `score`, `capability_score`, `screening_reasons`).

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
from decimal import Decimal

from django.utils.translation import gettext as _

from portal.models import Merchant
from portal.money import format_money

from .models import Application, Profile, ScreeningRules


@dataclass
class Criterion:
    profile: str
    key: str
    met: bool
    answered: bool
    text: str


@dataclass
class ScreeningResult:
    profile: str
    score: int
    reasons: list[str]
    missing: list[str]
    unmet: list[str] = field(default_factory=list)
    capability_score: int | None = None
    capability_recommended: bool | None = None
    criteria: list[Criterion] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON-ready, as stored in `Application.screening_reasons`."""
        return asdict(self)


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def _label(field_name: str) -> str:
    return str(Application._meta.get_field(field_name).verbose_name)


def _criteria(app: Application, rules: ScreeningRules) -> list[Criterion]:
    money = lambda amount: format_money(amount, app.currency)  # noqa: E731
    out: list[Criterion] = []

    def add(profile: str, key: str, answered: bool, met: bool, yes: str, no: str, unanswered: str) -> None:
        out.append(Criterion(profile, key, bool(answered and met), answered,
                             yes if answered and met else (no if answered else unanswered)))

    # strategic partner
    leader_answered = app.is_listed is not None or app.is_industry_leader is not None
    add(Profile.STRATEGIC, "leader", leader_answered, bool(app.is_listed or app.is_industry_leader),
        _("Listed company or industry leader."),
        _("Neither a listed company nor an industry leader."),
        _("Whether the company is listed or an industry leader is not answered."))
    add(Profile.STRATEGIC, "term", app.term_years is not None,
        app.term_years is not None and app.term_years >= rules.strategic_term_min_years,
        _("Intended term of %(years)s years meets the minimum of %(min)s years.")
        % {"years": app.term_years, "min": rules.strategic_term_min_years},
        _("Intended term of %(years)s years is shorter than the %(min)s years a strategic partnership needs.")
        % {"years": app.term_years, "min": rules.strategic_term_min_years},
        _("The intended term is not answered."))
    commitment = app.marketing_commitment
    add(Profile.STRATEGIC, "marketing", commitment is not None,
        commitment is not None and commitment > rules.strategic_marketing_above,
        _("Annual marketing commitment of %(amount)s.") % {"amount": money(commitment or 0)},
        _("Annual marketing commitment of %(amount)s is not above %(min)s.")
        % {"amount": money(commitment or 0), "min": money(rules.strategic_marketing_above)},
        _("The annual marketing commitment is not answered."))

    # core merchant
    top = app.top10_position is not None and 1 <= app.top10_position <= rules.core_top_rank
    advantage_answered = (app.has_supply_chain_advantage is not None or app.is_known_brand is not None
                          or app.top10_position is not None)
    advantage_met = bool(app.has_supply_chain_advantage or app.is_known_brand or top)
    add(Profile.CORE, "advantage", advantage_answered, advantage_met,
        _("Supply-chain advantage, known brand or a TOP%(rank)s position in the vertical.")
        % {"rank": rules.core_top_rank},
        _("No supply-chain advantage, known brand or TOP%(rank)s position in the vertical.")
        % {"rank": rules.core_top_rank},
        _("Supply-chain advantage, brand recognition and vertical ranking are not answered."))
    coverage = app.sku_coverage
    add(Profile.CORE, "sku_coverage", coverage is not None,
        coverage is not None and coverage >= rules.core_sku_coverage_min,
        _("SKU coverage of %(value)s meets the %(min)s needed.")
        % {"value": _pct(coverage or Decimal(0)), "min": _pct(rules.core_sku_coverage_min)},
        _("SKU coverage of %(value)s is below the %(min)s a core merchant needs.")
        % {"value": _pct(coverage or Decimal(0)), "min": _pct(rules.core_sku_coverage_min)},
        _("SKU coverage is not answered."))
    gmv = app.monthly_gmv
    add(Profile.CORE, "monthly_gmv", gmv is not None, gmv is not None and gmv > rules.core_monthly_gmv_above,
        _("Monthly GMV of %(amount)s is above %(min)s.")
        % {"amount": money(gmv or 0), "min": money(rules.core_monthly_gmv_above)},
        _("Monthly GMV of %(amount)s is not above the %(min)s a core merchant needs.")
        % {"amount": money(gmv or 0), "min": money(rules.core_monthly_gmv_above)},
        _("Monthly GMV is not answered."))
    add(Profile.CORE, "ops_team", app.has_ops_team is not None, bool(app.has_ops_team),
        _("Has a mature operations team."),
        _("No mature operations team."),
        _("Whether there is a mature operations team is not answered."))

    # potential merchant
    add(Profile.POTENTIAL, "patents", app.has_patents_or_designs is not None, bool(app.has_patents_or_designs),
        _("Holds patents or original designs."),
        _("No patents or original designs."),
        _("Patents and original designs are not answered."))
    growth = app.annual_growth
    add(Profile.POTENTIAL, "growth", growth is not None, growth is not None and growth >= rules.potential_growth_min,
        _("Annual growth of %(value)s meets the %(min)s needed.")
        % {"value": _pct(growth or Decimal(0)), "min": _pct(rules.potential_growth_min)},
        _("Annual growth of %(value)s is below the %(min)s a potential merchant needs.")
        % {"value": _pct(growth or Decimal(0)), "min": _pct(rules.potential_growth_min)},
        _("Annual growth is not answered."))
    return out


_PROFILE_ORDER = [Profile.STRATEGIC, Profile.CORE, Profile.POTENTIAL]


def _capability(app: Application, rules: ScreeningRules) -> tuple[int, list[str], list[str], list[str]]:
    """Points, lines met, lines unmet, questions unanswered."""
    indicators: list[tuple[str, object, Callable[[object], bool], str, str]] = [
        ("sample_pass_rate", app.sample_pass_rate, lambda v: v >= rules.capability_sample_pass_rate_min,
         _("Sample-inspection pass rate of %(value)s (at least %(min)s).")
         % {"value": _pct(app.sample_pass_rate or Decimal(0)), "min": _pct(rules.capability_sample_pass_rate_min)},
         _("Sample-inspection pass rate of %(value)s is below %(min)s.")
         % {"value": _pct(app.sample_pass_rate or Decimal(0)), "min": _pct(rules.capability_sample_pass_rate_min)}),
        ("peak_capacity_multiple", app.peak_capacity_multiple, lambda v: v >= rules.capability_peak_multiple_min,
         _("Peak daily capacity of %(value)s× normal (at least %(min)s×).")
         % {"value": app.peak_capacity_multiple, "min": rules.capability_peak_multiple_min},
         _("Peak daily capacity of %(value)s× normal is below %(min)s×.")
         % {"value": app.peak_capacity_multiple, "min": rules.capability_peak_multiple_min}),
        ("price_vs_industry_pct", app.price_vs_industry_pct,
         lambda v: rules.capability_price_below_min <= v <= rules.capability_price_below_max,
         _("Prices %(value)s below the industry average (%(min)s to %(max)s).")
         % {"value": _pct(app.price_vs_industry_pct or Decimal(0)), "min": _pct(rules.capability_price_below_min),
            "max": _pct(rules.capability_price_below_max)},
         _("Prices %(value)s below the industry average are outside %(min)s to %(max)s.")
         % {"value": _pct(app.price_vs_industry_pct or Decimal(0)), "min": _pct(rules.capability_price_below_min),
            "max": _pct(rules.capability_price_below_max)}),
        ("erp_integration", app.erp_integration, lambda v: bool(v),
         _("ERP integration available."), _("No ERP integration.")),
        ("new_skus_per_year", app.new_skus_per_year, lambda v: v >= rules.capability_new_skus_min,
         _("%(value)s new SKUs a year (at least %(min)s).")
         % {"value": app.new_skus_per_year, "min": rules.capability_new_skus_min},
         _("%(value)s new SKUs a year is below %(min)s.")
         % {"value": app.new_skus_per_year, "min": rules.capability_new_skus_min}),
    ]
    points, met, unmet, missing = 0, [], [], []
    for name, value, test, yes, no in indicators:
        if value is None:
            missing.append(_("%(question)s is not answered.") % {"question": _label(name)})
        elif test(value):
            points += rules.capability_points_per_indicator
            met.append(yes)
        else:
            unmet.append(no)
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

    reasons: list[str] = []
    if matched:
        reasons.append(_("Matches the %(profile)s profile: all %(count)s criteria are met.")
                       % {"profile": Profile(matched).label, "count": len(best_criteria)})
    else:
        reasons.append(_("No profile is fully matched; the closest is %(profile)s with %(met)s of %(count)s "
                         "criteria met. This is a flag for the reviewer, not a rejection.")
                       % {"profile": Profile(best).label, "met": met_count, "count": len(best_criteria)})
    reasons += [c.text for c in best_criteria if c.met]
    unmet = [c.text for c in best_criteria if c.answered and not c.met]
    seen: set[str] = set()
    missing = []
    for c in criteria:
        if not c.answered and c.text not in seen:
            seen.add(c.text)
            missing.append(c.text)

    capability_score = capability_recommended = None
    if application.merchant.kind == Merchant.Kind.SUPPLIER:
        capability_score, cap_met, cap_unmet, cap_missing = _capability(application, rules)
        capability_recommended = capability_score >= rules.capability_recommended_min
        reasons.append(
            (_("Supplier capability: %(points)s points, recommended (%(min)s or more).")
             if capability_recommended else
             _("Supplier capability: %(points)s points, below the %(min)s recommended."))
            % {"points": capability_score, "min": rules.capability_recommended_min}
        )
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
