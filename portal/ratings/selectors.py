"""Reads of the credit rating. `rating_grade_on` is the interface the settlement uses ("the grade at period
start"); `rating_current` / `rating_history` feed the merchant's and the staff's pages and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from portal.models import Merchant, MerchantGrade, MerchantRating, RatingModelVersion

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
