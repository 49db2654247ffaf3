"""The filter drawers of the settlement lists (statements, payouts, a payout file's lines)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget

from ..models import Payout, PayoutStatus, SettlementRun, Statement, StatementStatus
from .finance_filters import _MerchantSearch, _yes_no


def _runs():
    return SettlementRun.objects.order_by("-period_start")


class StatementFilterSet(_MerchantSearch):
    run = django_filters.ModelChoiceFilter(label=_("Settlement run"), queryset=_runs(), empty_label=_("Any"))
    number = django_filters.CharFilter(label=_("Statement number"), lookup_expr="icontains")
    status = django_filters.MultipleChoiceFilter(distinct=False, label=_("Status"), choices=StatementStatus.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    period_start = django_filters.DateFromToRangeFilter(label=_("Period starts"), widget=DateRangePickerWidget)
    has_frozen = _yes_no(_("Sums frozen in disputes"), models.Q(frozen__gt=0))
    carried_forward = _yes_no(_("Balance carried forward"), models.Q(carried_forward__lt=0))

    class Meta:
        model = Statement
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["run"].queryset = _runs()


class PayoutFilterSet(_MerchantSearch):
    run = django_filters.ModelChoiceFilter(label=_("Settlement run"), queryset=_runs(), empty_label=_("Any"))
    reference = django_filters.CharFilter(label=_("Payout reference"), lookup_expr="icontains")
    status = django_filters.MultipleChoiceFilter(distinct=False, label=_("Status"), choices=PayoutStatus.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    bank_reference = django_filters.CharFilter(label=_("Bank reference"), lookup_expr="icontains")
    due_on = django_filters.DateFromToRangeFilter(label=_("Due on"), widget=DateRangePickerWidget)
    paid_on = django_filters.DateFromToRangeFilter(label=_("Paid on"), widget=DateRangePickerWidget)

    class Meta:
        model = Payout
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["run"].queryset = _runs()
