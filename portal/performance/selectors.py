"""Reads of performance data."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from portal.models import OrderLine


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
