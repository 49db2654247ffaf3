"""Set-up shared by the applicant page tests: verified merchant users, URLs in either language, test files."""

from __future__ import annotations

import io
import itertools

from django.urls import reverse
from django.utils import timezone, translation

from onboarding.defaults import onboarding_defaults_load
from onboarding.models import Application
from onboarding.services import application_create
from portal.models import Merchant, MerchantMembership
from tests.factories.portal import UserFactory

# a valid unified social credit code (check character "3")
GOOD_CODE = "91350100M000100Y43"


def url(name: str, lang: str = "en", **kwargs) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs or None)


def step_url(app: Application, step: str, lang: str = "en") -> str:
    return url("onboarding:application_step", lang, pk=app.pk, step=step)


_seq = itertools.count(1)


def member(merchant: Merchant | None = None, *, kind: str = Merchant.Kind.MERCHANT, verified: bool = True):
    """(merchant, user): a user who belongs to `merchant` (a new organisation if None)."""
    n = next(_seq)
    merchant = merchant or Merchant.objects.create(name=f"Applicant {n} Co., Ltd.", kind=kind)
    user = UserFactory(email=f"applicant-{n}@example.com",
                       email_verified_at=timezone.now() if verified else None)
    MerchantMembership.objects.create(merchant=merchant, user=user, role=MerchantMembership.Role.OWNER)
    return merchant, user


def verified_user(merchant: Merchant | None = None, *, kind: str = Merchant.Kind.MERCHANT):
    """(merchant, user): a user with a verified email who belongs to `merchant` (a new one if None)."""
    return member(merchant, kind=kind)


def started(client, *, kind: str = Merchant.Kind.MERCHANT):
    """A verified user logged into `client` with a fresh draft (through the real service)."""
    onboarding_defaults_load()
    merchant, user = verified_user(kind=kind)
    client.force_login(user)
    return application_create(merchant=merchant, actor=user), user


def pdf_bytes(text: str = "licence") -> bytes:
    return (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% " + text.encode()
            + b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def png_bytes(size: tuple[int, int] = (16, 16)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()
