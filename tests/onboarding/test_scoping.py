"""Who sees what: merchants only their own, reviewers only their squads', leads and compliance all."""

from __future__ import annotations

import pytest

from onboarding.selectors import (
    application_get_for_user,
    applications_for_user,
    document_file_get_for_user,
    review_queue,
)
from onboarding.services import application_reassign, application_submit, squad_grants_sync
from portal.exceptions import PermissionDenied
from portal.roles import Role
from tests.factories.onboarding import draft_application, merchant_user, squad_for, staff_user
from tests.factories.portal import CategoryFactory, UserFactory

from .workflow import owner, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_squads():
    w = world_build()
    other_category = CategoryFactory(code="fresh")
    reviewer_b = staff_user(Role.REVIEWER)
    squad_b = squad_for(other_category, members=[reviewer_b], name="Fresh squad")
    app_a = draft_application(category=w.category)
    app_a = application_submit(application=app_a, actor=owner(app_a))
    app_b = draft_application(category=other_category)
    app_b = application_submit(application=app_b, actor=owner(app_b))
    return w, squad_b, reviewer_b, app_a, app_b


def test_reviewer_sees_only_their_squads_applications(two_squads):
    w, _squad_b, reviewer_b, app_a, app_b = two_squads
    assert set(applications_for_user(w.reviewer)) == {app_a}
    assert set(applications_for_user(reviewer_b)) == {app_b}
    assert application_get_for_user(w.reviewer, app_b.pk) is None
    assert application_get_for_user(reviewer_b, app_b.pk) == app_b
    assert set(review_queue(w.reviewer)) == {app_a}


def test_leads_compliance_and_superusers_see_all(two_squads):
    w, _squad_b, _reviewer_b, app_a, app_b = two_squads
    superuser = UserFactory(email="root@example.com", is_superuser=True, is_staff=True)
    for user in (w.lead, w.compliance, superuser):
        assert {app_a, app_b} <= set(applications_for_user(user))


def test_merchant_users_see_only_their_merchants(two_squads):
    _w, _squad_b, _reviewer_b, app_a, app_b = two_squads
    assert set(applications_for_user(owner(app_a))) == {app_a}
    _merchant, colleague = merchant_user(app_a.merchant)
    assert set(applications_for_user(colleague)) == {app_a}
    assert application_get_for_user(owner(app_a), app_b.pk) is None
    assert application_get_for_user(owner(app_a), "not-a-number") is None
    assert application_get_for_user(owner(app_a), 999999) is None


def test_document_files_follow_the_same_rule(two_squads):
    w, _squad_b, reviewer_b, app_a, app_b = two_squads
    file_a = app_a.documents.first().files.get()
    assert document_file_get_for_user(owner(app_a), file_a.pk) == file_a
    assert document_file_get_for_user(w.reviewer, file_a.pk) == file_a
    assert document_file_get_for_user(owner(app_b), file_a.pk) is None
    assert document_file_get_for_user(reviewer_b, file_a.pk) is None
    assert document_file_get_for_user(reviewer_b, "1 OR 1=1") is None
    inactive = owner(app_a)
    inactive.is_active = False
    inactive.save()
    assert document_file_get_for_user(inactive, file_a.pk) is None


def test_reassignment_moves_the_grants(two_squads):
    w, squad_b, reviewer_b, app_a, _app_b = two_squads
    with pytest.raises(PermissionDenied):
        application_reassign(application=app_a, actor=w.reviewer, squad=squad_b)
    app = application_reassign(application=app_a, actor=w.lead, squad=squad_b, reason="Fresh produce really")
    assert app.squad == squad_b and app.assigned_reviewer == reviewer_b
    assert app_a not in set(applications_for_user(w.reviewer))
    assert app_a in set(applications_for_user(reviewer_b))


def test_reassignment_to_a_non_member_is_refused(two_squads):
    from django.core.exceptions import ValidationError

    w, _squad_b, reviewer_b, app_a, _app_b = two_squads
    with pytest.raises(ValidationError):
        application_reassign(application=app_a, actor=w.lead, reviewer=reviewer_b)


def test_squad_membership_change_is_synced(two_squads):
    w, _squad_b, _reviewer_b, app_a, _app_b = two_squads
    newcomer = staff_user(Role.REVIEWER)
    w.squad.members.add(newcomer)
    assert app_a not in set(applications_for_user(newcomer))
    assert squad_grants_sync(squad=w.squad) == 1
    assert app_a in set(applications_for_user(newcomer))
    w.squad.members.remove(w.reviewer2)
    squad_grants_sync(squad=w.squad)
    if app_a.assigned_reviewer != w.reviewer2:
        assert app_a not in set(applications_for_user(w.reviewer2))


def test_anonymous_sees_nothing():
    from django.contrib.auth.models import AnonymousUser

    assert not applications_for_user(AnonymousUser()).exists()
    assert application_get_for_user(AnonymousUser(), 1) is None
