"""Filtersets of the policy admin lists."""

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.widgets import AdminDateInput

from portal.models import Category, PolicyItem, PolicyItemVersion

from .selectors import in_effect_q


class PolicyItemFilterSet(WagtailFilterSet):
    class Meta:
        model = PolicyItem
        fields = ["block", "kind", "is_published"]


class PolicyItemVersionFilterSet(WagtailFilterSet):
    item = django_filters.ModelChoiceFilter(label=_("Policy item"), queryset=PolicyItem.objects.all())
    in_effect_on = django_filters.DateFilter(label=_("In effect on"), method="filter_in_effect_on",
                                             widget=AdminDateInput)
    effective_from = django_filters.DateFromToRangeFilter(label=_("Effective from"), widget=DateRangePickerWidget)

    class Meta:
        model = PolicyItemVersion
        fields = ["item", "in_effect_on", "effective_from", "formula"]

    def filter_in_effect_on(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(in_effect_q(value)) if value else queryset


class CategoryFilterSet(WagtailFilterSet):
    class Meta:
        model = Category
        fields = ["risk_class", "needs_production_licence", "is_active"]
