"""Filters the admin's filter drawers share (django-filter)."""

from __future__ import annotations

import django_filters
from django.db import models
from django.utils.translation import gettext_lazy as _


def merchant_name_or_id(queryset, name, value):
    """Rows whose merchant's name contains `value`, or whose merchant has that id."""
    value = (value or "").strip()
    if not value:
        return queryset
    condition = models.Q(merchant__name__icontains=value)
    if value.isdigit() and len(value) <= 18:  # an id, within a bigint
        condition |= models.Q(merchant_id=int(value))
    return queryset.filter(condition)


def merchant_filter() -> django_filters.CharFilter:
    """The drawer's merchant box, for rows with a `merchant` foreign key."""
    return django_filters.CharFilter(label=_("Merchant"), method=merchant_name_or_id,
                                     help_text=_("Part of the name, or the merchant's id."))
