"""The filter drawer of the alerts list (django-filter through Wagtail's `WagtailFilterSet`): each filter is a plain
condition on the alert's row, so the list keeps one row per alert."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from portal.filters import merchant_filter
from portal.models import Alert, AlertKind, AlertStatus, Squad

MINE, NO_OWNER = "mine", "none"
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def overdue_condition() -> models.Q:
    """Not closed and past its deadline (today's date in the portal's time zone)."""
    return models.Q(deadline__lt=timezone.localdate()) & ~models.Q(status=AlertStatus.CLOSED)


class AlertFilterSet(WagtailFilterSet):
    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=AlertKind.choices, distinct=False,
                                               widget=forms.CheckboxSelectMultiple)
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=AlertStatus.choices, distinct=False,
                                                 widget=forms.CheckboxSelectMultiple)
    owner = django_filters.ChoiceFilter(label=pgettext_lazy("alert owner", "Owner"), method="filter_owner",
                                        empty_label=_("Anyone"))
    squad = django_filters.ModelChoiceFilter(label=_("Squad"), queryset=Squad.objects.none(), empty_label=_("Any"))
    merchant = merchant_filter()
    created_at = django_filters.DateFromToRangeFilter(label=_("Raised"), widget=DateRangePickerWidget)
    overdue = django_filters.ChoiceFilter(label=_("Overdue"), choices=YES_NO, method="filter_overdue",
                                          empty_label=_("Any"))

    class Meta:
        model = Alert
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["squad"].queryset = Squad.objects.order_by("pk")
        owners = (get_user_model().objects.filter(pk__in=Alert.objects.exclude(owner=None).values("owner_id"))
                  .order_by("first_name", "last_name", "email"))
        self.filters["owner"].extra["choices"] = [(MINE, _("Mine")), (NO_OWNER, _("No owner")), *[
            (str(u.pk), u.get_full_name() or u.email) for u in owners]]

    def filter_owner(self, queryset, name, value):
        if value == MINE:
            user = getattr(self.request, "user", None)
            return queryset.filter(owner_id=getattr(user, "pk", None)) if user else queryset.none()
        if value == NO_OWNER:
            return queryset.filter(owner=None)
        if value and value.isdigit():
            return queryset.filter(owner_id=int(value))
        return queryset


    def filter_overdue(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(overdue_condition())
        if value == "no":
            return queryset.exclude(overdue_condition())
        return queryset
