"""The reference data of the review, editable by administrators in the Wagtail admin (snippets):
category squads, document types, the document requirement matrix and the working-day calendar.

Every save and delete writes an audit entry in the saving transaction (rule and permission changes are
audited, operator guide §1.3). Saving a squad re-grants its open applications to its current members
(`services.squad_grants_sync`), so a removed reviewer loses access at once.
"""

from __future__ import annotations

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.snippets.views.snippets import CreateView, DeleteView, EditView, SnippetViewSet, SnippetViewSetGroup

from portal.audit import audit_entry_create
from portal.models import CalendarDay, Squad

from .. import services
from ..filters import CalendarDayFilterSet, DocumentRequirementFilterSet
from ..models import DocumentRequirement, DocumentType


def _flag_column(model, name: str) -> BooleanColumn:
    """A yes/no field as a tick or cross (a plain list column would print the English "True"/"False")."""
    return BooleanColumn(name, label=capfirst(model._meta.get_field(name).verbose_name), sort_key=name)


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _snapshot(instance) -> dict:
    data = model_to_dict(instance)
    return {key: ([getattr(v, "pk", v) for v in value] if isinstance(value, list) else value)
            for key, value in data.items()}


class AuditedSaveMixin:
    """Audit `<audit_prefix>.created|changed` with the saved values (the view saves in a transaction)."""

    audit_event = "changed"

    def save_instance(self):
        instance = super().save_instance()
        audit_entry_create(actor=self.request.user, action=f"{self.audit_prefix}.{self.audit_event}",
                           target=instance, data=_snapshot(instance), ip_address=_ip(self.request))
        self.after_save(instance)
        return instance

    def after_save(self, instance) -> None:
        """Reactions of a saved row (none by default)."""


class AuditedDeleteMixin:
    @transaction.atomic
    def delete_action(self):
        audit_entry_create(actor=self.request.user, action=f"{self.audit_prefix}.deleted", target=self.object,
                           data=_snapshot(self.object), ip_address=_ip(self.request))
        return super().delete_action()


def audited_views(prefix: str, *, after_save=None) -> tuple[type, type, type]:
    """(create, edit, delete) view classes for a snippet viewset that audit under `prefix`."""
    extra = {"audit_prefix": prefix}
    if after_save is not None:
        extra["after_save"] = lambda self, instance: after_save(instance)
    return (
        type("AuditedCreateView", (AuditedSaveMixin, CreateView), {**extra, "audit_event": "created"}),
        type("AuditedEditView", (AuditedSaveMixin, EditView), extra),
        type("AuditedDeleteView", (AuditedDeleteMixin, DeleteView), extra),
    )


def _squad_saved(squad: Squad) -> None:
    services.squad_grants_sync(squad=squad)


class SquadViewSet(SnippetViewSet):
    model = Squad
    icon = "group"
    menu_label = _("Squads")
    copy_view_enabled = False
    list_display = ["name_zh", "name_en", "lead"]
    search_fields = ["name_zh", "name_en"]
    search_backend_name = None
    panels = [
        FieldRowPanel([FieldPanel("name_zh"), FieldPanel("name_en")]),
        FieldPanel("categories"),
        FieldPanel("members"),
        FieldPanel("lead"),
    ]
    add_view_class, edit_view_class, delete_view_class = audited_views("portal.squad", after_save=_squad_saved)


class DocumentTypeViewSet(SnippetViewSet):
    model = DocumentType
    icon = "doc-full"
    menu_label = _("Document types")
    copy_view_enabled = False
    list_display = ["code", "name_zh", "name_en", _flag_column(DocumentType, "has_number"),
                    _flag_column(DocumentType, "has_expiry"),
                    _flag_column(DocumentType, "is_optional"), "sort_order"]
    list_filter = ["has_expiry", "is_optional"]
    search_fields = ["code", "name_zh", "name_en"]
    search_backend_name = None
    ordering = ["sort_order", "code"]
    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("sort_order")]),
        FieldRowPanel([FieldPanel("name_zh"), FieldPanel("name_en")]),
        FieldPanel("help_zh"),
        FieldPanel("help_en"),
        FieldRowPanel([FieldPanel("has_number"), FieldPanel("has_expiry"), FieldPanel("is_optional")]),
    ]
    add_view_class, edit_view_class, delete_view_class = audited_views("onboarding.document_type")


class DocumentRequirementViewSet(SnippetViewSet):
    model = DocumentRequirement
    icon = "table"
    menu_label = _("Document matrix")
    copy_view_enabled = True
    filterset_class = DocumentRequirementFilterSet
    list_display = ["document_type", "category", "cooperation_mode",
                    _flag_column(DocumentRequirement, "cross_border"),
                    _flag_column(DocumentRequirement, "required")]
    panels = [
        FieldPanel("document_type"),
        FieldRowPanel([FieldPanel("category"), FieldPanel("cooperation_mode"), FieldPanel("cross_border")]),
        FieldPanel("required"),
    ]
    add_view_class, edit_view_class, delete_view_class = audited_views("onboarding.document_requirement")


class CalendarDayViewSet(SnippetViewSet):
    model = CalendarDay
    icon = "date"
    menu_label = _("Working-day calendar")
    copy_view_enabled = False
    filterset_class = CalendarDayFilterSet
    list_display = ["date", "kind", "name"]
    search_fields = ["name"]
    search_backend_name = None
    ordering = ["-date"]
    panels = [FieldRowPanel([FieldPanel("date"), FieldPanel("kind")]), FieldPanel("name")]
    add_view_class, edit_view_class, delete_view_class = audited_views("portal.calendar_day")


class RecruitmentSetupGroup(SnippetViewSetGroup):
    """Menu "Recruitment set-up": what the review runs on."""

    menu_label = _("Recruitment set-up")
    menu_icon = "cogs"
    menu_name = "recruitment_setup"
    menu_order = 160
    items = (SquadViewSet, DocumentTypeViewSet, DocumentRequirementViewSet, CalendarDayViewSet)
