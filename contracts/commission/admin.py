"""Wagtail admin of commission tables: a snippet with drafts, revisions, a lock, a preview and the two-person
workflow. Nobody publishes a table directly (the Publish action is taken out of the menu and refused by the
views): it goes live only when a second person approves it in the workflow, and publishing freezes it as the
next table version (`contracts.commission.tables`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, LiveStatusTagColumn
from wagtail.snippets.views.snippets import CreateView, EditView, IndexView, SnippetViewSet, UnpublishView

from contracts.models import CommissionSchedule

from .tables import schedule_errors


def _rows(formset, fields: tuple[str, ...]) -> list[tuple]:
    if formset is None:
        return []
    formset.is_valid()
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("DELETE") or any(data.get(name) is None for name in fields if name != "category"):
            continue
        rows.append(tuple(data.get(name) for name in fields))
    return rows


class CommissionScheduleForm(WagtailAdminModelForm):
    """The table rules of `schedule_errors`, with their messages on the fields."""

    def clean(self):
        cleaned = super().clean()
        errors = schedule_errors(
            effective_from=cleaned.get("effective_from"),
            rates=_rows(self.formsets.get("category_rates"), ("category", "rate_percent")),
            bands=_rows(self.formsets.get("ladder_bands"), ("category", "min_gmv", "rate_percent")),
        )
        for name, messages in errors.items():
            self.add_error(name if name in self.fields else None, messages)
        return cleaned


class _NoDirectPublish:
    """A table is published only by its approval in the workflow."""

    def get_available_actions(self):
        return [action for action in super().get_available_actions() if action != "publish"]


class CommissionScheduleCreateView(_NoDirectPublish, CreateView):
    pass


class CommissionScheduleEditView(_NoDirectPublish, EditView):
    pass


class CommissionScheduleIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().prefetch_related("versions")


def _version_numbers(schedule: CommissionSchedule) -> str:
    return ", ".join(f"v{version.number}" for version in sorted(schedule.versions.all(), key=lambda v: v.number))


class CommissionScheduleUnpublishView(UnpublishView):
    """Versions are frozen; taking a table out of the admin's "live" state would change nothing, so it is
    refused rather than offered."""

    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied


class CommissionScheduleViewSet(SnippetViewSet):
    model = CommissionSchedule
    icon = "table"
    menu_label = _("Commission tables")
    menu_name = "commission_tables"
    add_to_admin_menu = True
    menu_order = 320
    index_view_class = CommissionScheduleIndexView
    add_view_class = CommissionScheduleCreateView
    edit_view_class = CommissionScheduleEditView
    unpublish_view_class = CommissionScheduleUnpublishView
    list_display = ["title", "effective_from", "change_note",
                    Column("versions", label=_("Versions"), accessor=_version_numbers), LiveStatusTagColumn()]
    list_filter = ["live"]
    search_fields = ["title", "change_note"]
    search_backend_name = None
    ordering = ["-effective_from", "-pk"]
    edit_handler = ObjectList([
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("effective_from"), FieldPanel("change_note")]),
        InlinePanel("category_rates", label=_("Category base rates"), min_num=1,
                    panels=[FieldRowPanel([FieldPanel("category"), FieldPanel("rate_percent")])]),
        InlinePanel("ladder_bands", label=_("GMV ladder"),
                    panels=[FieldRowPanel([FieldPanel("category"), FieldPanel("min_gmv"), FieldPanel("rate_percent")])],
                    help_text=_("A band's rate replaces the base rate from its previous-period GMV (inclusive) "
                                "for the whole period. A contract's own ladder wins over this one.")),
        MultiFieldPanel([FieldRowPanel([FieldPanel("launch_multiplier"), FieldPanel("launch_months")])],
                        heading=_("Launch offer")),
        MultiFieldPanel([FieldRowPanel([FieldPanel("discount_a"), FieldPanel("discount_b"), FieldPanel("discount_c"),
                                        FieldPanel("discount_d"), FieldPanel("discount_e")])],
                        heading=_("Credit discounts (relative)")),
        FieldPanel("floor_percent"),
    ], base_form_class=CommissionScheduleForm)


def hide_direct_publish(menu_items, request, context) -> None:
    """construct_snippet_action_menu hook: no Publish (nor Unpublish) item for commission tables."""
    if context.get("model") is CommissionSchedule:
        menu_items[:] = [item for item in menu_items if item.name not in ("action-publish", "action-unpublish")]
