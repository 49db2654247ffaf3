"""The filter drawer of the statement disputes queue."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget

from ..models import Dispute, DisputeOutcome, DisputeStatus, SettlementRun
from .finance_filters import _MerchantSearch


def _runs():
    return SettlementRun.objects.order_by("-period_start")


class DisputeFilterSet(_MerchantSearch):
    number = django_filters.CharFilter(label=_("Dispute number"), lookup_expr="icontains")
    status = django_filters.MultipleChoiceFilter(distinct=False, label=_("Status"), choices=DisputeStatus.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    outcome = django_filters.MultipleChoiceFilter(distinct=False, label=_("Decision"), choices=DisputeOutcome.choices,
                                                  widget=forms.CheckboxSelectMultiple)
    run = django_filters.ModelChoiceFilter(label=_("Settlement run"), field_name="statement__run", queryset=_runs(),
                                           empty_label=_("Any"))
    opened_at = django_filters.DateFromToRangeFilter(label=_("Opened"), widget=DateRangePickerWidget)
    decided_at = django_filters.DateFromToRangeFilter(label=_("Decided"), widget=DateRangePickerWidget)

    class Meta:
        model = Dispute
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["run"].queryset = _runs()
