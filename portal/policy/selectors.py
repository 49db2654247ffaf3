"""Reads of the policy items. Lists run a fixed number of queries whatever their length."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import DateField, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone

from portal.db import CompiledQuery, instance_from_values
from portal.models import Category
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


# ---------------------------------------------------------------- the policy pages' read

_VERSION_FIELDS = [field.attname for field in PolicyItemVersion._meta.concrete_fields]
_ITEM_FIELDS = [field.attname for field in PolicyItem._meta.concrete_fields]
_BAND_FIELDS = [field.attname for field in PolicyRateBand._meta.concrete_fields]
_CATEGORY_FIELDS = [field.attname for field in Category._meta.concrete_fields]


def _day(on_date: str):
    return Cast(Value(on_date), DateField())


def _display_versions(block: str, on_date: str):
    return (
        PolicyItemVersion.objects.filter(in_effect_q(_day(on_date)), item__is_published=True, item__block=block)
        .order_by("item_id", "-effective_from")
        .values_list(*_VERSION_FIELDS, *(f"item__{name}" for name in _ITEM_FIELDS))
    )


def _display_bands(block: str, on_date: str):
    return (
        PolicyRateBand.objects.filter(
            in_effect_q(_day(on_date), prefix="version__"),
            version__item__is_published=True,
            version__item__block=block,
        )
        .order_by("sort_order", "pk")
        .values_list(*_BAND_FIELDS, *(f"category__{name}" for name in _CATEGORY_FIELDS))
    )


_DISPLAY_VERSIONS = CompiledQuery(_display_versions)
_DISPLAY_BANDS = CompiledQuery(_display_bands)


def _with_bands(version: PolicyItemVersion, bands: list[PolicyRateBand]) -> None:
    """Leave `bands` on the version as `prefetch_related("bands")` would: `version.bands.all()` reads no rows."""
    queryset = version.bands.get_queryset()
    queryset._result_cache = bands
    queryset._prefetch_done = True
    version.__dict__.setdefault("_prefetched_objects_cache", {})["bands"] = queryset


def _display_versions_orm(block: str, on_date: datetime.date) -> list[PolicyItemVersion]:
    """The same rows as the compiled `_display_versions` and `_display_bands`, by the plain ORM (two queries)."""
    return list(
        PolicyItemVersion.objects.filter(in_effect_q(on_date), item__is_published=True, item__block=block)
        .select_related("item")
        .prefetch_related(
            Prefetch("bands", queryset=PolicyRateBand.objects.select_related("category").order_by("sort_order", "pk"))
        )
        .order_by("item_id", "-effective_from")
    )


def _display_versions_compiled(block: str, on_date: datetime.date) -> list[PolicyItemVersion]:
    day = on_date.isoformat()
    versions = []
    versions_width = len(_VERSION_FIELDS)
    for row in _DISPLAY_VERSIONS.rows(block=block, on_date=day):
        version = instance_from_values(PolicyItemVersion, _VERSION_FIELDS, row[:versions_width])
        version.item = instance_from_values(PolicyItem, _ITEM_FIELDS, row[versions_width:])
        versions.append(version)
    bands: dict[int, list[PolicyRateBand]] = {version.pk: [] for version in versions}
    bands_width = len(_BAND_FIELDS)
    for row in _DISPLAY_BANDS.rows(block=block, on_date=day):
        band = instance_from_values(PolicyRateBand, _BAND_FIELDS, row[:bands_width])
        if band.version_id not in bands:
            continue
        band.category = (
            instance_from_values(Category, _CATEGORY_FIELDS, row[bands_width:]) if band.category_id else None
        )
        bands[band.version_id].append(band)
    for version in versions:
        _with_bands(version, bands[version.pk])
    return versions


def policy_items_for_display(*, block: str, on_date: datetime.date | None = None) -> list[PolicyItem]:
    """The block's items as `policy_items_current(block=...)` gives them, for the policy pages.

    Each item carries `.current_version` with its bands (and their categories) loaded, which is all
    `portal.policy.describe` reads; eligible categories are not loaded. Two queries, compiled once per
    process (see `portal.db`) unless DATABASE_COMPILED_QUERIES is off, because this read runs on every
    view of a policy page.
    """
    on_date = on_date or policy_today()
    if settings.DATABASE_COMPILED_QUERIES:
        versions = _display_versions_compiled(block, on_date)
    else:
        versions = _display_versions_orm(block, on_date)
    chosen: dict[int, PolicyItemVersion] = {}
    for version in versions:
        chosen.setdefault(version.item_id, version)
    items = []
    for version in chosen.values():
        item = version.item
        item.current_version = version
        items.append(item)
    items.sort(key=lambda i: (i.sort_order, i.code))
    return items
