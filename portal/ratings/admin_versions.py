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
    on the fields. Returns thresholds per category: one line each, "category code, 100-at, 0-at"."""

    effective_from = forms.DateField(label=gettext_lazy("Takes effect on"), widget=AdminDateInput)
    note = forms.CharField(label=gettext_lazy("Reason for the change"), max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))
    returns_thresholds = forms.CharField(
        label=gettext_lazy("Returns thresholds per category"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy('One line per category: its code, the return rate giving 100 points and the one '
                               'giving 0 points, e.g. "apparel, 5, 20".'))

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

    def clean_returns_thresholds(self) -> list[dict]:
        lines = [line.strip() for line in self.cleaned_data["returns_thresholds"].splitlines() if line.strip()]
        parts = [[p.strip() for p in line.replace("，", ",").split(",")] for line in lines]
        codes = {p[0] for p in parts if p}
        categories = {c.code: c.pk for c in Category.objects.filter(code__in=codes)}
        rows, errors = [], []
        for line, p in zip(lines, parts, strict=True):
            if len(p) != 3:
                errors.append(_('"%(line)s": write the category code, the 100-at and the 0-at rate, separated by '
                                'commas.') % {"line": line})
            elif p[0] not in categories:
                errors.append(_('"%(code)s" is not a category code.') % {"code": p[0]})
            else:
                rows.append({"category": categories[p[0]], "full_at": p[1], "zero_at": p[2]})
        if errors:
            raise ValidationError(errors)
        return rows


def _initial(version: RatingModelVersion | None) -> dict:
    initial = {"effective_from": timezone.localdate() + dt.timedelta(days=1)}
    if version is None:
        return initial
    initial.update({name: getattr(version, name) for name in FIGURE_FIELDS})
    initial["returns_thresholds"] = "\n".join(
        f"{t.category.code}, {t.full_at.normalize():f}, {t.zero_at.normalize():f}"
        for t in version.returns_thresholds.all())
    return initial


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
        return self.render_to_response(self.get_context_data(
            form=RatingModelForm(initial=_initial(rating_model_in_force()))))

    def post(self, request, *args, **kwargs):
        form = RatingModelForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                version = rating_model_propose(
                    effective_from=data["effective_from"], note=data["note"], actor=request.user,
                    figures={name: data[name] for name in FIGURE_FIELDS},
                    returns_thresholds=data["returns_thresholds"])
            except (ValidationError, ApplicationError) as error:
                errors_onto_form(form, error)
            else:
                messages.success(request, _("Rating model proposed: another person approves it."))
                return redirect(url("model_detail", version.pk))
        return self.render_to_response(self.get_context_data(form=form), status=400)

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
