"""Links in emails open the server that sent them: SITE_URL when set, else the dev server's own address."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail

from portal.accounts import services
from portal.site import runserver_site_url, site_url

from .accounts_support import PASSWORD


def test_site_url_joins_the_configured_address_and_a_path(settings):
    settings.SITE_URL = "https://portal.example.cn/"
    assert site_url("/zh-hans/accounts/login/") == "https://portal.example.cn/zh-hans/accounts/login/"
    assert site_url() == "https://portal.example.cn"


@pytest.mark.parametrize(("argv", "expected"), [
    (["manage.py", "runserver", "127.0.0.1:18731"], "http://127.0.0.1:18731"),
    (["manage.py", "runserver", "18731"], "http://127.0.0.1:18731"),
    (["manage.py", "runserver", "--noreload", "0.0.0.0:9000"], "http://127.0.0.1:9000"),
    (["manage.py", "runserver", "localhost:8105"], "http://localhost:8105"),
    (["manage.py", "runserver", "[::1]:8105"], "http://[::1]:8105"),
    (["manage.py", "runserver"], "http://127.0.0.1:8000"),
    (["manage.py", "runserver", "not a port"], None),
    (["manage.py", "migrate"], None),
    (["celery", "-A", "portal", "worker"], None),
])
def test_the_dev_server_address_comes_from_its_command_line(argv, expected):
    assert runserver_site_url(argv) == expected


def _dev_site_url(argv: list[str], **environ: str) -> str:
    """SITE_URL as the development settings see it when started with `argv` (in a fresh interpreter)."""
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"} | environ
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.dev"
    code = (f"import sys; sys.argv = {argv!r}\n"
            "from django.conf import settings\nprint(settings.SITE_URL, settings.WAGTAILADMIN_BASE_URL)")
    result = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=60, check=True)
    return result.stdout.split()


def test_development_links_follow_the_port_the_server_runs_on_unless_site_url_is_set(tmp_path):
    assert _dev_site_url(["manage.py", "runserver", "127.0.0.1:18731"]) == ["http://127.0.0.1:18731"] * 2
    assert _dev_site_url(["manage.py", "runserver", "127.0.0.1:18731"], SITE_URL="https://demo.example.cn") == [
        "https://demo.example.cn"] * 2
    assert _dev_site_url(["manage.py", "load_demo"]) == ["http://127.0.0.1:8000"] * 2


@pytest.mark.django_db
def test_the_verification_email_links_to_the_site_url(settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "http://127.0.0.1:18731"
    with django_capture_on_commit_callbacks(execute=True):
        services.merchant_signup(email="chen.li@example.com", password=PASSWORD, organisation_name="陈氏商贸",
                                 kind="merchant", language="zh-hans")
    (link,) = re.findall(r"https?://\S+", mail.outbox[0].body)
    assert link.startswith("http://127.0.0.1:18731/zh-hans/accounts/verify-email/")
