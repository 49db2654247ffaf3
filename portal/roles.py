"""Staff roles are Django groups with a fixed code. They are created (and their model permissions kept
in step) after every migrate, and by `manage.py bootstrap_roles`. Object-level grants (an application of
one squad) are django-guardian permissions, given and taken only by services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REVIEWER = "recruitment_reviewer", _("Recruitment reviewer")
    LEAD = "recruitment_lead", _("Recruitment lead")
    COMPLIANCE = "compliance", _("Compliance reviewer")
    FINANCE = "finance", _("Finance")
    MANAGEMENT = "management", _("Management")
    EDITOR = "editor", _("Content editor")
    ADMIN = "admin", _("Administrator")


# Model permissions ("app_label.codename") each role holds. Every role can enter the Wagtail admin.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.REVIEWER: ["wagtailadmin.access_admin"],
    Role.LEAD: ["wagtailadmin.access_admin"],
    Role.COMPLIANCE: ["wagtailadmin.access_admin"],
    Role.FINANCE: ["wagtailadmin.access_admin"],
    # the second approver of money actions above the four-eyes threshold (BUSINESS_RULES §1, §4.3)
    Role.MANAGEMENT: ["wagtailadmin.access_admin"],
    Role.EDITOR: [
        "wagtailadmin.access_admin",
        "portal.add_policyitem", "portal.change_policyitem", "portal.view_policyitem",
        "portal.add_policyitemversion", "portal.change_policyitemversion", "portal.view_policyitemversion",
        "wagtailimages.add_image", "wagtailimages.change_image", "wagtailimages.choose_image",
        "wagtaildocs.add_document", "wagtaildocs.change_document", "wagtaildocs.choose_document",
    ],
    Role.ADMIN: [
        "wagtailadmin.access_admin",
        "portal.add_user", "portal.change_user", "portal.view_user",
        "auth.add_group", "auth.change_group", "auth.view_group",
        "portal.add_category", "portal.change_category", "portal.view_category",
        "wagtailcore.add_locale", "wagtailcore.change_locale",
        "wagtailcore.add_site", "wagtailcore.change_site",
        # the review's reference data (Recruitment set-up in the admin)
        "portal.add_squad", "portal.change_squad", "portal.delete_squad", "portal.view_squad",
        "portal.add_calendarday", "portal.change_calendarday", "portal.delete_calendarday", "portal.view_calendarday",
        "onboarding.add_documenttype", "onboarding.change_documenttype", "onboarding.view_documenttype",
        "onboarding.add_documentrequirement", "onboarding.change_documentrequirement",
        "onboarding.delete_documentrequirement", "onboarding.view_documentrequirement",
    ],
}

# ---- commission engine (contracts): who sees a contract's commission and the commission tables, who drafts
# a table (finance, administrators) and who approves one in its two-person workflow (finance, administrators,
# the recruitment lead; never the one who submitted it). Approving publishes, so approvers hold "publish";
# nobody publishes a table directly (the admin offers only the workflow).
COMMISSION_VIEW = ["contracts.view_commissiontableversion", "contracts.view_commissionschedule",
                   "contracts.view_commissionoverride"]
COMMISSION_EDIT = ["contracts.add_commissionschedule", "contracts.change_commissionschedule",
                   "contracts.lock_commissionschedule"]
COMMISSION_APPROVE = ["contracts.publish_commissionschedule"]
for _role, _extra in {
    Role.LEAD: COMMISSION_VIEW + COMMISSION_APPROVE,
    Role.COMPLIANCE: COMMISSION_VIEW,
    Role.FINANCE: COMMISSION_VIEW + COMMISSION_EDIT + COMMISSION_APPROVE,
    Role.ADMIN: COMMISSION_VIEW + COMMISSION_EDIT + COMMISSION_APPROVE + ["contracts.unlock_commissionschedule"],
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_extra]
# ---- end commission engine

# ---- contract templates (contracts): editors draft them; a recruitment lead, compliance or an administrator who
# did not submit the change approves it in the two-person workflow, which publishes it (never directly).
TEMPLATE_EDIT = ["contracts.change_contracttemplate", "contracts.view_contracttemplate",
                 "contracts.lock_contracttemplate", "contracts.unlock_contracttemplate",
                 "contracts.view_contracttemplateversion"]
TEMPLATE_APPROVE = ["contracts.view_contracttemplate", "contracts.publish_contracttemplate",
                    "contracts.view_contracttemplateversion"]
ROLE_PERMISSIONS[Role.EDITOR] = [*ROLE_PERMISSIONS[Role.EDITOR], *TEMPLATE_EDIT]
for _role in (Role.LEAD, Role.COMPLIANCE, Role.ADMIN):
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *TEMPLATE_APPROVE]
# ---- end contract templates

# ---- billing deposit: finance (who pays refunds to them) and compliance may reveal a merchant's full bank account
# number, with a reason, audited (BUSINESS_RULES §1, §12)
for _role in (Role.FINANCE, Role.COMPLIANCE):
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], "billing.unmask_bankaccount"]
# ---- end billing deposit

# Roles that may edit the policy site's pages (granted on the root page of the tree).
PAGE_EDITOR_ROLES = [Role.EDITOR]
PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]


def role_group(role: str) -> Group:
    return Group.objects.get(name=role)


def roles_sync() -> list[Group]:
    """Create every role's group and give it exactly its listed permissions. Idempotent."""
    groups = []
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = []
        for dotted in ROLE_PERMISSIONS[role]:
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
        groups.append(group)
    _grant_page_permissions()
    return groups


def _grant_page_permissions() -> None:
    from wagtail.models import GroupPagePermission, Page

    root = Page.get_first_root_node()
    if root is None:
        return
    for role in PAGE_EDITOR_ROLES:
        group = Group.objects.get(name=role.value)
        for codename in PAGE_PERMISSIONS:
            perm = Permission.objects.filter(content_type__app_label="wagtailcore", codename=codename).first()
            if perm is not None:
                GroupPagePermission.objects.get_or_create(group=group, page=root, permission=perm)


def roles_sync_after_migrate(sender, **kwargs) -> None:
    # The portal app migrates (and signals) before the apps after it in INSTALLED_APPS, and before auth has
    # created this run's model permissions; create them all first so a fresh database gets full roles.
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from wagtail.snippets.models import create_extra_permissions

    using = kwargs.get("using", "default")
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    # and Wagtail's own for snippets (publish, lock, unlock), which it would create only after this signal
    create_extra_permissions(apps.get_app_config("wagtailsnippets"), verbosity=0, using=using)
    roles_sync()


def user_has_role(user, role: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=role).exists()


def staff_roles(user: Any) -> frozenset[str]:
    """The user's staff roles, read once per request (cached on the user object); superusers hold all."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset(role.value for role in Role)
        else:
            cached = frozenset(user.groups.filter(name__in=[r.value for r in Role]).values_list("name", flat=True))
        user._portal_roles = cached
    return cached


def user_has_any_role(user: Any, roles: frozenset[str] | set[str]) -> bool:
    return bool(staff_roles(user) & set(roles))


class RoleRequiredMixin:
    """Class-based admin views declare `required_roles`; anyone without one of them gets 403 before any work."""

    required_roles: frozenset[str] = frozenset()

    def dispatch(self, request, *args, **kwargs):
        if not user_has_any_role(request.user, self.required_roles):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
