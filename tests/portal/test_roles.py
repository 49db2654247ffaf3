import pytest
from django.contrib.auth.models import Group

from portal.roles import Role, roles_sync, user_has_role
from tests.factories.portal import UserFactory

pytestmark = pytest.mark.django_db


def test_every_role_exists_after_migrate_with_admin_access():
    names = set(Group.objects.values_list("name", flat=True))
    assert {r.value for r in Role} <= names
    reviewer = UserFactory()
    reviewer.groups.add(Group.objects.get(name=Role.REVIEWER))
    assert reviewer.has_perm("wagtailadmin.access_admin")
    assert not reviewer.has_perm("portal.change_policyitem")
    assert user_has_role(reviewer, Role.REVIEWER)
    assert not user_has_role(reviewer, Role.FINANCE)


def test_roles_sync_is_idempotent_and_editors_edit_policy_items():
    roles_sync()
    roles_sync()
    editor = UserFactory()
    editor.groups.add(Group.objects.get(name=Role.EDITOR))
    assert editor.has_perm("portal.change_policyitem")
    assert Group.objects.filter(name=Role.EDITOR).count() == 1
