"""The merchant's grade at a period's start, as the commission's credit discount reads it (BUSINESS_RULES §7.4).

One function, so the source can change in one place: today it is the merchant's grade as it stands (the grade
the rating last moved it to); ungraded merchants count as C in the commission function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from portal.models import Merchant


def grades_at_period_start(*, merchant_ids: Iterable[int], on: dt.date) -> dict[int, str | None]:
    """{merchant id: grade in effect on `on`, or None when ungraded (the commission function then uses C)}."""
    return {pk: (grade or None) for pk, grade in
            Merchant.objects.filter(pk__in=list(merchant_ids)).values_list("pk", "grade")}
