"""The pages around API tokens: the administrators' page in the Wagtail admin (client tokens) and the merchant
owner's page in the workspace (read-only tokens of their own merchant)."""

import pytest
from django.test import Client
from django.utils import timezone

from portal.models import ApiToken, MerchantMembership
from tests.factories.onboarding import merchant_user, staff_user

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_an_administrator_makes_a_client_token_and_sees_it_once():
    admin = signed_in(staff_user("admin"))
    answer = admin.post("/admin/api-tokens/", {"name": "Trading platform", "scopes": ["orders:write", "read"]})
    assert answer.status_code == 200
    row = ApiToken.objects.get()
    token = answer.context["token"]
    assert token.startswith(f"zs_{row.prefix}_") and token in answer.content.decode()
    assert "no-store" in answer["Cache-Control"]
    assert (row.kind, row.scopes) == ("client", ["orders:write", "read"])
    # the list shows the token's prefix, never the token again
    listed = admin.get("/admin/api-tokens/").content.decode()
    assert row.prefix in listed and token not in listed
    assert Client().get("/api/v1/merchants", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    admin.post(f"/admin/api-tokens/{row.pk}/revoke/")
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_the_form_says_what_is_missing():
    answer = signed_in(staff_user("admin")).post("/admin/api-tokens/", {"name": "", "scopes": []})
    assert answer.status_code == 400
    assert set(answer.context["form"].errors) == {"name", "scopes"}
    assert not ApiToken.objects.exists()


def test_other_staff_cannot_open_or_post():
    finance = signed_in(staff_user("finance"))
    assert finance.get("/admin/api-tokens/").status_code == 403
    assert finance.post("/admin/api-tokens/", {"name": "x", "scopes": ["read"]}).status_code == 403
    assert not ApiToken.objects.exists()


def _verified(role=MerchantMembership.Role.OWNER, merchant=None):
    return merchant_user(merchant, role=role, email_verified_at=timezone.now())


def test_an_owner_makes_and_revokes_a_read_only_token():
    merchant, owner = _verified()
    client = signed_in(owner)
    answer = client.post("/en/portal/api-tokens/", {"name": "Our ERP"})
    assert answer.status_code == 200
    row = ApiToken.objects.get()
    assert (row.merchant, row.kind, row.scopes) == (merchant, "merchant", ["read"])
    token = answer.context["token"]
    assert token in answer.content.decode()
    assert token not in client.get("/en/portal/api-tokens/").content.decode()
    listed = Client().get("/api/v1/merchants", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert [m["id"] for m in listed] == [merchant.pk]

    client.post(f"/en/portal/api-tokens/{row.pk}/revoke/")
    assert Client().get("/api/v1/merchants", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_an_admin_member_sees_the_tokens_but_cannot_make_or_revoke_them():
    merchant, owner = _verified()
    _same, member = _verified(MerchantMembership.Role.ADMIN, merchant)
    row = ApiToken.objects.create(name="ERP", kind="merchant", merchant=merchant, scopes=["read"], prefix="abc",
                                  secret_hash="0" * 64)
    client = signed_in(member)
    page = client.get("/en/portal/api-tokens/")
    assert "ERP" in page.content.decode() and page.context["form"] is None
    client.post("/en/portal/api-tokens/", {"name": "Mine"})
    client.post(f"/en/portal/api-tokens/{row.pk}/revoke/")
    assert ApiToken.objects.count() == 1
    row.refresh_from_db()
    assert row.revoked_at is None


def test_another_merchants_token_is_404():
    merchant, owner = _verified()
    other, _other_owner = _verified()
    theirs = ApiToken.objects.create(name="Theirs", kind="merchant", merchant=other, scopes=["read"], prefix="abc",
                                     secret_hash="0" * 64)
    client = signed_in(owner)
    assert "Theirs" not in client.get("/en/portal/api-tokens/").content.decode()
    assert client.post(f"/en/portal/api-tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
