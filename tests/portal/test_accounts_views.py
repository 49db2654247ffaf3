import re

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from portal.accounts import services
from portal.accounts.decorators import SESSION_MERCHANT_KEY
from portal.models import MerchantMembership, User

from .accounts_support import PASSWORD, link_path, owner_with_merchant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _restore_language():
    """Requests activate their URL's language in this thread; put the default back for the tests after us."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def url(name, lang="en", **kwargs):
    with translation.override(lang):
        return reverse(name, kwargs=kwargs or None)


SIGNUP_DATA = {
    "organisation_name": "Acme Trading",
    "kind": "merchant",
    "email": "Ana@Example.com",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "language": "en",
}


# --- sign-up and verification --------------------------------------------------------------------------------


def test_signup_page_signs_up_logs_in_and_the_emailed_link_verifies(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("accounts:signup"), SIGNUP_DATA)
    assert response.status_code == 302
    assert response["Location"] == url("accounts:verification_pending")

    user = User.objects.get(email="ana@example.com")
    assert user.merchant_memberships.get().role == MerchantMembership.Role.OWNER
    assert user.merchants.get().name == "Acme Trading"
    assert len(mail.outbox) == 1

    pending = client.get(url("accounts:verification_pending"))
    assert "ana@example.com" in pending.content.decode()

    response = client.get(link_path(mail.outbox[0]))
    assert response.status_code == 302
    assert response["Location"] == url("portal:home")
    user.refresh_from_db()
    assert user.email_verified_at is not None
    home = client.get(url("portal:home")).content.decode()
    assert "is confirmed" in home
    assert "Acme Trading" in home


def test_signup_shows_errors_beside_the_fields(client):
    owner_with_merchant(email="taken@example.com")
    data = {**SIGNUP_DATA, "email": "TAKEN@example.com", "password2": "something-else-9", "organisation_name": ""}
    response = client.post(url("accounts:signup"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "already exists" in form.errors["email"][0]
    assert form.errors["password2"]
    assert form.errors["organisation_name"]
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert User.objects.count() == 1


def test_signup_refuses_a_weak_password(client):
    response = client.post(url("accounts:signup"), {**SIGNUP_DATA, "password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200
    assert response.context["form"].errors["password2"]
    assert not User.objects.filter(email="ana@example.com").exists()


def test_bad_or_expired_verification_link_gives_a_clear_message(client):
    response = client.get(url("accounts:verify_email", token="not-a-real-token"))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_resend_sends_a_new_link(client, django_capture_on_commit_callbacks):
    user, _merchant = owner_with_merchant(verified=False)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("accounts:verification_resend"))
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert link_path(mail.outbox[0]).startswith("/en/accounts/verify-email/")
    assert client.get(url("accounts:verification_resend")).status_code == 405


@pytest.mark.parametrize(("lang", "labels", "html_lang"), [
    ("en", ["Organisation name", "Email address", "Password", "Language for our emails", "Create account"], "en"),
    ("zh-hans", ["密码"], "zh-hans"),
])
def test_signup_page_renders_in_both_languages(client, lang, labels, html_lang):
    response = client.get(url("accounts:signup", lang=lang))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{html_lang}">' in html
    for label in labels:
        assert label in html
    for name in ["organisation_name", "kind", "email", "password1", "password2", "language"]:
        assert f'name="{name}"' in html
    assert response.context["form"]["language"].initial == lang


# --- login, logout, password reset ---------------------------------------------------------------------------


def test_login_with_email_in_any_case_then_logout_by_post(client):
    owner_with_merchant(email="ana@example.com")
    response = client.post(url("accounts:login"), {"username": "ANA@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == url("portal:home")
    assert client.get(url("portal:home")).context["user"].email == "ana@example.com"

    assert client.get(url("accounts:logout")).status_code == 405
    client.post(url("accounts:logout"))
    assert client.get(url("portal:home")).status_code == 302


def test_login_with_a_wrong_password_says_so(client):
    owner_with_merchant(email="ana@example.com")
    response = client.post(url("accounts:login"), {"username": "ana@example.com", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_password_reset_mails_a_known_user_and_answers_an_unknown_address_the_same(
    client, django_capture_on_commit_callbacks
):
    user, _merchant = owner_with_merchant(email="ana@example.com", language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(url("accounts:password_reset"), {"email": "Ana@example.com"})
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post(url("accounts:password_reset"), {"email": "nobody@example.com"})
    assert len(mail.outbox) == 1

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == url("accounts:password_reset_done")

    message = mail.outbox[0]
    assert message.to == ["ana@example.com"]
    path = link_path(message)
    assert path.startswith("/zh-hans/accounts/password-reset/")  # the user's language, not the page's
    confirm = client.get(path, follow=True)
    assert confirm.context["validlink"]
    new_password = "Another-Horse-77"
    client.post(confirm.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_reset_link_works_once(client, django_capture_on_commit_callbacks):
    owner_with_merchant(email="ana@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("accounts:password_reset"), {"email": "ana@example.com"})
    path = link_path(mail.outbox[0])
    confirm = client.get(path, follow=True)
    client.post(confirm.redirect_chain[-1][0], {"new_password1": "Another-Horse-77",
                                                "new_password2": "Another-Horse-77"})
    again = Client().get(path, follow=True)
    assert again.context["validlink"] is False
    assert "already used or has expired" in again.content.decode()


def test_forms_refuse_posts_without_csrf_token():
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(url("accounts:signup"), SIGNUP_DATA).status_code == 403
    assert csrf_client.post(url("accounts:login"), {"username": "a@b.c", "password": "x"}).status_code == 403
    assert not User.objects.exists()


# --- the merchant area and its access rule ------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(url("portal:team"))
    assert response.status_code == 302
    assert response["Location"].startswith(url("accounts:login") + "?next=")


def test_unverified_user_is_redirected_and_sees_no_application_link(client):
    user, _merchant = owner_with_merchant(verified=False)
    client.force_login(user)
    response = client.get(url("portal:team"))
    assert response.status_code == 302
    assert response["Location"] == url("accounts:verification_pending")
    home = client.get(url("portal:home"))
    assert home.context["todos"] == []
    assert "Please confirm your email address" in home.content.decode()
    assert url("onboarding:application_start") not in home.content.decode()


def test_home_of_a_new_organisation_has_the_application_as_its_one_to_do(client):
    user, _merchant = owner_with_merchant()
    client.force_login(user)
    response = client.get(url("portal:home"))
    assert [entry["todo"].key for entry in response.context["todos"]] == ["onboarding.start"]
    html = response.content.decode()
    assert f'href="{url("onboarding:application_start")}"' in html
    assert "Applicant" in html and "You have not applied yet." in html


def test_team_page_lists_members_and_owners_invite_end_to_end(django_capture_on_commit_callbacks):
    owner, merchant = owner_with_merchant()
    owner_client = Client()
    owner_client.force_login(owner)
    page = owner_client.get(url("portal:team"))
    assert page.context["can_manage"] and page.context["can_invite"]
    assert owner.email in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url("portal:team"), {"email": "colleague@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    accept_path = link_path(mail.outbox[0])

    invitee = Client()
    page = invitee.get(accept_path)
    assert page.status_code == 200
    assert merchant.name in page.content.decode()
    response = invitee.post(accept_path, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == url("portal:home")
    member = User.objects.get(email="colleague@example.com")
    assert MerchantMembership.objects.get(merchant=merchant, user=member).role == MerchantMembership.Role.OPERATIONS

    # the new member (operations, the default role) sees the team but may not invite
    team = invitee.get(url("portal:team"))
    assert team.status_code == 200
    assert team.context["can_invite"] is False
    assert team.context["form"] is None
    refused = invitee.post(url("portal:team"), {"email": "friend@example.com"}, follow=True)
    assert "Only an owner or an admin of your organisation can invite colleagues." in refused.content.decode()
    assert len(mail.outbox) == 1

    # the same link again is refused
    again = Client().get(accept_path)
    assert again.status_code == 400
    assert "already been used" in again.content.decode()

    # a tampered link is refused
    tampered = re.sub(r"/accept-invite/(.)", lambda m: "/accept-invite/" + ("Z" if m.group(1) != "Z" else "Y"),
                      accept_path)
    refused = Client().get(tampered)
    assert refused.status_code == 400
    assert "not valid" in refused.content.decode()


def test_invited_existing_user_logs_in_then_accepts(client, django_capture_on_commit_callbacks):
    owner, merchant = owner_with_merchant()
    existing, _other = owner_with_merchant(email="bo@example.com", organisation="Bo Ltd")
    token = services.merchant_invite(merchant=merchant, email="bo@example.com", actor=owner)
    accept = url("accounts:invitation_accept", token=token)

    page = client.get(accept)
    assert page.context["has_account"]
    assert page.context["form"] is None
    assert client.post(accept).status_code == 200  # nothing happens without logging in
    assert not MerchantMembership.objects.filter(merchant=merchant, user=existing).exists()

    client.force_login(existing)
    response = client.post(accept)
    assert response.status_code == 302
    assert MerchantMembership.objects.filter(merchant=merchant, user=existing).exists()
    assert client.session[SESSION_MERCHANT_KEY] == merchant.pk


def test_invitation_for_another_address_is_refused_to_a_signed_in_user(client):
    owner, merchant = owner_with_merchant()
    intruder, _other = owner_with_merchant(email="intruder@example.com", organisation="Other")
    token = services.merchant_invite(merchant=merchant, email="bo@example.com", actor=owner)
    client.force_login(intruder)
    page = client.post(url("accounts:invitation_accept", token=token))
    assert page.status_code == 200
    assert page.context["wrong_account"]
    assert not MerchantMembership.objects.filter(merchant=merchant, user=intruder).exists()


def test_owner_removes_a_member_from_the_team_page(client, django_capture_on_commit_callbacks):
    owner, merchant = owner_with_merchant()
    token = services.merchant_invite(merchant=merchant, email="m@example.com", actor=owner)
    member = services.invitation_accept(token=token, password=PASSWORD)
    client.force_login(owner)
    response = client.post(url("portal:team_member_remove", membership_id=member.pk))
    assert response.status_code == 302
    assert not MerchantMembership.objects.filter(pk=member.pk).exists()

    own = MerchantMembership.objects.get(merchant=merchant, user=owner)
    remove_own = url("portal:team_member_remove", membership_id=own.pk)
    assert remove_own not in client.get(url("portal:team")).content.decode()  # no button for the last owner
    response = client.post(remove_own, follow=True)
    assert MerchantMembership.objects.filter(pk=own.pk).exists()
    assert [str(m) for m in response.context["messages"]] == ["The last owner of an organisation cannot be removed."]


def test_a_member_of_one_organisation_cannot_reach_another(client):
    owner_a, merchant_a = owner_with_merchant(email="a@example.com", organisation="Alpha Ltd")
    owner_b, merchant_b = owner_with_merchant(email="b@example.com", organisation="Beta Ltd")
    membership_b = merchant_b.memberships.get()
    client.force_login(owner_a)

    team = client.get(url("portal:team")).content.decode()
    assert "Alpha Ltd" in team
    assert "Beta Ltd" not in team and "b@example.com" not in team

    assert client.post(url("portal:team_member_remove", membership_id=membership_b.pk)).status_code == 404
    assert MerchantMembership.objects.filter(pk=membership_b.pk).exists()
    assert client.post(url("portal:merchant_switch"), {"merchant": merchant_b.pk}).status_code == 404
    assert client.post(url("portal:merchant_switch"), {"merchant": "x"}).status_code == 404

    # a session pointing at a foreign organisation falls back to the user's own
    session = client.session
    session[SESSION_MERCHANT_KEY] = merchant_b.pk
    session.save()
    assert client.get(url("portal:team")).context["merchant"] == merchant_a


@pytest.mark.parametrize("bad", ["9" * 30, str(2**63), "²", "-1", "", "1.5"])
def test_switching_to_an_id_that_is_not_one_is_a_404(client, bad):
    owner, merchant = owner_with_merchant()
    client.force_login(owner)
    response = client.post(url("portal:merchant_switch"), {"merchant": bad})
    assert response.status_code == 404
    assert client.get(url("portal:team")).context["merchant"] == merchant


@pytest.mark.parametrize("bad", ["9" * 30, str(2**63)])
def test_merchant_pages_with_ids_beyond_64_bits_are_404(client, bad):
    owner, _merchant = owner_with_merchant()
    client.force_login(owner)
    assert client.post(url("portal:team_member_remove", membership_id=bad)).status_code == 404
    for path in (f"{bad}/", f"files/{bad}/", f"{bad}/documents/{bad}/remove/"):
        response = client.post(f"/en/portal/applications/{path}") if "remove" in path else client.get(
            f"/en/portal/applications/{path}")
        assert response.status_code == 404


def test_a_user_in_two_organisations_switches_between_them(client):
    owner_a, merchant_a = owner_with_merchant(email="a@example.com", organisation="Alpha Ltd")
    owner_b, merchant_b = owner_with_merchant(email="b@example.com", organisation="Beta Ltd")
    token = services.merchant_invite(merchant=merchant_b, email="a@example.com", actor=owner_b)
    services.invitation_accept(token=token, user=owner_a)
    client.force_login(owner_a)

    assert client.get(url("portal:team")).context["merchant"] == merchant_a
    client.post(url("portal:merchant_switch"), {"merchant": merchant_b.pk})
    team = client.get(url("portal:team"))
    assert team.context["merchant"] == merchant_b
    assert team.context["can_manage"] is False


def test_team_page_queries_do_not_grow_with_the_team(client):
    owner, merchant = owner_with_merchant()
    client.force_login(owner)
    client.get(url("portal:team"))  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as small:
        client.get(url("portal:team"))
    for n in range(5):
        token = services.merchant_invite(merchant=merchant, email=f"m{n}@example.com", actor=owner)
        services.invitation_accept(token=token, password=PASSWORD)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url("portal:team"))
    assert len(response.context["memberships"]) == 6
    assert len(large.captured_queries) == len(small.captured_queries)
