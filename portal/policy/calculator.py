"""The benefits calculator [政策测算]: a visitor's figures in, the policy items that apply and an ESTIMATE of
their amounts out. This is the one place the policy formulas are computed; settlement subsidies reuse
`policy_rate_for`, `policy_ineligibility_reasons` and `policy_benefit_for_year`.

Rules (each version carries its own figures):
- percent: rate% × base; schedule: year_rates[n]% × base in year n (0 beyond the list); per unit: rate × base.
- Bands replace the version's rate when all their conditions hold; the highest matching rate wins.
- One-off items count in year 1 only; `duration_years` ends recurring items; `cap_per_year` clamps each year;
  `cap_per_project` clamps the sum over the years.
- In-kind items are listed with their benefit in words and amount 0; they never enter the totals.
- Items whose conditions fail are listed with the reasons and amount 0.
Every amount is a Decimal rounded with `round_money` per line and year. Nothing here is a commitment.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext

from portal.models import Category
from portal.models.policy import PolicyFormula, PolicyItem, PolicyItemVersion, PolicyRateBand
from portal.money import format_money, round_money
from portal.text import join_clauses, join_names, join_phrases

from .describe import band_condition_text, version_describe
from .figures import COUNT_INPUTS, YearRatesError, base_noun, count_text, percent_text, year_rates_parse
from .selectors import policy_items_current, policy_today

ZERO = Decimal(0)
HUNDRED = Decimal(100)
MAX_YEARS = 10


@dataclass(frozen=True)
class CalculatorInputs:
    """The visitor's figures. Money in the default currency, per year unless it is an investment."""

    category: Category | None = None
    annual_revenue: Decimal = ZERO
    local_tax_contribution: Decimal = ZERO
    annual_rent: Decimal = ZERO
    renovation_investment: Decimal = ZERO
    equipment_investment: Decimal = ZERO
    cold_chain_investment: Decimal = ZERO
    orders_per_year: int = 0
    training_fees: Decimal = ZERO
    designated_logistics: bool = False
    heavy_asset: bool = False
    cross_border: bool = False

    def figure(self, name: str) -> Decimal:
        """The figure a version names as its base or band input (an unknown name counts as 0)."""
        if not name:
            return ZERO
        return Decimal(getattr(self, name, ZERO) or 0)


@dataclass(frozen=True)
class YearBenefit:
    """One year of one item: the amount after the cap per year (not yet the cap per project)."""

    amount: Decimal
    capped: bool = False


@dataclass(frozen=True)
class BenefitLine:
    item: PolicyItem
    version: PolicyItemVersion
    eligible: bool
    reasons: list[str]
    rule: str
    year_amounts: list[Decimal]
    year1: Decimal
    total: Decimal
    capped: bool
    in_kind: str
    currency: str
    in_totals: bool = True

    @property
    def is_in_kind(self) -> bool:
        return self.version.formula == PolicyFormula.IN_KIND


@dataclass(frozen=True)
class BenefitEstimate:
    """An ESTIMATE of the support a firm could receive; the binding figures are in the contract."""

    lines: list[BenefitLine]
    total_year1: Decimal
    total: Decimal
    years: int
    currency: str
    on_date: datetime.date
    is_estimate: bool = field(default=True, init=False)

    @property
    def cash_lines(self) -> list[BenefitLine]:
        return [line for line in self.lines if line.eligible and not line.is_in_kind]

    @property
    def in_kind_lines(self) -> list[BenefitLine]:
        return [line for line in self.lines if line.eligible and line.is_in_kind]

    @property
    def ineligible_lines(self) -> list[BenefitLine]:
        return [line for line in self.lines if not line.eligible]


# --- the per-item computation (shared with settlement subsidies) ---------------------------------------


def _band_holds(*, version: PolicyItemVersion, band: PolicyRateBand, inputs: CalculatorInputs) -> bool:
    if band.category_id is not None and (inputs.category is None or inputs.category.pk != band.category_id):
        return False
    if band.cross_border and not inputs.cross_border:
        return False
    if band.min_value is not None:
        figure = inputs.figure(version.band_input or version.base_input)
        if figure < band.min_value:
            return False
    return True


def policy_band_for(*, version: PolicyItemVersion, inputs: CalculatorInputs) -> PolicyRateBand | None:
    """The matching band with the highest rate, or None (the version's own rate applies)."""
    best = None
    for band in version.bands.all():
        if _band_holds(version=version, band=band, inputs=inputs) and (best is None or band.rate > best.rate):
            best = band
    return best


def policy_rate_for(*, version: PolicyItemVersion, inputs: CalculatorInputs) -> Decimal:
    """The rate that applies: the highest matching band's, else the version's (percent or amount per unit)."""
    band = policy_band_for(version=version, inputs=inputs)
    return band.rate if band is not None else version.rate


def _year_rates(version: PolicyItemVersion) -> list[Decimal]:
    try:
        return year_rates_parse(version.year_rates)
    except YearRatesError:
        return []


def policy_ineligibility_reasons(*, version: PolicyItemVersion, inputs: CalculatorInputs) -> list[str]:
    """Why the figures do not qualify for the version (empty: eligible). Translated, one sentence each."""
    reasons = []
    categories = list(version.categories.all())
    if categories and (inputs.category is None or inputs.category.pk not in {c.pk for c in categories}):
        reasons.append(gettext("Only for these categories: %(names)s.") % {
            "names": join_names(c.name for c in categories)})
    if version.min_annual_revenue is not None and inputs.annual_revenue < version.min_annual_revenue:
        reasons.append(gettext("Needs annual revenue of at least %(amount)s.") % {
            "amount": format_money(version.min_annual_revenue, version.currency)})
    if version.requires_heavy_asset and not inputs.heavy_asset:
        reasons.append(gettext("Only for heavy-asset projects (such as a live-streaming base or a smart warehouse)."))
    if version.requires_designated_logistics and not inputs.designated_logistics:
        reasons.append(gettext("Only for orders shipped with the designated logistics provider."))
    if version.formula != PolicyFormula.IN_KIND and inputs.figure(version.base_input) <= 0:
        reasons.append(gettext("Applies only with a figure for %(base)s; none was entered.") % {
            "base": base_noun(version.base_input)})
    return reasons


def policy_benefit_for_year(*, version: PolicyItemVersion, inputs: CalculatorInputs, year: int) -> YearBenefit:
    """The cash amount of one version in year `year` (1 = the first year), rounded, within the cap per year.

    Does not check eligibility and does not apply the cap per project (that spans years: see
    `policy_benefit_line`). In-kind versions are worth 0.
    """
    if year < 1 or version.formula == PolicyFormula.IN_KIND:
        return YearBenefit(ZERO)
    if version.one_off and year > 1:
        return YearBenefit(ZERO)
    if version.duration_years and year > version.duration_years:
        return YearBenefit(ZERO)
    base = inputs.figure(version.base_input)
    if version.formula == PolicyFormula.YEAR_SCHEDULE:
        rates = _year_rates(version)
        rate = rates[year - 1] if year <= len(rates) else ZERO
        raw = base * rate / HUNDRED
    elif version.formula == PolicyFormula.PER_UNIT:
        raw = base * policy_rate_for(version=version, inputs=inputs)
    else:
        raw = base * policy_rate_for(version=version, inputs=inputs) / HUNDRED
    amount = round_money(raw, version.currency)
    if version.cap_per_year is not None and amount > version.cap_per_year:
        return YearBenefit(round_money(version.cap_per_year, version.currency), capped=True)
    return YearBenefit(amount)


# --- the human explanation of a computed line ----------------------------------------------------------


def _money(amount: Decimal, version: PolicyItemVersion) -> str:
    return format_money(amount, version.currency)


def _base_text(version: PolicyItemVersion, inputs: CalculatorInputs) -> str:
    base = inputs.figure(version.base_input)
    if version.base_input in COUNT_INPUTS:
        return gettext("%(count)s orders") % {"count": count_text(int(base))}
    return _money(base, version)


def _timing_text(version: PolicyItemVersion) -> str:
    if version.one_off:
        return gettext("one-off")
    if version.duration_years == 1:
        return gettext("for 1 year")
    if version.duration_years:
        return gettext("each year for %(n)s years") % {"n": version.duration_years}
    return gettext("every year")


def _cap_texts(version: PolicyItemVersion) -> list[str]:
    caps = []
    if version.cap_per_year is not None:
        caps.append(gettext("capped at %(amount)s a year") % {"amount": _money(version.cap_per_year, version)})
    if version.cap_per_project is not None:
        caps.append(gettext("capped at %(amount)s per project") % {
            "amount": _money(version.cap_per_project, version)})
    return caps


def _rule_text(*, version: PolicyItemVersion, inputs: CalculatorInputs, years: int) -> str:
    """'20% × ¥2,000,000.00 = ¥400,000.00, one-off, capped at ¥1,000,000.00 per project'."""
    base = inputs.figure(version.base_input)
    base_text = _base_text(version, inputs)
    if version.formula == PolicyFormula.YEAR_SCHEDULE:
        rates = _year_rates(version)[:years]
        if version.duration_years:
            rates = rates[: version.duration_years]
        segments = []
        for index, rate in enumerate(rates, start=1):
            segments.append(gettext("year %(n)s: %(rate)s × %(base)s = %(amount)s") % {
                "n": index, "rate": percent_text(rate), "base": base_text,
                "amount": _money(round_money(base * rate / HUNDRED, version.currency), version),
            })
        parts = [join_clauses(segments)] if segments else [version_describe(version)]
    else:
        band = policy_band_for(version=version, inputs=inputs)
        rate = band.rate if band is not None else version.rate
        if version.formula == PolicyFormula.PER_UNIT:
            rate_text = _money(rate, version)
            raw = base * rate
        else:
            rate_text = percent_text(rate)
            raw = base * rate / HUNDRED
        equation = gettext("%(rate)s × %(base)s = %(amount)s") % {
            "rate": rate_text, "base": base_text, "amount": _money(round_money(raw, version.currency), version)}
        parts = [equation]
        if band is not None:
            parts.append(gettext("rate for %(condition)s") % {"condition": band_condition_text(version, band)})
        parts.append(_timing_text(version))
    parts.extend(_cap_texts(version))
    text = join_phrases(parts)
    return text[:1].upper() + text[1:]


# --- lines and the estimate ----------------------------------------------------------------------------


def policy_benefit_line(*, item: PolicyItem, version: PolicyItemVersion, inputs: CalculatorInputs,
                        years: int, currency: str) -> BenefitLine:
    """One item's line of the estimate over `years` years (caps per year and per project applied)."""
    reasons = policy_ineligibility_reasons(version=version, inputs=inputs)
    zeros = [ZERO] * years
    if version.formula == PolicyFormula.IN_KIND:
        return BenefitLine(item=item, version=version, eligible=not reasons, reasons=reasons,
                           rule=version_describe(version), year_amounts=zeros, year1=ZERO, total=ZERO, capped=False,
                           in_kind=version.in_kind, currency=version.currency, in_totals=False)
    if reasons:
        return BenefitLine(item=item, version=version, eligible=False, reasons=reasons,
                           rule=version_describe(version), year_amounts=zeros, year1=ZERO, total=ZERO, capped=False,
                           in_kind="", currency=version.currency, in_totals=False)
    amounts: list[Decimal] = []
    capped = False
    remaining = version.cap_per_project
    for year in range(1, years + 1):
        benefit = policy_benefit_for_year(version=version, inputs=inputs, year=year)
        amount = benefit.amount
        capped = capped or benefit.capped
        if remaining is not None:
            if amount > remaining:
                amount = round_money(remaining, version.currency)
                capped = True
            remaining -= amount
        amounts.append(amount)
    total = round_money(sum(amounts, ZERO), version.currency)
    return BenefitLine(
        item=item, version=version, eligible=True, reasons=[],
        rule=_rule_text(version=version, inputs=inputs, years=years),
        year_amounts=amounts, year1=amounts[0], total=total, capped=capped, in_kind="",
        currency=version.currency, in_totals=version.currency.upper() == currency.upper(),
    )


def benefits_estimate(*, inputs: CalculatorInputs, on_date: datetime.date | None = None,
                      years: int = 3) -> BenefitEstimate:
    """Estimate the support for the figures under the policy in effect on the day (default: today).

    Every published item in effect is listed: cash items with amounts, in-kind items with their benefit
    in words, items whose conditions fail with the reasons. Totals add the eligible cash lines in the
    default currency only. A fixed number of queries whatever the number of items.
    """
    if not 1 <= years <= MAX_YEARS:
        raise ValueError(f"years must be between 1 and {MAX_YEARS}")
    on_date = on_date or policy_today()
    currency = settings.DEFAULT_CURRENCY
    lines = [
        policy_benefit_line(item=item, version=item.current_version, inputs=inputs, years=years, currency=currency)
        for item in policy_items_current(on_date=on_date)
    ]
    counted = [line for line in lines if line.eligible and line.in_totals]
    return BenefitEstimate(
        lines=lines,
        total_year1=round_money(sum((line.year1 for line in counted), ZERO), currency),
        total=round_money(sum((line.total for line in counted), ZERO), currency),
        years=years,
        currency=currency,
        on_date=on_date,
    )
