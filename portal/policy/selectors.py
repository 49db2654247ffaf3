"""Reads of the policy items. Lists run a fixed number of queries whatever their length."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from portal.models.policy import PolicyBlock, PolicyItem, PolicyItemVersion, PolicyRateBand

_BLOCK_ORDER = {value: index for index, value in enumerate(PolicyBlock.values)}


def policy_today() -> datetime.date:
    """Today in the operator's time zone (Asia/Shanghai): the day policy versions are chosen for."""
    return timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE))


def _versions_with_figures() -> QuerySet[PolicyItemVersion]:
    return PolicyItemVersion.objects.select_related("item").prefetch_related(
        Prefetch("bands", queryset=PolicyRateBand.objects.select_related("category").order_by("sort_order", "pk")),
        "categories",
    )


def in_effect_q(on_date: datetime.date, prefix: str = "") -> Q:
    """Versions in effect on the day: started on or before it and not ended before it."""
    return Q(**{f"{prefix}effective_from__lte": on_date}) & (
        Q(**{f"{prefix}effective_to__isnull": True}) | Q(**{f"{prefix}effective_to__gte": on_date})
    )


def policy_items_current(*, block: str | None = None, on_date: datetime.date | None = None) -> list[PolicyItem]:
    """Published items with a version in effect on the day (default: today in Asia/Shanghai), in page order.

    Each item carries `.current_version`, with its bands (and their categories) and eligible categories
    prefetched. Three queries whatever the number of items. Items with no version in effect are left out.
    Should versions ever overlap, the one that started last wins.
    """
    on_date = on_date or policy_today()
    versions = _versions_with_figures().filter(in_effect_q(on_date), item__is_published=True)
    if block:
        versions = versions.filter(item__block=block)
    chosen: dict[int, PolicyItemVersion] = {}
    for version in versions.order_by("item_id", "-effective_from"):
        chosen.setdefault(version.item_id, version)
    items = []
    for version in chosen.values():
        item = version.item
        item.current_version = version
        items.append(item)
    items.sort(key=lambda i: (_BLOCK_ORDER.get(i.block, len(_BLOCK_ORDER)), i.sort_order, i.code))
    return items


def policy_item_versions(*, item: PolicyItem) -> QuerySet[PolicyItemVersion]:
    """Every version of the item, newest first, with bands and categories prefetched."""
    return _versions_with_figures().filter(item=item).order_by("-effective_from")


def policy_item_by_code(*, code: str) -> PolicyItem | None:
    return PolicyItem.objects.filter(code=code).first()
