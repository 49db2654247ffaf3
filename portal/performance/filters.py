"""The filter drawers of the performance data lists (django-filter through Wagtail's `WagtailFilterSet`)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from portal.filters import merchant_filter
from portal.models import Category, DataSource, OrderLine, PerformanceImport

from .files import kind_labels


class OrderLineFilterSet(WagtailFilterSet):
    merchant = merchant_filter()
    category = django_filters.ModelMultipleChoiceFilter(
        label=_("Category"), queryset=Category.objects.order_by("sort_order", "code"), distinct=False,
        widget=forms.CheckboxSelectMultiple)
    settleable_on = django_filters.DateFromToRangeFilter(label=_("Settleable on (T)"), widget=DateRangePickerWidget)
    source = django_filters.MultipleChoiceFilter(label=_("Source"), choices=DataSource.choices, distinct=False,
                                                 widget=forms.CheckboxSelectMultiple)
    external_id = django_filters.CharFilter(label=_("External id"), lookup_expr="startswith")

    class Meta:
        model = OrderLine
        fields: list[str] = []


class PerformanceImportFilterSet(WagtailFilterSet):
    kind = django_filters.MultipleChoiceFilter(label=_("Kind of data"), choices=lambda: list(kind_labels().items()),
                                               distinct=False, widget=forms.CheckboxSelectMultiple)
    imported_at = django_filters.DateFromToRangeFilter(label=_("Imported"), widget=DateRangePickerWidget)

    class Meta:
        model = PerformanceImport
        fields: list[str] = []
