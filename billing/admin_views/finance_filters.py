"""The filter drawers of the finance lists (django-filter through Wagtail's `WagtailFilterSet`). Each filter is a
plain condition on the row or on an annotation of the list's queryset, so a list keeps one row per object."""

from __future__ import annotations

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from ..models import Deduction, DepositAccount, Invoice, Payment, PaymentStatus, Refund, RefundStatus
from ..models.payments import Provider

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _merchant_filter(field: str = "merchant"):
    def method(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(**{f"{field}__name__icontains": value})
    return method


class _MerchantSearch(WagtailFilterSet):
    merchant = django_filters.CharFilter(label=_("Merchant"), method="filter_merchant")
    merchant_field = "merchant"

    def filter_merchant(self, queryset, name, value):
        return _merchant_filter(self.merchant_field)(self, queryset, name, value)


def _yes_no(label, condition: models.Q):
    def method(queryset, name, value):
        if value == "yes":
            return queryset.filter(condition)
        if value == "no":
            return queryset.exclude(condition)
        return queryset
    return django_filters.ChoiceFilter(label=label, choices=YES_NO, method=method, empty_label=_("Any"))


class DepositFilterSet(_MerchantSearch):
    status = django_filters.MultipleChoiceFilter(distinct=False, label=_("Status"),
                                                 choices=DepositAccount.Status.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    # the status says it without summing every ledger: awaiting the deposit or a top-up requested
    outstanding_due = _yes_no(_("Something to pay"), models.Q(status__in=[DepositAccount.Status.AWAITING,
                                                                          DepositAccount.Status.SHORTFALL]))
    has_frozen = _yes_no(_("Sums frozen"), models.Q(frozen__gt=0))
    currency = django_filters.CharFilter(label=_("Currency"), lookup_expr="iexact")

    class Meta:
        model = DepositAccount
        fields: list[str] = []


class PaymentFilterSet(_MerchantSearch):
    reference = django_filters.CharFilter(label=_("Reference"), lookup_expr="icontains")
    status = django_filters.MultipleChoiceFilter(distinct=False, label=_("Status"), choices=PaymentStatus.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    provider = django_filters.MultipleChoiceFilter(distinct=False, label=_("Method"), choices=Provider.choices,
                                                   widget=forms.CheckboxSelectMultiple)
    purpose = django_filters.MultipleChoiceFilter(distinct=False, label=_("For"), choices=Payment.Purpose.choices,
                                                  widget=forms.CheckboxSelectMultiple)
    created_at = django_filters.DateFromToRangeFilter(label=_("Started"), widget=DateRangePickerWidget)
    succeeded_at = django_filters.DateFromToRangeFilter(label=_("Paid"), widget=DateRangePickerWidget)

    class Meta:
        model = Payment
        fields: list[str] = []


class BankTransferFilterSet(_MerchantSearch):
    reference = django_filters.CharFilter(label=_("Reference"), lookup_expr="icontains")
    status = django_filters.MultipleChoiceFilter(distinct=False,
        label=_("Status"), widget=forms.CheckboxSelectMultiple,
        choices=[(PaymentStatus.CREATED, _("Awaiting receipt")),
                 (PaymentStatus.PENDING, _("Received, awaiting confirmation"))])
    purpose = django_filters.MultipleChoiceFilter(distinct=False, label=_("For"), choices=Payment.Purpose.choices,
                                                  widget=forms.CheckboxSelectMultiple)
    received_on = django_filters.DateFromToRangeFilter(label=_("Received on"), widget=DateRangePickerWidget)

    class Meta:
        model = Payment
        fields: list[str] = []


class DeductionFilterSet(_MerchantSearch):
    merchant_field = "account__merchant"
    breach = django_filters.MultipleChoiceFilter(distinct=False, label=_("Breach"), choices=Deduction.Breach.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    first_approved = _yes_no(_("First approval given"), models.Q(first_approved_by__isnull=False))
    created_at = django_filters.DateFromToRangeFilter(label=_("Proposed"), widget=DateRangePickerWidget)

    class Meta:
        model = Deduction
        fields: list[str] = []


class RefundFilterSet(_MerchantSearch):
    status = django_filters.MultipleChoiceFilter(distinct=False,
        label=_("Status"), widget=forms.CheckboxSelectMultiple,
        choices=[c for c in RefundStatus.choices if c[0] != RefundStatus.SUCCEEDED])
    provider = django_filters.MultipleChoiceFilter(distinct=False, label=_("Method"), choices=Provider.choices,
                                                   widget=forms.CheckboxSelectMultiple)
    reason = django_filters.MultipleChoiceFilter(distinct=False, label=_("Reason"), choices=Refund.Reason.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    overdue = _yes_no(_("Overdue"), models.Q(overdue=True))
    due_on = django_filters.DateFromToRangeFilter(label=_("Due on"), widget=DateRangePickerWidget)

    class Meta:
        model = Refund
        fields: list[str] = []


class InvoiceFilterSet(_MerchantSearch):
    number = django_filters.CharFilter(label=_("Number"), lookup_expr="icontains")
    status = django_filters.MultipleChoiceFilter(distinct=False, label=_("Status"), choices=Invoice.Status.choices,
                                                 widget=forms.CheckboxSelectMultiple)
    kind = django_filters.MultipleChoiceFilter(distinct=False, label=_("Kind"), choices=Invoice.Kind.choices,
                                               widget=forms.CheckboxSelectMultiple)
    series = django_filters.CharFilter(label=_("Series"), lookup_expr="iexact")
    issued_at = django_filters.DateFromToRangeFilter(label=_("Issued"), widget=DateRangePickerWidget)
    due_on = django_filters.DateFromToRangeFilter(label=_("Due on"), widget=DateRangePickerWidget)

    class Meta:
        model = Invoice
        fields: list[str] = []
