"""Login lockout (django-axes) on the merchant login and the Wagtail admin login, and the password-reset limits."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone, translation

from portal.roles import Role
from tests.onboarding.admin_support import staff

from .accounts_support import PASSWORD, owner_with_merchant
from .test_accounts_views import url

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT
EN_LOCKED = "Too many failed log-ins for this account from your network."
ZH_LOCKED = "此账户从您的网络登录失败次数过多"


@pytest.fixture(autouse=True)
def _restore_language():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def merchant_login(client, password, *, email="ana@example.com", lang="en", ip="10.0.0.1"):
    return client.post(url("accounts:login", lang=lang), {"username": email, "password": password},
                       REMOTE_ADDR=ip)


def admin_login(client, email, password, *, ip="10.0.0.1"):
    return client.post("/admin/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)


def fail(login, times):
    for _ in range(times):
        response = login("wrong-password")
        assert response.status_code in (200, 429)
    return response


def test_the_default_limit_is_five_failures_and_fifteen_minutes():
    assert LIMIT == 5
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME


def test_merchant_login_locks_after_the_limit_even_with_the_right_password(client):
    owner_with_merchant(email="ana@example.com")
    before = fail(lambda p: merchant_login(client, p), LIMIT - 1)
    assert before.status_code == 200 and EN_LOCKED not in before.content.decode()
    assert merchant_login(client, PASSWORD).status_code == 302  # one short of the limit: still allowed
    client.post(url("accounts:logout"))

    # a success cleared the count; now the limit in a row
    locked = fail(lambda p: merchant_login(client, p), LIMIT)
    assert locked.status_code == 429
    right = merchant_login(client, PASSWORD)
    assert right.status_code == 429
    body = right.content.decode()
    assert EN_LOCKED in body and "15 minutes" in body
    assert 'name="password"' in body  # the login form itself, not a bare error page
    assert "_auth_user_id" not in client.session
    # the address counts in any case
    assert merchant_login(client, PASSWORD, email=" ANA@Example.com").status_code == 429


def test_lockout_message_in_chinese(client):
    owner_with_merchant(email="ana@example.com")
    fail(lambda p: merchant_login(client, p, lang="zh-hans"), LIMIT)
    body = merchant_login(client, PASSWORD, lang="zh-hans").content.decode()
    assert ZH_LOCKED in body and "15分钟" in body


def test_lockout_is_per_address_and_ip(client):
    owner_with_merchant(email="ana@example.com")
    owner_with_merchant(email="bo@example.com", organisation="Bo Ltd")
    fail(lambda p: merchant_login(client, p), LIMIT)
    assert merchant_login(client, PASSWORD).status_code == 429
    assert merchant_login(Client(), PASSWORD, ip="10.0.0.2").status_code == 302  # the owner elsewhere
    assert merchant_login(Client(), PASSWORD, email="bo@example.com").status_code == 302  # a colleague


def test_the_cool_off_ends_the_lockout(client):
    owner_with_merchant(email="ana@example.com")
    fail(lambda p: merchant_login(client, p), LIMIT)
    assert merchant_login(client, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert merchant_login(client, PASSWORD).status_code == 302


def test_staff_unlock_with_the_management_command(client):
    owner_with_merchant(email="ana@example.com")
    fail(lambda p: merchant_login(client, p), LIMIT)
    assert merchant_login(client, PASSWORD).status_code == 429
    call_command("axes_reset_username", "ana@example.com")
    assert merchant_login(client, PASSWORD).status_code == 302


def test_wagtail_admin_login_locks_too(client):
    reviewer = staff(Role.REVIEWER, email="rev@example.com")
    reviewer.set_password(PASSWORD)
    reviewer.save()
    fail(lambda p: admin_login(client, "rev@example.com", p), LIMIT)
    locked = admin_login(client, "Rev@Example.com", PASSWORD)
    assert locked.status_code == 429
    body = locked.content.decode()
    assert ZH_LOCKED in body and 'name="password"' in body  # the admin login speaks the default language
    assert "_auth_user_id" not in client.session
    call_command("axes_reset_username", "rev@example.com")
    assert admin_login(client, "rev@example.com", PASSWORD).status_code == 302


# --- password-reset requests ---------------------------------------------------------------------------------


def reset(client, email, *, ip="10.0.0.1", lang="en"):
    return client.post(url("accounts:password_reset", lang=lang), {"email": email}, REMOTE_ADDR=ip)


@override_settings(PASSWORD_RESET_LIMIT_PER_EMAIL=3, PASSWORD_RESET_LIMIT_PER_IP=5)
def test_password_reset_is_limited_per_address_the_same_whether_it_exists(client, django_capture_on_commit_callbacks):
    owner_with_merchant(email="ana@example.com")
    for email in ("ana@example.com", "nobody@example.com"):
        with django_capture_on_commit_callbacks(execute=True):
            answers = [reset(client, email, ip=f"10.0.1.{n}") for n in range(4)]
        assert [a.status_code for a in answers] == [302, 302, 302, 429]
        assert "Too many password-reset requests. Please wait 60 minutes" in answers[-1].content.decode()
    assert len(mail.outbox) == 3  # three for the account, none for the fourth request, none for nobody
    with django_capture_on_commit_callbacks(execute=True):
        assert reset(client, "bo@example.com", ip="10.0.2.1").status_code == 302  # other addresses still can


@override_settings(PASSWORD_RESET_LIMIT_PER_EMAIL=3, PASSWORD_RESET_LIMIT_PER_IP=5)
def test_password_reset_is_limited_per_ip(client):
    answers = [reset(client, f"user{n}@example.com") for n in range(6)]
    assert [a.status_code for a in answers] == [302] * 5 + [429]
    assert reset(client, "user9@example.com", ip="10.9.9.9").status_code == 302
    zh = reset(client, "user10@example.com", lang="zh-hans").content.decode()
    assert "密码重置请求过多" in zh
