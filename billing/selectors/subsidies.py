"""Subsidy enrolments with what their merchant has used of the item's cap in a year (finance's admin list).

The cap is the one of the item's version in effect in the year (on today's date for the current year, on 31
December for a past one, on 1 January for a later one); what is used is the sum of `SubsidyUsage` for the
merchant, the item and the year. Both are subqueries of the list query: the list costs the same number of
queries whatever its length. The cap is per merchant, item and year, so two enrolments of one merchant in one
item within a year show the same figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.models.policy import PolicyItemVersion
from portal.policy.selectors import in_effect_q

from ..models import SubsidyEnrolment, SubsidyUsage

_AMOUNT = DecimalField(max_digits=16, decimal_places=2)


def cap_day(year: int, today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return min(max(today, dt.date(year, 1, 1)), dt.date(year, 12, 31))


def subsidy_enrolments_with_usage(*, year: int) -> QuerySet[SubsidyEnrolment]:
    """Every enrolment with `cap_year` (None: no cap), `cap_currency`, `used` (0 when none) for `year`; the row's
    `remaining` is `cap_year - used` (never below 0), computed from these."""
    version = (PolicyItemVersion.objects.filter(in_effect_q(cap_day(year)), item_id=OuterRef("item_id"))
               .order_by("-effective_from"))
    used = (SubsidyUsage.objects.filter(merchant_id=OuterRef("merchant_id"), item_id=OuterRef("item_id"), year=year)
            .order_by().values("merchant_id").annotate(total=Sum("amount")).values("total"))
    return (SubsidyEnrolment.objects.select_related("merchant", "item", "created_by")
            .annotate(cap_year=Subquery(version.values("cap_per_year")[:1], output_field=_AMOUNT),
                      cap_currency=Subquery(version.values("currency")[:1]),
                      used=Coalesce(Subquery(used, output_field=_AMOUNT), Value(Decimal("0")),
                                    output_field=_AMOUNT)))


def enrolment_remaining(enrolment: SubsidyEnrolment) -> Decimal | None:
    if enrolment.cap_year is None:
        return None
    return max(enrolment.cap_year - enrolment.used, Decimal("0"))
