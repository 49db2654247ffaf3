"""The admin of contract templates (Contracts → Contract templates): the editable snippet of each mode, with
Wagtail's drafts, revisions, locking, PDF preview and the two-person approval workflow, and the frozen versions
(read-only: a version is made only by publishing)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.views.snippets import CreateView, EditView, SnippetViewSet, SnippetViewSetGroup, UnpublishView

from .models import ContractTemplate, ContractTemplateVersion


class _NoDirectPublish:
    """A template is published only by its approval in the workflow (ContractTemplate.publish refuses otherwise)."""

    def get_available_actions(self):
        return [action for action in super().get_available_actions() if action != "publish"]


class ContractTemplateCreateView(_NoDirectPublish, CreateView):
    pass


class ContractTemplateEditView(_NoDirectPublish, EditView):
    pass


class ContractTemplateUnpublishView(UnpublishView):
    """Contracts use the frozen versions; taking the snippet out of "live" would change nothing, so it is refused."""

    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied


def hide_template_direct_publish(menu_items, request, context) -> None:
    """construct_snippet_action_menu hook: no Publish (nor Unpublish) item for contract templates."""
    if context.get("model") is ContractTemplate:
        menu_items[:] = [item for item in menu_items if item.name not in ("action-publish", "action-unpublish")]


class ContractTemplateViewSet(SnippetViewSet):
    model = ContractTemplate
    add_view_class = ContractTemplateCreateView
    edit_view_class = ContractTemplateEditView
    unpublish_view_class = ContractTemplateUnpublishView
    icon = "doc-full"
    menu_label = _("Contract templates")
    copy_view_enabled = False
    list_display = ["mode", "title_zh", "title_en", "effective_from"]
    ordering = ["mode"]


class FrozenVersionPermissionPolicy(ModelPermissionPolicy):
    """A version is made only by publishing its template: the admin lets nobody, superusers included, add, edit or
    delete one (PostgreSQL refuses it too, migration 0008)."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([action for action in actions if action == "view"])


register_permission_policy(ContractTemplateVersion, FrozenVersionPermissionPolicy(ContractTemplateVersion))


class ContractTemplateVersionViewSet(SnippetViewSet):
    model = ContractTemplateVersion
    icon = "history"
    menu_label = _("Template versions")
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["mode", "number", "effective_from", "title_zh", "content_sha256", "approved_by", "published_at"]
    list_filter = ["mode"]
    ordering = ["mode", "-number"]


class ContractTemplatesGroup(SnippetViewSetGroup):
    menu_label = _("Contract templates")
    menu_icon = "doc-full"
    menu_order = 320
    items = (ContractTemplateViewSet, ContractTemplateVersionViewSet)
