"""Set-up shared by the applicant page tests: verified merchant users, URLs in either language, test files."""

from __future__ import annotations

import io
import itertools
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from onboarding.defaults import onboarding_defaults_load
from onboarding.models import Application
from onboarding.selectors import application_required_documents
from onboarding.services import application_create, application_update_step, document_add
from portal.models import Merchant, MerchantMembership
from tests.factories.portal import CategoryFactory, UserFactory

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


def complete_draft(client, *, category=None, with_documents: bool = True):
    """A logged-in applicant's draft with every required answer (and, by default, every required document):
    ready to submit. Filled in through the real services."""
    app, user = started(client)
    category = category or CategoryFactory()
    answers = {
        "company": {"company_name": "Fujian Example Trading Co., Ltd.", "credit_code": GOOD_CODE,
                    "legal_representative": "Zhang San"},
        "contacts": {"contact_name": "Li Si", "contact_phone": "13800138000", "contact_email": "li.si@example.com",
                     "address": "1 Example Road, Fuzhou"},
        "categories": {"main_category": category.pk, "cooperation_mode": "platform", "cross_border": False,
                       "brands": [{"name": "Example", "ownership": "own"}]},
        "screening": {"is_known_brand": True, "sku_coverage": Decimal("85"), "monthly_gmv": Decimal("600000"),
                      "has_ops_team": True},
    }
    for step, data in answers.items():
        app = application_update_step(application=app, actor=user, step=step, data=data)
    if with_documents:
        for doc_type, required in application_required_documents(app):
            if required:
                document_add(application=app, actor=user, document_type=doc_type,
                             files=[SimpleUploadedFile(f"{doc_type.code}.pdf", pdf_bytes(), "application/pdf")],
                             number="NO-1" if doc_type.has_number else "", issuer="Authority")
    app.refresh_from_db()
    return app, user
