"""Reads of the credit rating. `rating_grade_on` is the interface the settlement uses ("the grade at period
start"); `rating_current` / `rating_history` feed the merchant's and the staff's pages and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy

from portal.models import (
    DIMENSIONS,
    Merchant,
    MerchantGrade,
    MerchantRating,
    RatingChunk,
    RatingDimension,
    RatingModelVersion,
    RatingRun,
)
from portal.timeline import TimelineEntry, text_details, timeline_build

# BUSINESS_RULES §8: a merchant that is not rated (N/R, too few orders, or never computed) is treated as C.
UNRATED_GRADE = MerchantGrade.C.value
_IDS_PER_QUERY = 5000


def rating_model_in_force(*, on: dt.date | None = None) -> RatingModelVersion | None:
    """The approved version with the latest `effective_from` on or before `on` (the higher number on the same
    day), with its returns thresholds; None before the first one."""
    on = on or timezone.localdate()
    return (RatingModelVersion.objects.filter(approved_at__isnull=False, effective_from__lte=on)
            .prefetch_related("returns_thresholds__category").order_by("-effective_from", "-number").first())


def rating_model_versions_list() -> QuerySet[RatingModelVersion]:
    return RatingModelVersion.objects.select_related("created_by", "approved_by").order_by(
        "-effective_from", "-number")


def rating_grade_on(*, merchant_ids: Iterable[int], on: dt.date) -> dict[int, str]:
    """The grade in effect on `on` for each merchant: the grade of its latest rating as of `on` or before.
    A merchant not rated then (N/R) or never rated gets C. Every id asked for is in the answer; one query per
    5,000 ids whatever the history's length."""
    ids = sorted({int(i) for i in merchant_ids})
    grades: dict[int, str] = dict.fromkeys(ids, UNRATED_GRADE)
    latest = (MerchantRating.objects.filter(merchant_id=OuterRef("pk"), as_of__lte=on)
              .order_by("-as_of").values("grade")[:1])
    for start in range(0, len(ids), _IDS_PER_QUERY):
        rows = (Merchant.objects.filter(pk__in=ids[start:start + _IDS_PER_QUERY])
                .annotate(rating_grade=Subquery(latest)).values_list("pk", "rating_grade"))
        for pk, grade in rows:
            if grade:
                grades[pk] = grade
    return grades


def rating_current(*, merchant: Merchant, on: dt.date | None = None) -> MerchantRating | None:
    """The merchant's rating in effect on `on` (today by default): its latest as of that day or before."""
    on = on or timezone.localdate()
    return (MerchantRating.objects.filter(merchant=merchant, as_of__lte=on).select_related("model_version")
            .order_by("-as_of").first())


def rating_history(*, merchant: Merchant, limit: int | None = 90) -> QuerySet[MerchantRating] | list[MerchantRating]:
    """The merchant's ratings, newest first (the last `limit` days' rows; None for all)."""
    rows = MerchantRating.objects.filter(merchant=merchant).select_related("model_version").order_by("-as_of")
    return rows[:limit] if limit else rows


@dataclass(frozen=True)
class BreakdownRow:
    """One dimension of a rating as the pages show it: the measured rate (percent, or the average rating for
    satisfaction), where it gives 100 and 0 points, its points, the weight it counted with, and its part of the
    score (points × weight ÷ the weights counted)."""

    dimension: str
    label: str
    rate: Decimal | None
    is_percent: bool
    full_at: Decimal | None
    zero_at: Decimal | None
    points: Decimal | None
    weight: Decimal
    contribution: Decimal | None
    below_red_line: bool


RED_LINE_POINTS = Decimal(60)  # BUSINESS_RULES §8: a dimension below 60 is a red line


def rating_breakdown(*, rating: MerchantRating) -> list[BreakdownRow]:
    """The five dimensions of `rating` with the figures of the model version it was computed with (no query
    beyond the rating's version, which the selectors above fetch with it)."""
    version = rating.model_version
    weights = sum((getattr(rating, f"{d}_weight") for d in DIMENSIONS), Decimal(0))
    rows = []
    for d in DIMENSIONS:
        points, weight = getattr(rating, f"{d}_points"), getattr(rating, f"{d}_weight")
        if d == RatingDimension.RETURNS:
            full_at, zero_at = rating.returns_full_at, rating.returns_zero_at
        else:
            full_at, zero_at = version.full_at(d), version.zero_at(d)
        contribution = (points * weight / weights).quantize(Decimal("0.01")) if points is not None and weights \
            else None
        rows.append(BreakdownRow(
            dimension=d, label=str(RatingDimension(d).label), rate=getattr(rating, f"{d}_rate"),
            is_percent=d != RatingDimension.SATISFACTION, full_at=full_at, zero_at=zero_at, points=points,
            weight=weight, contribution=contribution,
            below_red_line=points is not None and points < RED_LINE_POINTS))
    return rows


def ratings_for_staff(*, as_of: dt.date | None = None, grade: str = "", query: str = "") -> QuerySet[MerchantRating]:
    """The ratings of one day (the latest computed when not given) for the staff list, lowest score first (N/R
    last), filtered by grade ("NR" for not rated) and merchant name or id."""
    if as_of is None:
        as_of = MerchantRating.objects.order_by("-as_of").values_list("as_of", flat=True).first()
    rows = MerchantRating.objects.filter(as_of=as_of).select_related("merchant", "model_version")
    if grade == "NR":
        rows = rows.filter(rated=False)
    elif grade in MerchantGrade.values:
        rows = rows.filter(grade=grade)
    query = (query or "").strip()
    if query:
        rows = rows.filter(merchant_id=int(query)) if query.isdigit() else rows.filter(merchant__name__icontains=query)
    return rows.order_by(F("score").asc(nulls_last=True), "merchant__name", "merchant_id")


def rating_runs_recent(*, limit: int = 5) -> list[RatingRun]:
    """The latest recomputes with their chunks' progress (done / all), in one query."""
    return list(RatingRun.objects.select_related("model_version")
                .annotate(chunks_total=Count("chunks"),
                          chunks_done=Count("chunks", filter=Q(chunks__status=RatingChunk.Status.DONE)),
                          chunks_failed=Count("chunks", filter=Q(chunks__status=RatingChunk.Status.FAILED)))
                .order_by("-started_at", "-id")[:limit])


RATING_MODEL_ACTION_PREFIX = "portal.rating_model."


def rating_model_timeline(*, version: RatingModelVersion) -> list[TimelineEntry]:
    """The version's history from the audit log (loaded with the defaults, proposed, approved), oldest first."""
    def proposed(entry: TimelineEntry, _context) -> None:
        entry.details = text_details(entry.data, "note")

    return timeline_build(
        target=version, action_prefix=RATING_MODEL_ACTION_PREFIX,
        sentences={"defaults_loaded": gettext_lazy("Default rating model loaded"),
                   "proposed": gettext_lazy("Rating model proposed"),
                   "approved": gettext_lazy("Rating model approved"),
                   "discarded": gettext_lazy("Rating model proposal discarded")},
        describers={"proposed": proposed})
