"""The merchant's grade at a period's start, as the commission's credit discount reads it (BUSINESS_RULES §7.4).

The credit rating's grade in effect on the period's first day (`portal.ratings.selectors.rating_grade_on`: a
merchant rated N/R then counts as C). A merchant the nightly rating has never rated up to that day keeps the
grade it was given at approval (or moved to since); ungraded counts as C in the commission function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from portal.models import Merchant, MerchantRating
from portal.ratings.selectors import rating_grade_on


def grades_at_period_start(*, merchant_ids: Iterable[int], on: dt.date) -> dict[int, str | None]:
    """{merchant id: grade in effect on `on`, or None when ungraded (the commission function then uses C)}."""
    ids = list(merchant_ids)
    rated = set(MerchantRating.objects.filter(merchant_id__in=ids, as_of__lte=on)
                .values_list("merchant_id", flat=True).distinct())
    grades = rating_grade_on(merchant_ids=rated, on=on) if rated else {}
    own = dict(Merchant.objects.filter(pk__in=[pk for pk in ids if pk not in rated]).values_list("pk", "grade"))
    return {pk: grades[pk] if pk in rated else (own.get(pk) or None) for pk in ids}
