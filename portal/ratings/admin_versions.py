"""The rating model's versions in the Wagtail admin (namespace "ratings", /admin/ratings/model/): the versions (in
force, approved for later, proposed), a proposal prefilled from the version in force, and one version's figures with
its approval or discard by another person and its timeline (BUSINESS_RULES §4.4, §8). Every staff role of the
ratings reads them; the services decide who proposes and approves (recruitment leads and management, never the
proposer) and their refusals are shown on the page."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput

from portal.change_control import version_state, versions_with_state
from portal.exceptions import ApplicationError, error_messages, errors_onto_form
from portal.models import DIMENSIONS, Category, RatingDimension, RatingModelVersion
from portal.roles import RoleRequiredMixin

from .admin_views import STAFF_ROLES, url
from .selectors import rating_model_in_force, rating_model_timeline, rating_model_versions_list
from .versions import (
    FIGURE_FIELDS,
    rating_model_approve,
    rating_model_discard,
    rating_model_propose,
    user_may_change_rating_model,
)

_SETTINGS = ["grade_a_min", "grade_b_min", "grade_c_min", "min_orders", "window_days"]


class RatingModelForm(forms.Form):
    """Every figure of a version as a number field (labelled as the model labels it); the service checks how they
    fit together (weights adding up to 100, the direction of 100-at / 0-at, falling cut-offs) and its messages land
    on the fields. The returns thresholds per category are a formset beside it (`ReturnsThresholdFormSet`)."""

    effective_from = forms.DateField(label=gettext_lazy("Takes effect on"), widget=AdminDateInput)
    note = forms.CharField(label=gettext_lazy("Reason for the change"), max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in FIGURE_FIELDS:
            model_field = RatingModelVersion._meta.get_field(name)
            self.fields[name] = forms.DecimalField(label=model_field.verbose_name, widget=forms.NumberInput(
                attrs={"step": "any", "class": "rating-model-input"}))

    def dimension_rows(self) -> list[dict]:
        return [{"label": RatingDimension(d).label,
                 "cells": [self[f"{d}_{part}"] for part in ("weight", "full_at", "zero_at")]} for d in DIMENSIONS]

    def setting_fields(self) -> list:
        return [self[name] for name in _SETTINGS]


def _rate_field(label) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, min_value=0, max_value=100, max_digits=8,
                              decimal_places=4, widget=forms.NumberInput(
                                  attrs={"step": "any", "min": "0", "max": "100", "class": "rating-model-input"}))


class ReturnsThresholdForm(forms.Form):
    """One category's returns threshold: the return rate (%) giving 100 points and the higher one giving 0. A row
    left blank is ignored; a row begun must be finished."""

    category = forms.TypedChoiceField(label=gettext_lazy("Category"), coerce=int, required=False, empty_value=None)
    full_at = _rate_field(gettext_lazy("100 points at (%)"))
    zero_at = _rate_field(gettext_lazy("0 points at (%)"))

    def __init__(self, *args, categories: list[tuple] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *categories]

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return all(data.get(name) in (None, "") for name in ("category", "full_at", "zero_at"))

    def clean(self):
        data = super().clean()
        if self.is_blank() or data.get("DELETE"):
            return data
        category, full, zero = data.get("category"), data.get("full_at"), data.get("zero_at")
        if category is None and "category" not in self.errors:
            self.add_error("category", _("Choose the category."))
        for name, value in (("full_at", full), ("zero_at", zero)):
            if value is None and name not in self.errors:
                self.add_error(name, _("Enter a rate between 0 and 100."))
        if full is not None and zero is not None and full >= zero:
            self.add_error("zero_at", _("The rate giving 0 points must be higher than the one giving 100 points."))
        return data


class BaseReturnsThresholdFormSet(forms.BaseFormSet):
    def __init__(self, *args, **kwargs):
        # the categories are read once for every row's menu
        categories = [(c.pk, f"{c.code} · {c}") for c in Category.objects.order_by("code")]
        kwargs.setdefault("form_kwargs", {})["categories"] = categories
        kwargs.setdefault("prefix", "thresholds")
        super().__init__(*args, **kwargs)
        # blank rows for the categories without a threshold yet (at least one, at most ten)
        self.extra = max(1, min(len(categories) - len(self.initial or []), 10))

    def _live_forms(self) -> list[ReturnsThresholdForm]:
        return [f for f in self.forms if getattr(f, "cleaned_data", None) is not None and not f.is_blank()
                and not f.cleaned_data.get("DELETE")]

    def clean(self):
        if any(self.errors):
            return
        seen: set[int] = set()
        for form in self._live_forms():
            category = form.cleaned_data["category"]
            if category in seen:
                form.add_error("category", _("This category already has a threshold above."))
            seen.add(category)

    def rows(self) -> list[dict]:
        """What the service takes: [{category: id, full_at, zero_at}]."""
        return [{"category": f.cleaned_data["category"], "full_at": f.cleaned_data["full_at"],
                 "zero_at": f.cleaned_data["zero_at"]} for f in self._live_forms()]

    def add_service_errors(self, messages_: list[str]) -> None:
        """The service's own refusal of the thresholds, shown above the rows."""
        self._non_form_errors = self.error_class([*self.non_form_errors(), *messages_])


ReturnsThresholdFormSet = forms.formset_factory(ReturnsThresholdForm, formset=BaseReturnsThresholdFormSet, extra=1,
                                                can_delete=True, max_num=500, validate_max=True)


def _initial(version: RatingModelVersion | None) -> dict:
    initial = {"effective_from": timezone.localdate() + dt.timedelta(days=1)}
    if version is None:
        return initial
    initial.update({name: getattr(version, name) for name in FIGURE_FIELDS})
    return initial


def _thresholds_initial(version: RatingModelVersion | None) -> list[dict]:
    if version is None:
        return []
    return [{"category": t.category_id, "full_at": t.full_at.normalize(), "zero_at": t.zero_at.normalize()}
            for t in version.returns_thresholds.all()]


def figure_rows(version: RatingModelVersion) -> list[dict]:
    return [{"label": RatingDimension(d).label, "weight": version.weight(d), "full_at": version.full_at(d),
             "zero_at": version.zero_at(d), "percent": d != RatingDimension.SATISFACTION} for d in DIMENSIONS]


class _Page(RoleRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    required_roles = STAFF_ROLES
    header_icon = "pick"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": url("list"), "label": _("Credit ratings")},
                {"url": url("model_index"), "label": _("Rating model")},
                {"url": "", "label": self.get_page_title()}]


class RatingModelIndexView(_Page):
    template_name = "ratings/admin/model_index.html"
    page_title = gettext_lazy("Rating model versions")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": url("list"), "label": _("Credit ratings")},
                {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        in_force = rating_model_in_force(on=today)
        context.update(versions=versions_with_state(list(rating_model_versions_list()), in_force, today),
                       in_force=in_force, figures=figure_rows(in_force) if in_force else [],
                       may_propose=user_may_change_rating_model(self.request.user))
        return context


class RatingModelProposeView(_Page):
    template_name = "ratings/admin/model_propose.html"
    page_title = gettext_lazy("Propose a new rating model")

    def get(self, request, *args, **kwargs):
        in_force = rating_model_in_force()
        return self.render_to_response(self.get_context_data(
            form=RatingModelForm(initial=_initial(in_force)),
            thresholds=ReturnsThresholdFormSet(initial=_thresholds_initial(in_force))))

    def post(self, request, *args, **kwargs):
        form = RatingModelForm(request.POST)
        thresholds = ReturnsThresholdFormSet(request.POST)
        if form.is_valid() and thresholds.is_valid():
            data = form.cleaned_data
            try:
                version = rating_model_propose(
                    effective_from=data["effective_from"], note=data["note"], actor=request.user,
                    figures={name: data[name] for name in FIGURE_FIELDS}, returns_thresholds=thresholds.rows())
            except (ValidationError, ApplicationError) as error:
                if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
                    messages_ = error.message_dict
                    thresholds.add_service_errors(messages_.pop("returns_thresholds", []))
                    error = ValidationError(messages_) if messages_ else None
                if error is not None:
                    errors_onto_form(form, error)
            else:
                messages.success(request, _("Rating model proposed: another person approves it."))
                return redirect(url("model_detail", version.pk))
        return self.render_to_response(self.get_context_data(form=form, thresholds=thresholds), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = url("model_index")
        return context


class RatingModelDetailView(_Page):
    template_name = "ratings/admin/model_detail.html"

    @cached_property
    def version(self) -> RatingModelVersion:
        return get_object_or_404(rating_model_versions_list().prefetch_related("returns_thresholds__category"),
                                 pk=self.kwargs["pk"])

    def get_page_title(self):
        return str(self.version)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        v = self.version
        today = timezone.localdate()
        state, state_label = version_state(v, rating_model_in_force(on=today), today)
        may_change = user_may_change_rating_model(self.request.user)
        context.update(
            v=v, state=state, state_label=state_label, figures=figure_rows(v),
            thresholds=list(v.returns_thresholds.all()), may_change=may_change,
            proposed_by_viewer=v.created_by_id == self.request.user.pk,
            approve_url=url("model_approve", v.pk), discard_url=url("model_discard", v.pk),
            timeline=rating_model_timeline(version=v))
        return context


class _VersionAction(RoleRequiredMixin, View):
    """POST only: call one service, say what happened (or why it was refused), go back to the version."""

    required_roles = STAFF_ROLES
    http_method_names = ["post"]

    def post(self, request, pk: int, **kwargs):
        version = get_object_or_404(RatingModelVersion, pk=pk)
        try:
            message = self.perform(version)
        except (ValidationError, ApplicationError) as error:
            for text in error_messages(error):
                messages.error(request, text)
        else:
            messages.success(request, message)
        exists = RatingModelVersion.objects.filter(pk=pk).exists()
        return redirect(url("model_detail", pk) if exists else url("model_index"))

    def perform(self, version: RatingModelVersion) -> str:
        raise NotImplementedError


class RatingModelApproveView(_VersionAction):
    def perform(self, version):
        rating_model_approve(version=version, actor=self.request.user)
        return _("Rating model approved: it applies to the ratings as of %(date)s and never changes.") % {
            "date": version.effective_from.isoformat()}


class RatingModelDiscardView(_VersionAction):
    def perform(self, version):
        rating_model_discard(version=version, actor=self.request.user)
        return _("The proposal was discarded.")
