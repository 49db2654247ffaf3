"""Filtersets of the onboarding admin screens (the review queue and the review's reference data).

`ApplicationQueueFilterSet` is the review queue's filter form (the Wagtail filter drawer and its
active-filter chips). It validates what staff ask for and hands the cleaned values to the core
selector `onboarding.selectors.review_queue(user, filters)`, which scopes the rows to what the user
may see and applies the filters, the SLA state included, so there is one definition of every filter.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.filters import DateRangePickerWidget, NumberRangeWidget, WagtailFilterSet

from portal.models import CalendarDay, Category, Squad
from portal.roles import Role

from .models import Application, ApplicationStatus, DocumentRequirement, Profile
from .selectors import SlaState, review_queue

UNASSIGNED = "none"
QUEUE_STATUSES = [(value, label) for value, label in ApplicationStatus.choices if value != ApplicationStatus.DRAFT]
SLA_CHOICES = [(s.value, s.label) for s in (SlaState.ON_TIME, SlaState.DUE_SOON, SlaState.BREACHED, SlaState.PAUSED)]


def reviewer_choices() -> list[tuple[str, str]]:
    """Staff who can hold an application: reviewers and leads (one query)."""
    users = (
        get_user_model().objects.filter(is_active=True, groups__name__in=[Role.REVIEWER, Role.LEAD])
        .distinct().order_by("first_name", "last_name", "email")
    )
    return [(UNASSIGNED, str(_("Unassigned")))] + [(str(u.pk), u.get_full_name() or u.email) for u in users]


class ApplicationQueueFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=QUEUE_STATUSES, widget=forms.CheckboxSelectMultiple, method="_collect",
    )
    main_category = django_filters.ModelChoiceFilter(
        label=_("Main category"), queryset=Category.objects.all(), method="_collect",
    )
    squad = django_filters.ModelChoiceFilter(label=_("Squad"), queryset=Squad.objects.all(), method="_collect")
    profile = django_filters.ChoiceFilter(
        label=pgettext_lazy("screening profile", "Profile"), choices=Profile.choices, widget=forms.RadioSelect,
        empty_label=_("All"),
        method="_collect",
    )
    score = django_filters.RangeFilter(label=_("Screening score"), widget=NumberRangeWidget, method="_collect")
    submitted = django_filters.DateFromToRangeFilter(
        label=_("Submitted"), widget=DateRangePickerWidget, method="_collect",
    )
    sla = django_filters.ChoiceFilter(
        label=_("SLA"), choices=SLA_CHOICES, widget=forms.RadioSelect, empty_label=_("All"), method="_collect",
    )
    assigned_reviewer = django_filters.ChoiceFilter(
        label=_("Reviewer"), choices=reviewer_choices, empty_label=_("All"), method="_collect",
    )

    class Meta:
        model = Application
        fields: list[str] = []

    def _collect(self, queryset: models.QuerySet, name: str, value) -> models.QuerySet:
        # The filters are applied together by the selector in `filter_queryset`.
        return queryset

    def selector_filters(self) -> dict:
        """The cleaned form as the `filters` dict of `review_queue` (empty values left out)."""
        data = self.form.cleaned_data
        filters: dict = {}
        if data.get("status"):
            filters["status"] = list(data["status"])
        for key in ("main_category", "squad"):
            if data.get(key) is not None:
                filters[key] = data[key].pk
        for key in ("profile", "sla"):
            if data.get(key):
                filters[key] = data[key]
        score = data.get("score")
        if score:
            if score.start is not None:
                filters["score_min"] = score.start
            if score.stop is not None:
                filters["score_max"] = score.stop
        submitted = data.get("submitted")
        if submitted:
            if submitted.start:
                filters["submitted_from"] = submitted.start.date()
            if submitted.stop:
                filters["submitted_to"] = submitted.stop.date()
        reviewer = data.get("assigned_reviewer")
        if reviewer and reviewer != UNASSIGNED:
            filters["assigned_reviewer"] = reviewer
        return filters

    def filter_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        """The user's queue with the filters applied (the incoming queryset is the unfiltered queue)."""
        qs = review_queue(self.request.user, self.selector_filters())
        if self.form.cleaned_data.get("assigned_reviewer") == UNASSIGNED:
            qs = qs.filter(assigned_reviewer__isnull=True)
        return qs


class DocumentRequirementFilterSet(WagtailFilterSet):
    class Meta:
        model = DocumentRequirement
        fields = ["document_type", "category", "cooperation_mode", "cross_border", "required"]


class CalendarDayFilterSet(WagtailFilterSet):
    date = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)

    class Meta:
        model = CalendarDay
        fields = ["kind", "date"]
