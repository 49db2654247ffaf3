import time
from unittest import mock

import pytest
from django.core import mail, signing
from django.utils import translation

from portal.accounts import services
from portal.accounts.services import EmailTaken
from portal.accounts.tokens import TokenExpired, TokenInvalid, email_verify_token_make
from portal.audit import audit_entries_for
from portal.exceptions import ApplicationError, PermissionDenied
from portal.models import Merchant, MerchantMembership, User
from tests.factories.portal import UserFactory

from .accounts_support import PASSWORD, link_path, owner_with_merchant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages():
    """These tests match the services' English messages; the default language is Chinese."""
    with translation.override("en"):
        yield


def _invite(merchant, email, actor, callbacks):
    with callbacks(execute=True):
        return services.merchant_invite(merchant=merchant, email=email, actor=actor)


# --- sign-up and verification --------------------------------------------------------------------------------


def test_signup_creates_owner_of_a_new_organisation_and_mails_a_verification_link(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.merchant_signup(email=" Ana@Example.COM ", password=PASSWORD,
                                        organisation_name="  Acme Trading ", kind="supplier", language="en")

    assert user.email == "ana@example.com"
    assert user.is_active and user.email_verified_at is None
    assert user.check_password(PASSWORD)
    assert user.preferred_language == "en"
    membership = MerchantMembership.objects.get(user=user)
    assert membership.role == MerchantMembership.Role.OWNER
    assert (membership.merchant.name, membership.merchant.kind) == ("Acme Trading", "supplier")
    assert [e.action for e in audit_entries_for(target=user)] == ["portal.user.signed_up"]
    assert [e.action for e in audit_entries_for(target=membership.merchant)] == ["portal.merchant.created"]

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.com"]
    assert link_path(mail.outbox[0]).startswith("/en/accounts/verify-email/")


def test_verification_email_is_in_the_users_language(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.merchant_signup(email="li@example.com", password=PASSWORD, organisation_name="李氏商贸",
                                 kind="merchant", language="zh-hans")
    assert link_path(mail.outbox[0]).startswith("/zh-hans/accounts/verify-email/")


def test_signup_refuses_a_taken_address_in_any_case_and_rolls_nothing_in(django_capture_on_commit_callbacks):
    owner_with_merchant(email="taken@example.com")
    with pytest.raises(EmailTaken) as excinfo, django_capture_on_commit_callbacks(execute=True):
        services.merchant_signup(email="TAKEN@example.com", password=PASSWORD, organisation_name="Other",
                                 kind="merchant", language="en")
    assert excinfo.value.extra == {"field": "email"}
    assert Merchant.objects.count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize(("field", "kwargs"), [
    ("kind", {"kind": "wholesaler"}),
    ("organisation_name", {"organisation_name": "   "}),
    ("email", {"email": "not-an-address"}),
])
def test_signup_refuses_bad_input_naming_the_field(field, kwargs):
    data = {"email": "new@example.com", "password": PASSWORD, "organisation_name": "Acme", "kind": "merchant",
            "language": "en", **kwargs}
    with pytest.raises(ApplicationError) as excinfo:
        services.merchant_signup(**data)
    assert excinfo.value.extra["field"] == field
    assert not User.objects.exists()


def test_email_verify_marks_the_address_once_and_is_idempotent():
    user, _merchant = owner_with_merchant(verified=False)
    token = email_verify_token_make(user_id=user.pk, email=user.email)

    verified = services.email_verify(token=token)
    first_time = verified.email_verified_at
    assert first_time is not None
    assert services.email_verify(token=token).email_verified_at == first_time
    assert [e.action for e in audit_entries_for(target=user)] == ["portal.user.signed_up", "portal.user.email_verified"]


def test_email_verify_refuses_expired_tampered_and_outdated_tokens():
    user, _merchant = owner_with_merchant(verified=False)
    four_days_ago = time.time() - 4 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=four_days_ago):
        old = email_verify_token_make(user_id=user.pk, email=user.email)
    with pytest.raises(TokenExpired, match="expired"):
        services.email_verify(token=old)

    good = email_verify_token_make(user_id=user.pk, email=user.email)
    with pytest.raises(TokenInvalid):
        services.email_verify(token=good[:-2] + ("AA" if not good.endswith("AA") else "BB"))
    with pytest.raises(TokenInvalid):  # a token of another kind (same payload, other salt)
        services.email_verify(token=signing.dumps({"u": user.pk, "e": user.email}, salt="other"))

    user.email = "changed@example.com"
    user.save(update_fields=["email"])
    with pytest.raises(TokenInvalid):  # issued for the old address
        services.email_verify(token=good)
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_resend_does_nothing_for_a_verified_user(django_capture_on_commit_callbacks):
    user, _merchant = owner_with_merchant(verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.email_verification_request(user=user) is False
    assert mail.outbox == []


# --- invitations ---------------------------------------------------------------------------------------------


def test_owner_invites_and_a_new_person_joins_with_a_verified_account(django_capture_on_commit_callbacks):
    owner, merchant = owner_with_merchant()
    token = _invite(merchant, "Colleague@Example.com", owner, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["colleague@example.com"]
    assert merchant.name in mail.outbox[0].subject
    assert link_path(mail.outbox[0]).endswith(f"/accounts/accept-invite/{token}/")

    membership = services.invitation_accept(token=token, password=PASSWORD, language="zh-hans")
    assert membership.merchant == merchant
    assert membership.role == MerchantMembership.Role.OPERATIONS
    assert membership.user.email == "colleague@example.com"
    assert membership.user.email_verified_at is not None
    assert membership.user.preferred_language == "zh-hans"
    assert membership.user.check_password(PASSWORD)
    actions = [e.action for e in audit_entries_for(target=merchant)]
    assert actions == ["portal.merchant.created", "portal.merchant.member_invited",
                       "portal.merchant.invitation_accepted"]


def test_an_existing_user_accepts_signed_in_and_the_token_is_then_used_up(django_capture_on_commit_callbacks):
    owner, merchant = owner_with_merchant()
    other_owner, other_merchant = owner_with_merchant(email="bo@example.com", organisation="Bo Ltd", verified=False)
    token = _invite(merchant, "bo@example.com", owner, django_capture_on_commit_callbacks)

    membership = services.invitation_accept(token=token, user=other_owner)
    assert membership.merchant == merchant
    other_owner.refresh_from_db()
    assert other_owner.email_verified_at is not None  # the invitation reached the address
    assert set(other_owner.merchants.all()) == {merchant, other_merchant}

    with pytest.raises(TokenInvalid, match="already been used"):
        services.invitation_accept(token=token, user=other_owner)


def test_a_removed_member_cannot_rejoin_with_the_old_invitation(django_capture_on_commit_callbacks):
    owner, merchant = owner_with_merchant()
    token = _invite(merchant, "temp@example.com", owner, django_capture_on_commit_callbacks)
    membership = services.invitation_accept(token=token, password=PASSWORD)
    services.membership_remove(membership=membership, actor=owner)

    with pytest.raises(TokenInvalid, match="already been used"):
        services.invitation_accept(token=token, user=membership.user)
    assert not MerchantMembership.objects.filter(merchant=merchant, user=membership.user).exists()


def test_invitation_refusals(django_capture_on_commit_callbacks):
    owner, merchant = owner_with_merchant()
    token = _invite(merchant, "new@example.com", owner, django_capture_on_commit_callbacks)

    stranger = UserFactory(email="stranger@example.com")
    with pytest.raises(PermissionDenied, match="new@example.com"):
        services.invitation_accept(token=token, user=stranger)
    with pytest.raises(TokenInvalid):
        services.invitation_accept(token=token.replace(":", ":x", 1), password=PASSWORD)
    forged = signing.dumps({"m": merchant.pk, "e": "evil@example.com", "i": owner.pk, "n": "x"}, salt="other")
    with pytest.raises(TokenInvalid):
        services.invitation_accept(token=forged, password=PASSWORD)
    with pytest.raises(ApplicationError):  # neither a user nor a password
        services.invitation_accept(token=token)
    UserFactory(email="new@example.com")
    with pytest.raises(EmailTaken):  # an account exists now: log in instead
        services.invitation_accept(token=token, password=PASSWORD)
    assert MerchantMembership.objects.filter(merchant=merchant).count() == 1


def test_invitation_expires_after_seven_days(django_capture_on_commit_callbacks):
    owner, merchant = owner_with_merchant()
    eight_days_ago = time.time() - 8 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=eight_days_ago):
        token = _invite(merchant, "late@example.com", owner, django_capture_on_commit_callbacks)
    with pytest.raises(TokenExpired, match="expired"):
        services.invitation_accept(token=token, password=PASSWORD)


def test_only_owners_invite_and_members_are_not_invited_twice(django_capture_on_commit_callbacks):
    owner, merchant = owner_with_merchant()
    token = _invite(merchant, "member@example.com", owner, django_capture_on_commit_callbacks)
    member = services.invitation_accept(token=token, password=PASSWORD).user
    mail.outbox.clear()

    with pytest.raises(PermissionDenied):
        _invite(merchant, "friend@example.com", member, django_capture_on_commit_callbacks)
    with pytest.raises(ApplicationError, match="already a member"):
        _invite(merchant, "MEMBER@example.com", owner, django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_an_invitation_dies_when_its_inviter_leaves(django_capture_on_commit_callbacks):
    owner, merchant = owner_with_merchant()
    second = services.invitation_accept(
        token=_invite(merchant, "second@example.com", owner, django_capture_on_commit_callbacks), password=PASSWORD
    )
    second.role = MerchantMembership.Role.OWNER
    second.save(update_fields=["role"])
    token = _invite(merchant, "third@example.com", second.user, django_capture_on_commit_callbacks)
    services.membership_remove(membership=second, actor=owner)

    with pytest.raises(TokenInvalid, match="may no longer invite"):
        services.invitation_accept(token=token, password=PASSWORD)


# --- membership removal --------------------------------------------------------------------------------------


def test_membership_remove_rules(django_capture_on_commit_callbacks):
    owner, merchant = owner_with_merchant()
    member = services.invitation_accept(
        token=_invite(merchant, "m@example.com", owner, django_capture_on_commit_callbacks), password=PASSWORD
    )
    owner_membership = MerchantMembership.objects.get(merchant=merchant, user=owner)

    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=owner_membership, actor=member.user)
    with pytest.raises(ApplicationError, match="last owner"):
        services.membership_remove(membership=owner_membership, actor=owner)

    services.membership_remove(membership=member, actor=owner)
    services.membership_remove(membership=member, actor=owner)  # already gone: quiet
    assert list(merchant.memberships.values_list("user__email", flat=True)) == [owner.email]
    removed = audit_entries_for(target=merchant).get(action="portal.merchant.member_removed")
    assert removed.data["email"] == "m@example.com"
    assert removed.actor == owner


def test_owner_of_another_organisation_cannot_remove_members():
    owner_a, merchant_a = owner_with_merchant(email="a@example.com", organisation="A")
    owner_b, _merchant_b = owner_with_merchant(email="b@example.com", organisation="B")
    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=merchant_a.memberships.get(), actor=owner_b)
    assert merchant_a.memberships.filter(user=owner_a).exists()


# --- demo ----------------------------------------------------------------------------------------------------


def test_demo_merchant_ensure_is_idempotent():
    user = UserFactory(email="merchant@demo.local")
    first = services.demo_merchant_ensure(user=user)
    second = services.demo_merchant_ensure(user=user)

    assert first == second
    assert first.name == services.DEMO_MERCHANT_NAME
    assert Merchant.objects.filter(name=services.DEMO_MERCHANT_NAME).count() == 1
    assert MerchantMembership.objects.get(user=user).role == MerchantMembership.Role.OWNER
    user.refresh_from_db()
    assert user.email_verified_at is not None
