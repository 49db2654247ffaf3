"""The commission function: which rate applies to a contract, a category and a period's GMV on a date, with its
explanation step by step (BUSINESS_RULES §7 and §14).

`commission_rate(...)` answers for one line; `commission_rates(lines)` for many at once (settlement runs, per
order line) in a fixed number of queries whatever the number of lines. Both select their inputs their own way
(the single call asks the database with filters, the set-based one loads everything once and looks up in
memory) and then stack them with the same `_stack`, so the tests can hold one against the other.

The stacking, per contract, category and period:

1. base: the category's rate in the table version in effect on the day (the "other" category's rate when the
   version has none for the category);
2. ladder: the band of a ladder replaces the base; the band is the highest one whose lower edge
   (inclusive) is at most `period_gmv`, the previous period's GMV, and it applies to the whole period. Only
   one ladder applies: when the contract has a ladder of its own, the table's GMV ladder is ignored (below
   its first band the base stays). The table's ladder for a category is its bands for that category, or
   else its bands for every category;
3. launch offer: × the version's multiplier (0.5) when the contract was signed in the launch window
   (`contract.launch_offer`) and the day falls from the activation day (Asia/Shanghai) until before the same
   day `launch_months` (3) later; never before activation or for a contract not yet active;
4. credit discount, relative: × (1 − discount of the grade); the grade at the period start is the `grade`
   argument, by default the merchant's current grade; ungraded counts as C;
5. an approved override of the contract in effect on the day replaces the rate so far (a category's own
   override wins over one for every category; then the later start, then the later approval);
6. floor: the rate is at least the version's floor (1%).

Joint operation: a joint-operation contract with a revenue share replaces steps 1–2 with the share; steps
3, 4 and 6 apply only when `contract.share_adjustments_apply` (an override still applies).

Rounding: every step's output is rounded to 4 decimal places of a percent, half-up (12.34565% →
12.3457%), and the next step computes from the rounded figure, so the explanation adds up exactly and
recomputing from it gives the same rate.

No money moves here; nothing is written.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext

from portal.exceptions import ApplicationError
from portal.models import Category, CooperationMode, MerchantGrade

RATE_PLACES = Decimal("0.0001")
UNGRADED = MerchantGrade.C
OTHER_CATEGORY = "other"
_GRADES = frozenset(MerchantGrade.values)
MAX_ID_PARAMETERS = 10_000


def rate_round(value: Decimal) -> Decimal:
    """A rate in percent, to 4 decimal places, half-up: the one rounding rule of the commission function."""
    return value.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


class CommissionError(ApplicationError):
    """The rate cannot be computed (no table in effect on the day, no rate for the category, a bad input)."""


class Step:
    """The step codes of an explanation, in stacking order."""

    BASE = "base"
    REVENUE_SHARE = "revenue_share"
    LADDER = "ladder"
    LAUNCH = "launch"
    CREDIT = "credit"
    OVERRIDE = "override"
    FLOOR = "floor"


class Source:
    """Where a step's figure comes from: `version` is then a table version number, a contract number or an
    override id."""

    TABLE = "table"
    CONTRACT = "contract"
    OVERRIDE = "override"


@dataclass(frozen=True)
class RateStep:
    """One line of an explanation: `step` (a `Step` code), `rule` (which rule, e.g. "category_rate" or
    "credit_discount"), where its figure comes from (`source` and `version`), the rate it started from
    (`input`, None for the first step), the rate after it (`output`) and the rule's own figures (`detail`)."""

    step: str
    rule: str
    source: str
    version: int | str
    input: Decimal | None
    output: Decimal
    detail: tuple[tuple[str, Any], ...] = ()

    @property
    def details(self) -> dict[str, Any]:
        return dict(self.detail)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (decimals as strings), for storing beside a statement line."""
        return {
            "step": self.step, "rule": self.rule, "source": self.source, "version": self.version,
            "input": None if self.input is None else str(self.input), "output": str(self.output),
            "detail": {k: (str(v) if isinstance(v, Decimal | dt.date) else v) for k, v in self.detail},
        }


@dataclass(frozen=True)
class RateResult:
    """The rate (Decimal percent, 4 places) and how it came about. `table_version` is the number of the
    commission table version in effect on the day; `override_id` the override applied, if any."""

    rate: Decimal
    steps: tuple[RateStep, ...]
    table_version: int
    override_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"rate": str(self.rate), "table_version": self.table_version, "override_id": self.override_id,
                "steps": [step.as_dict() for step in self.steps]}


class CommissionLine(NamedTuple):
    """One question for `commission_rates`: which rate applies to this contract and category, with this
    previous-period GMV, on this day, for this grade at the period start (None: the merchant's grade)."""

    contract_id: int
    category_id: int
    period_gmv: Decimal
    on: dt.date
    grade: str | None = None


# ---------------------------------------------------------------------------- the inputs, as plain values


@dataclass(frozen=True)
class _Version:
    pk: int
    number: int
    effective_from: dt.date
    launch_multiplier: Decimal
    launch_months: int
    discounts: dict[str, Decimal]
    floor: Decimal


@dataclass
class _Contract:
    pk: int
    number: str
    joint_share: Decimal | None  # the revenue share of a joint-operation contract, else None
    share_adjustments_apply: bool
    launch_offer: bool
    activated_on: dt.date | None
    grade: str
    ladder: list[tuple[Decimal, Decimal]] = field(default_factory=list)  # (min_gmv, rate) ascending
    overrides: list[_Override] = field(default_factory=list)
    launch_ends: dict[int, dt.date] = field(default_factory=dict)  # by launch months

    def launch_end(self, months: int) -> dt.date | None:
        if self.activated_on is None:
            return None
        end = self.launch_ends.get(months)
        if end is None:
            end = self.launch_ends[months] = add_months(self.activated_on, months)
        return end


@dataclass(frozen=True)
class _Override:
    pk: int
    category_id: int | None
    rate: Decimal
    effective_from: dt.date
    effective_to: dt.date | None
    decided_at: dt.datetime | None

    def applies(self, category_id: int, on: dt.date) -> bool:
        return ((self.category_id is None or self.category_id == category_id) and self.effective_from <= on
                and (self.effective_to is None or on <= self.effective_to))

    @property
    def rank(self) -> tuple:
        return (self.category_id is not None, self.effective_from,
                self.decided_at.timestamp() if self.decided_at else 0.0, self.pk)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it has no such day: 31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - some day of 28..31 always exists


def local_day(moment: dt.datetime | None) -> dt.date | None:
    """The operator's calendar day (Asia/Shanghai) of an aware moment."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def _pick_override(overrides: Sequence[_Override], category_id: int, on: dt.date) -> _Override | None:
    best = None
    for candidate in overrides:
        if candidate.applies(category_id, on) and (best is None or candidate.rank > best.rank):
            best = candidate
    return best


def _pick_band(bands: Sequence[tuple[Decimal, Decimal]], mins: Sequence[Decimal], gmv: Decimal
               ) -> tuple[Decimal, Decimal] | None:
    index = bisect_right(mins, gmv) - 1
    return bands[index] if index >= 0 else None


def _no_table(on: dt.date) -> str:
    return gettext("No commission table is in effect on %(day)s.") % {"day": on.isoformat()}


def _check_inputs(period_gmv: Any, on: Any, grade: Any) -> None:
    if not isinstance(period_gmv, Decimal | int) or isinstance(period_gmv, bool):
        raise CommissionError(gettext("The GMV must be an exact amount (a Decimal)."))
    if isinstance(period_gmv, Decimal) and not period_gmv.is_finite():
        raise CommissionError(gettext("The GMV must be an exact amount (a Decimal)."))
    if period_gmv < 0:
        raise CommissionError(gettext("The GMV cannot be negative."))
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise CommissionError(gettext("The day must be a date."))
    if grade is not None and grade not in _GRADES:
        raise CommissionError(gettext("“%(grade)s” is not a merchant grade.") % {"grade": grade})


# ---------------------------------------------------------------------------- the stacking


def _stack(*, contract: _Contract, version: _Version, category_code: str, base: tuple[Decimal, str] | None,
           band: tuple[str, Decimal, Decimal] | None, on: dt.date, grade: str,
           override: _Override | None) -> RateResult:
    """Stack the chosen inputs. `base` is (rate, category code it came from), `band` is (source, min_gmv,
    rate) of the ladder band chosen, if any."""
    steps: list[RateStep] = []
    v = version.number
    if contract.joint_share is not None:
        rate = rate_round(contract.joint_share)
        steps.append(RateStep(Step.REVENUE_SHARE, "joint_revenue_share", Source.CONTRACT, contract.number, None,
                              rate))
        adjust = contract.share_adjustments_apply
    else:
        if base is None:
            raise CommissionError(gettext("Commission table v%(version)s has no rate for the category %(category)s "
                                          "nor for “other”.") % {"version": v, "category": category_code})
        base_rate, from_code = base
        rate = rate_round(base_rate)
        rule = "category_rate" if from_code == category_code else "other_category_rate"
        steps.append(RateStep(Step.BASE, rule, Source.TABLE, v, None, rate, (("category", from_code),)))
        if band is not None:
            band_source, band_min, band_rate = band
            new = rate_round(band_rate)
            if band_source == Source.CONTRACT:
                steps.append(RateStep(Step.LADDER, "contract_ladder", Source.CONTRACT, contract.number, rate, new,
                                      (("from_gmv", band_min),)))
            else:
                steps.append(RateStep(Step.LADDER, "gmv_ladder", Source.TABLE, v, rate, new,
                                      (("from_gmv", band_min),)))
            rate = new
        adjust = True
    if adjust:
        launch_end = contract.launch_end(version.launch_months)
        if (contract.launch_offer and launch_end is not None and contract.activated_on <= on < launch_end
                and version.launch_multiplier != 1):
            new = rate_round(rate * version.launch_multiplier)
            steps.append(RateStep(Step.LAUNCH, "launch_offer", Source.TABLE, v, rate, new,
                                  (("multiplier", version.launch_multiplier), ("until", launch_end))))
            rate = new
        discount = version.discounts[grade]
        new = rate_round(rate * (1 - discount / 100))
        steps.append(RateStep(Step.CREDIT, "credit_discount", Source.TABLE, v, rate, new,
                              (("grade", grade), ("discount", discount))))
        rate = new
    if override is not None:
        new = rate_round(override.rate)
        steps.append(RateStep(Step.OVERRIDE, "approved_override", Source.OVERRIDE, override.pk, rate, new))
        rate = new
    if adjust:
        new = max(rate, rate_round(version.floor))
        steps.append(RateStep(Step.FLOOR, "floor", Source.TABLE, v, rate, new, (("floor", version.floor),)))
        rate = new
    return RateResult(rate=rate, steps=tuple(steps), table_version=v,
                      override_id=override.pk if override is not None else None)


# ---------------------------------------------------------------------------- loading


def _version_from(row) -> _Version:
    return _Version(
        pk=row.pk, number=row.number, effective_from=row.effective_from,
        launch_multiplier=row.launch_multiplier, launch_months=row.launch_months,
        discounts={grade: row.grade_discount(grade) for grade in MerchantGrade.values}, floor=row.floor_percent,
    )


def _contract_from(*, pk, number, mode, revenue_share_percent, share_adjustments_apply, launch_offer,
                   activated_at, merchant_grade) -> _Contract:
    joint = mode == CooperationMode.JOINT and revenue_share_percent is not None
    return _Contract(
        pk=pk, number=number, joint_share=revenue_share_percent if joint else None,
        share_adjustments_apply=share_adjustments_apply, launch_offer=launch_offer,
        activated_on=local_day(activated_at), grade=merchant_grade or UNGRADED,
    )


_OVERRIDE_FIELDS = ("pk", "category_id", "rate_percent", "effective_from", "effective_to", "decided_at")


def _override_from(values) -> _Override:
    pk, category_id, rate, start, end, decided_at = values
    return _Override(pk=pk, category_id=category_id, rate=rate, effective_from=start, effective_to=end,
                     decided_at=decided_at)


def commission_rate(*, contract, category: Category | int, period_gmv: Decimal, on: dt.date,
                    grade: str | None = None) -> RateResult:
    """The rate that applies to `contract` in `category` on `on`, with `period_gmv` the previous period's GMV
    (which chooses the ladder band), and its explanation. `grade` is the merchant's grade at the period start
    (default: the merchant's grade now; ungraded counts as C). Raises CommissionError when no table is in
    effect on the day or the category has no rate."""
    from contracts.models import CommissionOverride, CommissionTableBand, CommissionTableRate, CommissionTableVersion

    _check_inputs(period_gmv, on, grade)
    category_id = category if isinstance(category, int) else category.pk
    version_row = (CommissionTableVersion.objects.filter(effective_from__lte=on)
                   .order_by("-effective_from", "-number").first())
    if version_row is None:
        raise CommissionError(_no_table(on))
    version = _version_from(version_row)
    info = _contract_from(
        pk=contract.pk, number=contract.number, mode=contract.mode,
        revenue_share_percent=contract.revenue_share_percent,
        share_adjustments_apply=contract.share_adjustments_apply, launch_offer=contract.launch_offer,
        activated_at=contract.activated_at, merchant_grade=contract.merchant.grade,
    )
    category_code = Category.objects.filter(pk=category_id).values_list("code", flat=True).first()
    if category_code is None:
        raise CommissionError(gettext("There is no category %(id)s.") % {"id": category_id})
    base = band = None
    if info.joint_share is None:
        rate_row = (CommissionTableRate.objects.filter(version=version_row)
                    .filter(Q(category_id=category_id) | Q(category__code=OTHER_CATEGORY))
                    .values_list("category_id", "category__code", "rate_percent"))
        by_category = {cid: (rate, code) for cid, code, rate in rate_row}
        base = by_category.get(category_id) or next(
            (value for value in by_category.values() if value[1] == OTHER_CATEGORY), None)
        ladder = contract.ladder_bands.all()
        if ladder.exists():
            chosen = ladder.filter(min_gmv__lte=period_gmv).order_by("-min_gmv").first()
            band = (Source.CONTRACT, chosen.min_gmv, chosen.rate_percent) if chosen else None
        else:
            table_bands = CommissionTableBand.objects.filter(version=version_row, category_id=category_id)
            if not table_bands.exists():
                table_bands = CommissionTableBand.objects.filter(version=version_row, category__isnull=True)
            chosen = table_bands.filter(min_gmv__lte=period_gmv).order_by("-min_gmv").first()
            band = (Source.TABLE, chosen.min_gmv, chosen.rate_percent) if chosen else None
    overrides = [
        _override_from(values) for values in
        CommissionOverride.objects.filter(contract=contract, status=CommissionOverride.Status.APPROVED)
        .filter(Q(category_id=category_id) | Q(category__isnull=True), effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on)).values_list(*_OVERRIDE_FIELDS)
    ]
    return _stack(contract=info, version=version, category_code=category_code, base=base, band=band, on=on,
                  grade=grade or info.grade, override=_pick_override(overrides, category_id, on))


class _Tables:
    """Every table version with its rates and bands, in memory, for choosing by date."""

    def __init__(self):
        from contracts.models import CommissionTableBand, CommissionTableRate, CommissionTableVersion

        self.versions = [_version_from(row) for row in
                         CommissionTableVersion.objects.order_by("effective_from", "number")]
        self.starts = [v.effective_from for v in self.versions]
        self.rates: dict[int, dict[int, Decimal]] = {v.pk: {} for v in self.versions}
        for version_id, category_id, rate in CommissionTableRate.objects.values_list("version_id", "category_id",
                                                                                    "rate_percent"):
            self.rates[version_id][category_id] = rate
        bands: dict[tuple[int, int | None], list[tuple[Decimal, Decimal]]] = {}
        for version_id, category_id, min_gmv, rate in CommissionTableBand.objects.values_list(
                "version_id", "category_id", "min_gmv", "rate_percent"):
            bands.setdefault((version_id, category_id), []).append((min_gmv, rate))
        self.bands = {key: sorted(rows) for key, rows in bands.items()}
        self.band_mins = {key: [row[0] for row in rows] for key, rows in self.bands.items()}
        self.codes = dict(Category.objects.values_list("pk", "code"))
        self.other_id = next((pk for pk, code in self.codes.items() if code == OTHER_CATEGORY), None)
        self._by_day: dict[dt.date, int] = {}

    def index_on(self, on: dt.date) -> int:
        index = self._by_day.get(on)
        if index is None:
            index = bisect_right(self.starts, on) - 1
            if index < 0:
                raise CommissionError(_no_table(on))
            self._by_day[on] = index
        return index

    def base(self, version: _Version, category_id: int) -> tuple[Decimal, str] | None:
        rates = self.rates[version.pk]
        rate = rates.get(category_id)
        if rate is not None:
            return rate, self.codes[category_id]
        if self.other_id is not None and self.other_id in rates:
            return rates[self.other_id], OTHER_CATEGORY
        return None

    def ladder_key(self, version: _Version, category_id: int) -> tuple[int, int | None] | None:
        if (version.pk, category_id) in self.bands:
            return version.pk, category_id
        if (version.pk, None) in self.bands:
            return version.pk, None
        return None


def commission_rates(lines: Iterable[CommissionLine | tuple]) -> list[RateResult]:
    """The rate of each line, in order, as `commission_rate` would answer each (lines are `CommissionLine`s
    or plain tuples in its field order). Seven queries whatever the number of lines: the contracts, their
    ladders and approved overrides, the table versions, their rates and bands, the category codes. Equal
    lines are computed once, and lines that differ only where the result cannot (another GMV in the same
    band, another day with the same version and offers) share one result object (results are immutable)."""
    from contracts.models import CommissionOverride, Contract, ContractLadderBand

    lines = [line if type(line) is CommissionLine else CommissionLine(*line) for line in lines]
    if not lines:
        return []
    contract_ids = {line[0] for line in lines}

    def of_these(queryset, field: str):
        # past some thousands of ids a list of bind parameters costs more than reading the whole (small) table,
        # and PostgreSQL takes at most 65,535 parameters in one query: then the rows are read unfiltered
        return queryset.filter(**{f"{field}__in": contract_ids}) if len(contract_ids) <= MAX_ID_PARAMETERS \
            else queryset

    contracts: dict[int, _Contract] = {}
    for (pk, number, mode, share, adjustments, launch_offer, activated_at,
         merchant_grade) in of_these(Contract.objects.all(), "pk").values_list(
            "pk", "number", "mode", "revenue_share_percent", "share_adjustments_apply", "launch_offer",
            "activated_at", "merchant__grade"):
        contracts[pk] = _contract_from(pk=pk, number=number, mode=mode, revenue_share_percent=share,
                                       share_adjustments_apply=adjustments, launch_offer=launch_offer,
                                       activated_at=activated_at, merchant_grade=merchant_grade)
    for contract_id, min_gmv, rate in (of_these(ContractLadderBand.objects.all(), "contract_id")
                                       .order_by("contract_id", "min_gmv")
                                       .values_list("contract_id", "min_gmv", "rate_percent")):
        if contract_id in contracts:
            contracts[contract_id].ladder.append((min_gmv, rate))
    ladder_mins = {pk: [row[0] for row in c.ladder] for pk, c in contracts.items() if c.ladder}
    for values in (of_these(CommissionOverride.objects.filter(status=CommissionOverride.Status.APPROVED),
                            "contract_id").values_list("contract_id", *_OVERRIDE_FIELDS)):
        if values[0] in contracts:
            contracts[values[0]].overrides.append(_override_from(values[1:]))
    tables = _Tables()

    results: list[RateResult] = []
    seen: dict[CommissionLine, RateResult] = {}
    shared: dict[tuple, RateResult] = {}
    for line in lines:
        result = seen.get(line)
        if result is None:
            contract_id, category_id, gmv, on, grade = line
            _check_inputs(gmv, on, grade)
            contract = contracts.get(contract_id)
            if contract is None:
                raise CommissionError(gettext("There is no contract %(id)s.") % {"id": contract_id})
            index = tables.index_on(on)
            version = tables.versions[index]
            if category_id not in tables.codes:
                raise CommissionError(gettext("There is no category %(id)s.") % {"id": category_id})
            band = band_key = None
            if contract.joint_share is None:
                if contract.ladder:
                    band = _pick_band(contract.ladder, ladder_mins[contract_id], gmv)
                    band_key = band and (Source.CONTRACT, *band)
                else:
                    key = tables.ladder_key(version, category_id)
                    if key is not None:
                        band = _pick_band(tables.bands[key], tables.band_mins[key], gmv)
                        band_key = band and (Source.TABLE, *band)
            launch_end = contract.launch_end(version.launch_months)
            in_launch = bool(contract.launch_offer and launch_end is not None
                             and contract.activated_on <= on < launch_end)
            override = _pick_override(contract.overrides, category_id, on) if contract.overrides else None
            grade = grade or contract.grade
            # the contract's own figures matter only with its ladder, its share or an override
            owner = contract_id if (contract.ladder or contract.joint_share is not None or override) else None
            share_key = (owner, category_id, index, band_key, in_launch and launch_end, grade,
                         override.pk if override else None)
            result = shared.get(share_key)
            if result is None:
                result = shared[share_key] = _stack(
                    contract=contract, version=version, category_code=tables.codes[category_id],
                    base=tables.base(version, category_id), band=band_key, on=on, grade=grade, override=override)
            seen[line] = result
        results.append(result)
    return results
