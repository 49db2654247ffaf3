"""How one merchant's rating is computed from its window's counts (BUSINESS_RULES §8; operator guide §20).

This module is the definition in Python; the PostgreSQL statement in `portal.ratings.sql` computes exactly the
same numbers in the database (the same roundings at the same steps), and the tests run the hand-computed cases
on both. What holds:

- The window is the `window_days` full days before the as-of day (as of 1 December with 90 days: 2 September to
  30 November). Order lines count on the day they were completed, complaints on the day received, buyer
  ratings on the day given.
- Fulfilment = fulfilled lines ÷ lines; on-time = lines fulfilled and on time ÷ lines (an order not delivered
  is not delivered on time); returns = lines with a refund ÷ lines; complaints = complaints ÷ lines; all in
  percent, rounded half-up to 4 places. Satisfaction = the average buyer rating (1–5), 4 places.
- Returns are measured against the average of the lines' thresholds: each line with its category's returns
  threshold of the model version, or the version's own (4 places).
- Points = (rate − 0-at) × 100 ÷ (100-at − 0-at), clamped to 0–100, rounded half-up to 2 places.
- Score = Σ points × weight ÷ Σ weight, 2 places. A dimension without data (satisfaction without any buyer
  rating) counts with weight 0, so the other weights count in its place.
- Fewer lines than `min_orders` (or no weight left): not rated (N/R), no points, no score, no grade.
- Grade: A at `grade_a_min` or more, B at `grade_b_min`, C at `grade_c_min`, else D.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from portal.models import DIMENSIONS, RatingModelVersion

RATE_PLACES = Decimal("0.0001")
POINT_PLACES = Decimal("0.01")
HUNDRED = Decimal(100)


def rating_window(*, version: RatingModelVersion, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the window of a rating as of `as_of` (the day before it is the last)."""
    return as_of - dt.timedelta(days=version.window_days), as_of - dt.timedelta(days=1)


@dataclass
class WindowCounts:
    """What the window holds for one merchant. `category_lines` counts its order lines by category (for the
    returns thresholds); `satisfaction_sum` is the sum of its buyer ratings."""

    lines: int = 0
    fulfilled: int = 0
    on_time: int = 0
    returned: int = 0
    complaints: int = 0
    satisfaction_count: int = 0
    satisfaction_sum: Decimal = Decimal(0)
    category_lines: dict[int, int] = field(default_factory=dict)


def _rate(part: int | Decimal, whole: int) -> Decimal:
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(RATE_PLACES, ROUND_HALF_UP)


def rating_points(rate: Decimal, full_at: Decimal, zero_at: Decimal) -> Decimal:
    """The linear, clamped points of a rate (works both ways: 100-at above or below 0-at)."""
    raw = (rate - zero_at) * HUNDRED / (full_at - zero_at)
    return min(HUNDRED, max(Decimal(0), raw)).quantize(POINT_PLACES, ROUND_HALF_UP)


def rating_grade(score: Decimal, version: RatingModelVersion) -> str:
    if score >= version.grade_a_min:
        return "A"
    if score >= version.grade_b_min:
        return "B"
    if score >= version.grade_c_min:
        return "C"
    return "D"


def returns_threshold_map(version: RatingModelVersion) -> dict[int, tuple[Decimal, Decimal]]:
    """The version's returns thresholds by category id (one query, or none when prefetched)."""
    return {t.category_id: (t.full_at, t.zero_at) for t in version.returns_thresholds.all()}


def returns_thresholds(version: RatingModelVersion, category_lines: dict[int, int],
                       by_category: dict[int, tuple[Decimal, Decimal]]) -> tuple[Decimal, Decimal]:
    """The average of the lines' returns thresholds (each line with its category's, else the version's)."""
    total = sum(category_lines.values())
    full = sum((by_category.get(c, (version.returns_full_at, version.returns_zero_at))[0] * n
                for c, n in category_lines.items()), Decimal(0))
    zero = sum((by_category.get(c, (version.returns_full_at, version.returns_zero_at))[1] * n
                for c, n in category_lines.items()), Decimal(0))
    return ((full / total).quantize(RATE_PLACES, ROUND_HALF_UP), (zero / total).quantize(RATE_PLACES, ROUND_HALF_UP))


def rating_compute(*, version: RatingModelVersion, counts: WindowCounts,
                   thresholds: dict[int, tuple[Decimal, Decimal]] | None = None) -> dict:
    """The MerchantRating fields (without merchant, day and window) for one merchant's window counts;
    `thresholds` is `returns_threshold_map(version)` (read once per chunk; read here when not given)."""
    n = counts.lines
    row: dict = {"order_count": n, "fulfilled_count": counts.fulfilled, "on_time_count": counts.on_time,
                 "returned_count": counts.returned, "complaint_count": counts.complaints,
                 "satisfaction_count": counts.satisfaction_count, "returns_full_at": None, "returns_zero_at": None,
                 "rated": False, "score": None, "grade": ""}
    rates: dict[str, Decimal | None] = dict.fromkeys(DIMENSIONS)
    if n:
        rates.update(fulfilment=_rate(counts.fulfilled, n), on_time=_rate(counts.on_time, n),
                     returns=_rate(counts.returned, n), complaints=_rate(counts.complaints, n))
        if thresholds is None:
            thresholds = returns_threshold_map(version)
        row["returns_full_at"], row["returns_zero_at"] = returns_thresholds(version, counts.category_lines,
                                                                            thresholds)
    if counts.satisfaction_count:
        rates["satisfaction"] = (counts.satisfaction_sum / counts.satisfaction_count).quantize(
            RATE_PLACES, ROUND_HALF_UP)
    rated = n >= version.min_orders
    weighted, weights = Decimal(0), Decimal(0)
    for d in DIMENSIONS:
        rate = rates[d]
        row[f"{d}_rate"], row[f"{d}_points"], row[f"{d}_weight"] = rate, None, Decimal(0)
        if not rated or rate is None:
            continue
        full, zero = ((row["returns_full_at"], row["returns_zero_at"]) if d == "returns"
                      else (version.full_at(d), version.zero_at(d)))
        points = rating_points(rate, full, zero)
        row[f"{d}_points"], row[f"{d}_weight"] = points, version.weight(d)
        weighted += points * version.weight(d)
        weights += version.weight(d)
    if rated and weights > 0:
        score = (weighted / weights).quantize(POINT_PLACES, ROUND_HALF_UP)
        row.update(rated=True, score=score, grade=rating_grade(score, version))
    else:
        for d in DIMENSIONS:
            row[f"{d}_points"], row[f"{d}_weight"] = None, Decimal(0)
    return row
