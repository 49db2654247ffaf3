"""Reads of performance data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum

from portal.models import OrderLine, SatisfactionRating
from portal.money import round_money


def order_lines_page(*, merchant_id: int, settleable_from: dt.date | None = None,
                     settleable_to: dt.date | None = None, after: str | None = None,
                     limit: int = 500) -> tuple[list[dict], str | None]:
    """One page of a merchant's order lines by external id (keyset: `after` is the last external id of the page
    before), with the category's code; and the `after` of the next page, or None on the last one. One query
    whatever the page size or the number of lines."""
    rows: QuerySet = OrderLine.objects.filter(merchant_id=merchant_id)
    if settleable_from:
        rows = rows.filter(settleable_on__gte=settleable_from)
    if settleable_to:
        rows = rows.filter(settleable_on__lte=settleable_to)
    if after:
        rows = rows.filter(external_id__gt=after)
    page = list(rows.order_by("external_id").values(
        "external_id", "merchant_id", "category__code", "amount", "currency", "completed_on", "settleable_on",
        "refund_amount", "refunded_on", "fulfilled", "on_time", "version", "updated_at")[:limit + 1])
    if len(page) > limit:
        return page[:limit], page[limit - 1]["external_id"]
    return page, None


@dataclass(frozen=True)
class YearFigures:
    """A merchant's trading over the 365 days before a day and the 365 days before those: GMV (the amounts of
    the order lines completed in each year, in one currency), the buyers' average satisfaction in the last year
    (of 5, to 2 places) and how many ratings it is of."""

    gmv: Decimal
    gmv_year_before: Decimal
    satisfaction: Decimal | None
    satisfaction_count: int

    @property
    def gmv_yoy(self) -> Decimal | None:
        """GMV growth year on year in percent, to 2 places; None without GMV in the year before to compare."""
        if self.gmv_year_before <= 0:
            return None
        return ((self.gmv - self.gmv_year_before) * 100 / self.gmv_year_before).quantize(Decimal("0.01"),
                                                                                        rounding=ROUND_HALF_UP)


def merchant_year_figures(*, merchant_id: int, on: dt.date, currency: str | None = None) -> YearFigures:
    """The figures of `merchant_id` for the years before `on` (see `YearFigures`), in two queries.
    Satisfaction is summed here from the exact scores (SQLite's AVG would add them as floats)."""
    currency = currency or settings.DEFAULT_CURRENCY
    year = (on - dt.timedelta(days=365), on - dt.timedelta(days=1))
    before = (on - dt.timedelta(days=730), on - dt.timedelta(days=366))
    sums = OrderLine.objects.filter(merchant_id=merchant_id, currency=currency,
                                    completed_on__range=(before[0], year[1])).aggregate(
        gmv=Sum("amount", filter=Q(completed_on__gte=year[0])),
        gmv_before=Sum("amount", filter=Q(completed_on__lte=before[1])))
    gmv, gmv_before = sums["gmv"] or Decimal("0"), sums["gmv_before"] or Decimal("0")
    count, total = 0, Decimal("0")
    for score, n in (SatisfactionRating.objects.filter(merchant_id=merchant_id, rated_on__range=year)
                     .values_list("score").annotate(n=Count("id")).order_by()):
        count += n
        total += score * n
    satisfaction = (total / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if count else None
    return YearFigures(gmv=round_money(gmv, currency), gmv_year_before=round_money(gmv_before, currency),
                       satisfaction=satisfaction, satisfaction_count=count)
