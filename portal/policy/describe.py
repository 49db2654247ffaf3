"""Plain-language descriptions of a policy version's figures, for the policy pages and the admin lists.

Templates show these strings; they never work a figure out themselves. Bands and categories are read
through `.all()`, so a version fetched by `policy_items_current` describes itself without queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.template.defaultfilters import linebreaksbr
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext

from portal.models.policy import PolicyFormula, PolicyItem, PolicyItemVersion, PolicyRateBand
from portal.money import format_money
from portal.text import join_clauses, join_names, join_phrases

from .figures import (
    COUNT_INPUTS,
    YearRatesError,
    base_noun,
    count_text,
    group_year_rates,
    percent_text,
    year_range_text,
    year_rates_parse,
)


def _rate_text(version: PolicyItemVersion, rate: Decimal) -> str:
    if version.formula == PolicyFormula.PER_UNIT:
        return format_money(rate, version.currency)
    return percent_text(rate)


def _threshold_text(version: PolicyItemVersion, value: Decimal) -> str:
    figure = version.band_input or version.base_input
    if figure in COUNT_INPUTS:
        return count_text(value)
    return format_money(value, version.currency)


def band_condition_text(version: PolicyItemVersion, band: PolicyRateBand) -> str:
    """What a band asks for, e.g. 'Fresh food', 'cross-border', 'annual revenue from ¥20,000,000.00'."""
    parts = []
    if band.category_id is not None:
        parts.append(band.category.name)
    if band.cross_border:
        parts.append(gettext("cross-border"))
    if band.min_value is not None:
        parts.append(gettext("%(figure)s from %(threshold)s") % {
            "figure": base_noun(version.band_input or version.base_input),
            "threshold": _threshold_text(version, band.min_value),
        })
    return gettext(" and ").join(parts)


def _split_bands(version: PolicyItemVersion) -> tuple[list[PolicyRateBand], list[PolicyRateBand]]:
    """Threshold-only bands (sorted by threshold) and bands with a category or cross-border condition."""
    bands = list(version.bands.all())
    thresholds = sorted(
        (b for b in bands if b.min_value is not None and b.category_id is None and not b.cross_border),
        key=lambda b: (b.min_value, b.rate),
    )
    conditional = [b for b in bands if b not in thresholds]
    conditional.sort(key=lambda b: (b.sort_order, b.rate))
    return thresholds, conditional


def _conditional_text(version: PolicyItemVersion, bands: list[PolicyRateBand]) -> str:
    """'¥1.00 for Fresh food, cross-border': bands with the same rate share one clause."""
    by_rate: dict[Decimal, list[str]] = {}
    for band in bands:
        by_rate.setdefault(band.rate, []).append(band_condition_text(version, band))
    clauses = [
        gettext("%(rate)s for %(conditions)s") % {"rate": _rate_text(version, rate), "conditions": join_names(conds)}
        for rate, conds in by_rate.items()
    ]
    return join_clauses(clauses)


def version_describe(version: PolicyItemVersion) -> str:
    """The rule in one line: 'Year 1: 100%, years 2–3: 50% of annual rent', '30% / 40% / 50% of local
    tax contribution by annual revenue band (from ¥5,000,000.00 / …)', '¥0.50 per order; ¥1.00 for Fresh
    food, cross-border'. In-kind items describe their benefit in words."""
    if version.formula == PolicyFormula.IN_KIND:
        return version.in_kind or gettext("In kind")
    noun = base_noun(version.base_input)
    thresholds, conditional = _split_bands(version)

    if version.formula == PolicyFormula.YEAR_SCHEDULE:
        try:
            rates = year_rates_parse(version.year_rates)
        except YearRatesError:
            rates = []
        segments = [
            gettext("%(years)s: %(rate)s") % {"years": year_range_text(first, last), "rate": percent_text(rate)}
            for first, last, rate in group_year_rates(rates)
        ]
        text = gettext("%(schedule)s of %(base)s") % {"schedule": capfirst(join_phrases(segments)), "base": noun}
    elif version.formula == PolicyFormula.PER_UNIT:
        rate = format_money(version.rate, version.currency)
        if version.base_input in COUNT_INPUTS:
            text = gettext("%(rate)s per order") % {"rate": rate}
        else:
            text = gettext("%(rate)s per unit of %(base)s") % {"rate": rate, "base": noun}
    elif thresholds:
        rates = " / ".join(percent_text(b.rate) for b in thresholds)
        limits = " / ".join(_threshold_text(version, b.min_value) for b in thresholds)
        text = gettext("%(rates)s of %(base)s by %(figure)s band (from %(limits)s)") % {
            "rates": rates, "base": noun, "figure": base_noun(version.band_input or version.base_input),
            "limits": limits,
        }
        lowest = thresholds[0].min_value
        below_applies = version.min_annual_revenue is None or version.min_annual_revenue < lowest
        if version.rate and below_applies:
            text = gettext("%(rate)s below %(limit)s; %(bands)s") % {
                "rate": percent_text(version.rate), "limit": _threshold_text(version, lowest), "bands": text,
            }
    else:
        text = gettext("%(rate)s of %(base)s") % {"rate": percent_text(version.rate), "base": noun}

    if version.formula != PolicyFormula.YEAR_SCHEDULE and conditional:
        text = join_clauses([text, _conditional_text(version, conditional)])
    return text


def version_cap_describe(version: PolicyItemVersion) -> str:
    """'¥1,000,000.00 per project', '¥500,000.00 a year', 'fund of ¥50,000,000.00'; empty when uncapped."""
    parts = []
    if version.cap_per_year is not None:
        parts.append(gettext("%(amount)s a year") % {"amount": format_money(version.cap_per_year, version.currency)})
    if version.cap_per_project is not None:
        parts.append(gettext("%(amount)s per project") % {
            "amount": format_money(version.cap_per_project, version.currency)})
    if version.fund_total is not None:
        parts.append(gettext("fund of %(amount)s") % {"amount": format_money(version.fund_total, version.currency)})
    return capfirst(join_clauses(parts))


def version_duration_years(version: PolicyItemVersion) -> int | None:
    """How many years the benefit runs: 1 for one-off, the duration, the length of a schedule; None = every year."""
    if version.one_off:
        return 1
    if version.duration_years:
        return version.duration_years
    if version.formula == PolicyFormula.YEAR_SCHEDULE:
        try:
            return len(year_rates_parse(version.year_rates)) or None
        except YearRatesError:
            return None
    return None


def version_duration_describe(version: PolicyItemVersion) -> str:
    if version.one_off:
        return gettext("One-off")
    years = version_duration_years(version)
    if years is None and version.fund_total is not None:
        return gettext("While the fund lasts")
    if years is None:
        return gettext("Every year")
    return ngettext("%(n)s year", "%(n)s years", years) % {"n": years}


NO_VALUE = "—"


@dataclass(frozen=True)
class PolicyItemRow:
    """One line of a policy table with every cell already in words, in the active language.

    `eligibility` and `evidence` are HTML (escaped, line breaks kept); the rest is plain text.
    """

    code: str
    block: str
    name: str
    summary: str
    in_effect: str
    figure: str
    cap: str
    duration: str
    eligibility: str
    evidence: str


def policy_item_rows(items: list[PolicyItem]) -> list[PolicyItemRow]:
    """The table lines of items from `policy_items_current` (each with its `.current_version`); no queries."""
    rows = []
    for item in items:
        version = item.current_version
        rows.append(PolicyItemRow(
            code=item.code,
            block=item.block,
            name=item.name,
            summary=item.summary,
            in_effect=gettext("In effect since %(date)s") % {
                "date": date_format(version.effective_from, "DATE_FORMAT")},
            figure=version_describe(version),
            cap=version_cap_describe(version) or NO_VALUE,
            duration=version_duration_describe(version),
            eligibility=linebreaksbr(version.eligibility) or NO_VALUE,
            evidence=linebreaksbr(version.evidence) or NO_VALUE,
        ))
    return rows
