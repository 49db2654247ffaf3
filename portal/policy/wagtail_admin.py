"""Wagtail admin for editors: policy items, their effective-dated versions (with rate bands) and categories.

The version form refuses what `portal.policy.services.policy_version_check` refuses (overlaps, changes to
figures in effect, back-dating) with the message on the field. Every save of an item or a version writes an
audit entry in the saving transaction.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, EditView, SnippetViewSet, SnippetViewSetGroup

from portal.models import Category, PolicyItem, PolicyItemVersion

from .describe import version_cap_describe, version_describe
from .filters import CategoryFilterSet, PolicyItemFilterSet, PolicyItemVersionFilterSet
from .selectors import policy_today
from .services import (
    PolicyVersionInvalid,
    policy_item_recorded,
    policy_item_snapshot,
    policy_version_check,
    policy_version_recorded,
    policy_version_snapshot,
)


def _flag_column(model, name: str) -> BooleanColumn:
    """A yes/no field as a tick or cross (a plain list column would print the English "True"/"False")."""
    return BooleanColumn(name, label=capfirst(model._meta.get_field(name).verbose_name), sort_key=name)


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


# --- policy items -----------------------------------------------------------------------------------------


class PolicyItemCreateView(CreateView):
    def save_instance(self):
        item = super().save_instance()
        policy_item_recorded(item=item, actor=self.request.user, before=None, ip_address=_ip(self.request))
        return item


class PolicyItemEditView(EditView):
    def save_instance(self):
        before = policy_item_snapshot(item=PolicyItem.objects.get(pk=self.object.pk))
        item = super().save_instance()
        policy_item_recorded(item=item, actor=self.request.user, before=before, ip_address=_ip(self.request))
        return item


class PolicyItemViewSet(SnippetViewSet):
    model = PolicyItem
    icon = "list-ul"
    menu_label = _("Policy items")
    add_view_class = PolicyItemCreateView
    edit_view_class = PolicyItemEditView
    copy_view_enabled = False
    filterset_class = PolicyItemFilterSet
    list_display = ["name_zh", "name_en", "code", "block", "kind", _flag_column(PolicyItem, "is_published")]
    search_fields = ["code", "name_zh", "name_en"]
    search_backend_name = None
    ordering = ["block", "sort_order", "code"]
    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("sort_order")]),
        FieldRowPanel([FieldPanel("block"), FieldPanel("kind")]),
        FieldRowPanel([FieldPanel("name_zh"), FieldPanel("name_en")]),
        FieldPanel("summary_zh"),
        FieldPanel("summary_en"),
        FieldPanel("is_published"),
    ]


# --- policy item versions ---------------------------------------------------------------------------------


class PolicyItemVersionAdminForm(WagtailAdminModelForm):
    """Applies the version rules (operator guide §3.1) and shows their messages on the fields."""

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned  # the field errors come first; the rules need whole figures
        candidate = PolicyItemVersion(pk=self.instance.pk)
        for field in PolicyItemVersion._meta.concrete_fields:
            if field.name in cleaned:
                setattr(candidate, field.name, cleaned[field.name])
            elif not field.primary_key:
                setattr(candidate, field.attname, getattr(self.instance, field.attname))
        bands = self.formsets.get("bands")
        try:
            policy_version_check(
                version=candidate,
                categories=list(cleaned["categories"]) if "categories" in cleaned else None,
                bands_changed=bool(bands is not None and bands.has_changed()),
            )
        except PolicyVersionInvalid as exc:
            for field, field_messages in exc.errors.items():
                self.add_error(field if field in self.fields else None, field_messages)
        return cleaned


class PolicyItemVersionCreateView(CreateView):
    def save_instance(self):
        version = super().save_instance()
        policy_version_recorded(version=version, actor=self.request.user, before=None, ip_address=_ip(self.request))
        return version


class PolicyItemVersionEditView(EditView):
    def save_instance(self):
        stored = PolicyItemVersion.objects.prefetch_related("categories", "bands__category").get(pk=self.object.pk)
        before = policy_version_snapshot(version=stored)
        version = super().save_instance()
        policy_version_recorded(version=version, actor=self.request.user, before=before,
                                ip_address=_ip(self.request))
        return version


def _in_effect_label(version: PolicyItemVersion) -> str:
    today = policy_today()
    if version.effective_from > today:
        return gettext("Scheduled")
    if version.effective_to is not None and version.effective_to < today:
        return gettext("Ended")
    return gettext("In effect")


class PolicyItemVersionViewSet(SnippetViewSet):
    model = PolicyItemVersion
    icon = "date"
    menu_label = _("Policy versions")
    add_view_class = PolicyItemVersionCreateView
    edit_view_class = PolicyItemVersionEditView
    copy_view_enabled = False  # a copy would carry the original's bands; a new version is entered afresh
    filterset_class = PolicyItemVersionFilterSet
    list_display = [
        "__str__",
        "effective_from",
        "effective_to",
        Column("state", label=_("State"), accessor=_in_effect_label),
        Column("figure", label=_("Figure"), accessor=version_describe),
        Column("cap", label=_("Cap"), accessor=version_cap_describe),
    ]
    search_fields = ["item__code", "item__name_zh", "item__name_en", "change_note"]
    search_backend_name = None
    ordering = ["item__block", "item__sort_order", "-effective_from"]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("item"),
                    FieldRowPanel([FieldPanel("effective_from"), FieldPanel("effective_to")]),
                    FieldPanel("change_note"),
                ],
                heading=_("Validity"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("formula"), FieldPanel("base_input")]),
                    FieldRowPanel([FieldPanel("rate"), FieldPanel("currency")]),
                    FieldPanel("year_rates"),
                    FieldRowPanel([FieldPanel("one_off"), FieldPanel("duration_years")]),
                    FieldPanel("band_input"),
                ],
                heading=_("Figures"),
            ),
            InlinePanel(
                "bands",
                heading=_("Rate bands"),
                label=_("Rate band"),
                help_text=_("A band's rate replaces the version's rate when all its conditions hold; the highest "
                            "matching rate wins."),
                panels=[
                    FieldRowPanel([FieldPanel("min_value"), FieldPanel("category")]),
                    FieldRowPanel([FieldPanel("cross_border"), FieldPanel("rate"), FieldPanel("sort_order")]),
                ],
            ),
            MultiFieldPanel(
                [FieldRowPanel([FieldPanel("cap_per_year"), FieldPanel("cap_per_project"), FieldPanel("fund_total")])],
                heading=_("Caps"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("min_annual_revenue"),
                    FieldRowPanel([FieldPanel("requires_heavy_asset"), FieldPanel("requires_designated_logistics")]),
                    FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
                ],
                heading=_("Conditions"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("in_kind_zh"), FieldPanel("in_kind_en")]),
                    FieldRowPanel([FieldPanel("eligibility_zh"), FieldPanel("eligibility_en")]),
                    FieldRowPanel([FieldPanel("evidence_zh"), FieldPanel("evidence_en")]),
                ],
                heading=_("Texts"),
            ),
        ],
        base_form_class=PolicyItemVersionAdminForm,
    )

    def get_queryset(self, request):
        return PolicyItemVersion.objects.select_related("item").prefetch_related(
            "categories", "bands__category"
        )


class PolicyViewSetGroup(SnippetViewSetGroup):
    items = (PolicyItemViewSet, PolicyItemVersionViewSet)
    menu_label = _("Investment policy")
    menu_icon = "doc-full-inverse"
    menu_order = 250


# --- categories -------------------------------------------------------------------------------------------


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "tag"
    menu_label = _("Categories")
    filterset_class = CategoryFilterSet
    list_display = ["name_zh", "name_en", "code", "risk_class",
                    _flag_column(Category, "needs_production_licence"),
                    _flag_column(Category, "is_active")]
    search_fields = ["code", "name_zh", "name_en"]
    search_backend_name = None
    ordering = ["sort_order", "code"]
    copy_view_enabled = False


register_snippet(PolicyViewSetGroup)
register_snippet(CategoryViewSet)


@hooks.register("before_delete_snippet")
def policy_history_is_not_deleted(request, instances):
    """Versions that have taken effect and items that have versions are history: they are not deleted."""
    today = policy_today()
    for instance in instances:
        if isinstance(instance, PolicyItemVersion) and instance.effective_from <= today:
            messages.error(request, gettext("“%(version)s” has taken effect and is kept as history. Set its end "
                                            "date instead.") % {"version": instance})
            return redirect("wagtailsnippets_portal_policyitemversion:list")
        if isinstance(instance, PolicyItem) and instance.versions.exists():
            messages.error(request, gettext("“%(item)s” has versions and is kept as history. Unpublish it "
                                            "instead.") % {"item": instance})
            return redirect("wagtailsnippets_portal_policyitem:list")
    return None
