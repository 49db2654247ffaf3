"""Filtersets of the contracts admin: the contract list's filter drawer (and its active-filter chips).

Every filter narrows the list queryset with plain conditions on the contract row or an `EXISTS` on its
categories, so the list keeps one row per contract and its cost does not depend on the filters.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from portal.models import Category, CooperationMode, MerchantGrade

from .models import Contract, ContractKind, ContractStatus
from .models.contracts import BINDING_STATUSES

# the longest "expiring within" window asked for (ten years)
EXPIRING_WITHIN_MAX = 3650


class ContractFilterSet(WagtailFilterSet):
    number = django_filters.CharFilter(label=_("Contract number"), method="filter_number")
    merchant = django_filters.CharFilter(label=_("Merchant"), method="filter_merchant")
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=ContractStatus.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    mode = django_filters.MultipleChoiceFilter(label=_("Cooperation mode"), choices=CooperationMode.choices,
                                               widget=forms.CheckboxSelectMultiple)
    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=ContractKind.choices,
                                               widget=forms.CheckboxSelectMultiple)
    grade = django_filters.MultipleChoiceFilter(label=_("Merchant grade"), choices=MerchantGrade.choices,
                                                widget=forms.CheckboxSelectMultiple)
    category = django_filters.ModelChoiceFilter(label=_("Category"), queryset=Category.objects.all(),
                                                method="filter_category")
    expiring_within = django_filters.NumberFilter(
        label=_("Term ends within (days)"), method="filter_expiring_within",
        validators=[MinValueValidator(0), MaxValueValidator(EXPIRING_WITHIN_MAX)],
        help_text=_("Binding contracts (countersigned, active or expiring) whose term ends in the next N days."),
    )

    class Meta:
        model = Contract
        fields: list[str] = []

    def filter_number(self, queryset: models.QuerySet, name: str, value: str) -> models.QuerySet:
        value = value.strip()
        return queryset.filter(number__icontains=value) if value else queryset

    def filter_merchant(self, queryset: models.QuerySet, name: str, value: str) -> models.QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(models.Q(merchant__name__icontains=value)
                               | models.Q(merchant_legal_name__icontains=value)
                               | models.Q(merchant_credit_code__iexact=value))

    def filter_category(self, queryset: models.QuerySet, name: str, value: Category | None) -> models.QuerySet:
        if value is None:
            return queryset
        through = Contract.categories.through
        return queryset.filter(models.Exists(
            through.objects.filter(contract_id=models.OuterRef("pk"), category_id=value.pk)))

    def filter_expiring_within(self, queryset: models.QuerySet, name: str, value) -> models.QuerySet:
        if value is None:
            return queryset
        today = timezone.localdate()
        return queryset.filter(status__in=BINDING_STATUSES, ends_on__gte=today,
                               ends_on__lte=today + dt.timedelta(days=int(value)))
