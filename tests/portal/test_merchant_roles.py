"""Merchant-side roles: every action a merchant user can take, allowed or refused for every role, in the service
and on the page (a clear message, never a 500), and a user of another organisation gets 404."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from onboarding.models import Application, ApplicationStatus
from onboarding.services import application_create, application_submit, application_update_step, application_withdraw
from portal.accounts import services
from portal.accounts.permissions import ROLE_CAPABILITIES, Capability, role_can
from portal.audit import audit_entries_for
from portal.exceptions import ApplicationError, PermissionDenied
from portal.models import MerchantMembership
from tests.factories.onboarding import draft_application, merchant_user
from tests.onboarding.views_support import url
from tests.onboarding.workflow import app_in, world_build

pytestmark = pytest.mark.django_db

R = MerchantMembership.Role
S = ApplicationStatus
ROLES = list(R.values)

# the table the operator asked for (operator guide §2.2): who may do what
EXPECTED = {
    Capability.SUBMIT_APPLICATION: {R.OWNER, R.ADMIN},
    Capability.WITHDRAW_APPLICATION: {R.OWNER, R.ADMIN},
    Capability.INVITE: {R.OWNER, R.ADMIN},
    Capability.ACCEPT_CONTRACT: {R.OWNER, R.ADMIN},
    Capability.MANAGE_ROLES: {R.OWNER},
    Capability.EDIT_APPLICATION: {R.OWNER, R.ADMIN, R.OPERATIONS},
    Capability.PAY: {R.OWNER, R.ADMIN, R.FINANCE},
    Capability.READ_STATEMENTS: {R.OWNER, R.ADMIN, R.FINANCE},
    Capability.RESPOND_STATEMENTS: {R.OWNER, R.ADMIN, R.FINANCE},
    Capability.MANAGE_API_TOKENS: {R.OWNER},
}


@pytest.fixture(autouse=True)
def _english():
    """The refusals are read in English; requests activate their URL's language, put the default back after."""
    translation.activate("en")
    yield
    translation.activate(settings.LANGUAGE_CODE)


def colleague(merchant, role: str):
    _merchant, user = merchant_user(merchant, role=role, email_verified_at=timezone.now())
    return user


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("capability", list(Capability))
@pytest.mark.parametrize("role", ROLES)
def test_the_role_table(role, capability):
    assert role_can(role, capability) == (role in EXPECTED[capability])
    assert set(ROLE_CAPABILITIES) == set(ROLES)


# --- the application: services ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_submit_application_by_role(role):
    app = draft_application()
    actor = colleague(app.merchant, role)
    if role_can(role, Capability.SUBMIT_APPLICATION):
        assert application_submit(application=app, actor=actor).status == S.SUBMITTED
    else:
        with pytest.raises(PermissionDenied, match="Only an owner or an admin"):
            application_submit(application=app, actor=actor)
        assert Application.objects.get(pk=app.pk).status == S.DRAFT


@pytest.mark.parametrize("role", ROLES)
def test_withdraw_application_by_role(role):
    app = draft_application()
    actor = colleague(app.merchant, role)
    if role_can(role, Capability.WITHDRAW_APPLICATION):
        assert application_withdraw(application=app, actor=actor, reason="x").status == S.WITHDRAWN
    else:
        with pytest.raises(PermissionDenied):
            application_withdraw(application=app, actor=actor, reason="x")
        assert Application.objects.get(pk=app.pk).status == S.DRAFT


@pytest.mark.parametrize("role", ROLES)
def test_edit_application_by_role(role):
    app = draft_application()
    actor = colleague(app.merchant, role)
    data = {"address": "2 Changed Road, Fuzhou"}
    if role_can(role, Capability.EDIT_APPLICATION):
        application_update_step(application=app, actor=actor, step="contacts", data=data)
        assert Application.objects.get(pk=app.pk).address == "2 Changed Road, Fuzhou"
    else:
        with pytest.raises(PermissionDenied, match="operations"):
            application_update_step(application=app, actor=actor, step="contacts", data=data)
        assert Application.objects.get(pk=app.pk).address != "2 Changed Road, Fuzhou"


@pytest.mark.parametrize("role", ROLES)
def test_start_application_by_role(role):
    merchant, _owner = merchant_user()
    actor = colleague(merchant, role)
    if role_can(role, Capability.EDIT_APPLICATION):
        assert application_create(merchant=merchant, actor=actor).status == S.DRAFT
    else:
        with pytest.raises(PermissionDenied):
            application_create(merchant=merchant, actor=actor)
        assert not Application.objects.filter(merchant=merchant).exists()


def test_a_user_of_another_organisation_may_do_nothing_to_the_application():
    app = draft_application()
    _other, outsider = merchant_user()
    for call in (lambda: application_submit(application=app, actor=outsider),
                 lambda: application_withdraw(application=app, actor=outsider),
                 lambda: application_update_step(application=app, actor=outsider, step="contacts",
                                                 data={"address": "x"})):
        with pytest.raises(PermissionDenied, match="Only users of the applying organisation"):
            call()


# --- the application: pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_submit_page_by_role(role):
    app = draft_application()
    client = logged_in(colleague(app.merchant, role))
    review = url("onboarding:application_review", pk=app.pk)
    page = client.get(review).content.decode()
    allowed = role_can(role, Capability.SUBMIT_APPLICATION)
    assert ("Submit application</button>" in page) == allowed
    response = client.post(review, follow=True)
    assert response.status_code == 200
    status = Application.objects.get(pk=app.pk).status
    if allowed:
        assert status == S.SUBMITTED
    else:
        assert status == S.DRAFT
        assert "Only an owner or an admin of your organisation can submit the application." in \
            response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_withdraw_page_by_role(role):
    app = draft_application()
    client = logged_in(colleague(app.merchant, role))
    status_page = client.get(url("onboarding:application_status", pk=app.pk)).content.decode()
    withdraw = url("onboarding:application_withdraw", pk=app.pk)
    allowed = role_can(role, Capability.WITHDRAW_APPLICATION)
    assert (withdraw in status_page) == allowed
    response = client.post(withdraw, {"reason": "changed plans", "confirm": "on"}, follow=True)
    assert response.status_code == 200
    assert (Application.objects.get(pk=app.pk).status == S.WITHDRAWN) == allowed
    if not allowed:
        assert "Only an owner or an admin of your organisation can withdraw the application." in \
            response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_wizard_step_page_by_role(role):
    app = draft_application()
    client = logged_in(colleague(app.merchant, role))
    step = url("onboarding:application_step", pk=app.pk, step="contacts")
    allowed = role_can(role, Capability.EDIT_APPLICATION)
    assert ('name="next"' in client.get(step).content.decode()) == allowed
    response = client.post(step, {"contact_name": "Li Si", "contact_phone": "13800138000",
                                  "contact_email": "li.si@example.com", "address": "9 New Road", "next": "1"},
                           follow=True)
    assert response.status_code == 200
    assert (Application.objects.get(pk=app.pk).address == "9 New Road") == allowed


@pytest.mark.parametrize("name", ["onboarding:application_status", "onboarding:application_review",
                                  "onboarding:application_withdraw"])
def test_another_organisations_user_gets_404_on_the_application_pages(name):
    app = draft_application()
    _other, outsider = merchant_user(email_verified_at=timezone.now())
    client = logged_in(outsider)
    assert client.get(url(name, pk=app.pk)).status_code == 404
    if name != "onboarding:application_status":  # a GET-only page
        assert client.post(url(name, pk=app.pk), {"reason": "x", "confirm": "on"}).status_code == 404
    assert Application.objects.get(pk=app.pk).status == S.DRAFT


# --- the team: services --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_invite_by_role(role):
    merchant, _owner = merchant_user()
    actor = colleague(merchant, role)
    if role_can(role, Capability.INVITE):
        token = services.merchant_invite(merchant=merchant, email="new@example.com", actor=actor, role=R.FINANCE)
        membership = services.invitation_accept(token=token, password="Correct-Horse-42")
        assert membership.role == R.FINANCE
    else:
        with pytest.raises(PermissionDenied, match="invite"):
            services.merchant_invite(merchant=merchant, email="new@example.com", actor=actor)


@pytest.mark.parametrize("role", ROLES)
def test_inviting_an_owner_needs_an_owner(role):
    merchant, _owner = merchant_user()
    actor = colleague(merchant, role)
    if role == R.OWNER:
        token = services.merchant_invite(merchant=merchant, email="co@example.com", actor=actor, role=R.OWNER)
        assert services.invitation_accept(token=token, password="Correct-Horse-42").role == R.OWNER
    else:
        with pytest.raises(PermissionDenied):
            services.merchant_invite(merchant=merchant, email="co@example.com", actor=actor, role=R.OWNER)


def test_an_admins_invitation_dies_when_the_admin_becomes_finance():
    merchant, owner = merchant_user()
    admin = colleague(merchant, R.ADMIN)
    token = services.merchant_invite(merchant=merchant, email="new@example.com", actor=admin)
    services.membership_role_change(membership=merchant.memberships.get(user=admin), role=R.FINANCE, actor=owner)
    with pytest.raises(ApplicationError, match="may no longer invite"):
        services.invitation_accept(token=token, password="Correct-Horse-42")


@pytest.mark.parametrize("role", ROLES)
def test_role_change_by_role(role):
    merchant, _owner = merchant_user()
    actor = colleague(merchant, role)
    target = merchant.memberships.get(user=colleague(merchant, R.OPERATIONS))
    if role_can(role, Capability.MANAGE_ROLES):
        assert services.membership_role_change(membership=target, role=R.FINANCE, actor=actor).role == R.FINANCE
        entry = audit_entries_for(target=merchant).get(action="portal.merchant.member_role_changed")
        assert (entry.data["from"], entry.data["to"], entry.actor) == (R.OPERATIONS, R.FINANCE, actor)
    else:
        with pytest.raises(PermissionDenied, match="Only an owner"):
            services.membership_role_change(membership=target, role=R.ADMIN, actor=actor)
        target.refresh_from_db()
        assert target.role == R.OPERATIONS


@pytest.mark.parametrize("role", ROLES)
def test_remove_member_by_role_and_everyone_may_leave(role):
    merchant, _owner = merchant_user()
    actor = colleague(merchant, role)
    target = merchant.memberships.get(user=colleague(merchant, R.OPERATIONS))
    if role_can(role, Capability.MANAGE_ROLES):
        services.membership_remove(membership=target, actor=actor)
        assert not MerchantMembership.objects.filter(pk=target.pk).exists()
    else:
        with pytest.raises(PermissionDenied):
            services.membership_remove(membership=target, actor=actor)
        assert MerchantMembership.objects.filter(pk=target.pk).exists()
    own = merchant.memberships.get(user=actor)
    services.membership_remove(membership=own, actor=actor)  # leaving is always allowed (another owner remains)
    assert not MerchantMembership.objects.filter(pk=own.pk).exists()


def test_the_organisation_always_keeps_an_owner_and_ownership_is_handed_over_atomically():
    merchant, owner = merchant_user()
    own = merchant.memberships.get(user=owner)
    successor = merchant.memberships.get(user=colleague(merchant, R.OPERATIONS))
    with pytest.raises(ApplicationError, match="needs an owner"):
        services.membership_role_change(membership=own, role=R.ADMIN, actor=owner)
    with pytest.raises(ApplicationError, match="last owner"):
        services.membership_remove(membership=own, actor=owner)
    with pytest.raises(ApplicationError, match="already the owner"):
        services.merchant_ownership_transfer(membership=own, actor=owner)

    services.merchant_ownership_transfer(membership=successor, actor=owner)
    own.refresh_from_db()
    successor.refresh_from_db()
    assert (own.role, successor.role) == (R.ADMIN, R.OWNER)
    entry = audit_entries_for(target=merchant).get(action="portal.merchant.ownership_transferred")
    assert entry.data["to_user_id"] == successor.user_id
    # the former owner, now admin, can no longer change roles
    with pytest.raises(PermissionDenied):
        services.membership_role_change(membership=successor, role=R.FINANCE, actor=owner)


def test_an_owner_of_another_organisation_cannot_touch_this_team():
    merchant, _owner = merchant_user()
    target = merchant.memberships.get(user=colleague(merchant, R.OPERATIONS))
    _other, outsider = merchant_user()
    with pytest.raises(PermissionDenied):
        services.membership_role_change(membership=target, role=R.ADMIN, actor=outsider)
    with pytest.raises(PermissionDenied):
        services.merchant_ownership_transfer(membership=target, actor=outsider)
    target.refresh_from_db()
    assert target.role == R.OPERATIONS


# --- the team: pages -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_team_page_by_role(role):
    merchant, _owner = merchant_user()
    actor = colleague(merchant, role)
    target = merchant.memberships.get(user=colleague(merchant, R.OPERATIONS))
    client = logged_in(actor)
    page = client.get(url("portal:team")).content.decode()
    manage = role_can(role, Capability.MANAGE_ROLES)
    invite = role_can(role, Capability.INVITE)
    assert (url("portal:team_member_role", membership_id=target.pk) in page) == manage
    assert ("Send invitation" in page) == invite
    assert ('<option value="owner"' in page.split('id="invite-heading"')[-1]) == manage  # only owners invite owners

    response = client.post(url("portal:team_member_role", membership_id=target.pk), {"role": R.ADMIN}, follow=True)
    assert response.status_code == 200
    target.refresh_from_db()
    assert (target.role == R.ADMIN) == manage
    if not manage:
        assert "Only an owner of your organisation can change roles or remove members." in response.content.decode()

    response = client.post(url("portal:team_ownership_transfer", membership_id=target.pk), follow=True)
    assert response.status_code == 200
    target.refresh_from_db()
    assert (target.role == R.OWNER) == manage

    response = client.post(url("portal:team"), {"email": "new@example.com", "role": R.FINANCE}, follow=True)
    assert response.status_code == 200
    assert ("We emailed an invitation" in response.content.decode()) == invite


def test_a_bad_role_on_the_team_page_is_a_message_not_a_500():
    merchant, owner = merchant_user(email_verified_at=timezone.now())
    target = merchant.memberships.get(user=colleague(merchant, R.OPERATIONS))
    client = logged_in(owner)
    response = client.post(url("portal:team_member_role", membership_id=target.pk), {"role": "emperor"}, follow=True)
    assert "Choose a role from the list." in response.content.decode()
    response = client.post(url("portal:team"), {"email": "x@example.com", "role": "emperor"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("name", ["portal:team_member_role", "portal:team_ownership_transfer",
                                  "portal:team_member_remove"])
def test_another_organisations_owner_gets_404_on_team_actions(name):
    merchant, _owner = merchant_user()
    target = merchant.memberships.get(user=colleague(merchant, R.OPERATIONS))
    _other, outsider = merchant_user(email_verified_at=timezone.now())
    response = logged_in(outsider).post(url(name, membership_id=target.pk), {"role": R.OWNER})
    assert response.status_code == 404
    target.refresh_from_db()
    assert target.role == R.OPERATIONS


def test_a_finance_user_sees_the_application_status_but_cannot_act():
    w = world_build()
    app = app_in(w, S.INFO_REQUESTED)
    client = logged_in(colleague(app.merchant, R.FINANCE))
    page = client.get(url("onboarding:application_status", pk=app.pk)).content.decode()
    assert "The recruitment team needs more information" in page
    assert "Send answers and resubmit</button>" not in page
    assert "Only an owner or an admin of your organisation can submit the application." in page
