"""Factories and builders for onboarding tests. Applications are moved through the real services."""

from __future__ import annotations

import io
import itertools
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from onboarding.defaults import onboarding_defaults_load
from onboarding.models import Application, CooperationMode, DocumentType
from onboarding.selectors import application_required_documents
from onboarding.services import application_create, application_update_step, document_add
from portal.models import Merchant, MerchantMembership, Squad
from tests.factories.portal import CategoryFactory, UserFactory

_seq = itertools.count(1)

VALID_CREDIT_CODE = "91350100M000100Y43"


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    name = factory.Sequence(lambda n: f"Merchant {n} Co., Ltd.")
    kind = Merchant.Kind.MERCHANT


class DocumentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocumentType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"doc-{n}")
    name_zh = factory.Sequence(lambda n: f"文件{n}")
    name_en = factory.Sequence(lambda n: f"Document {n}")
    has_number = False
    has_expiry = False


def merchant_user(merchant: Merchant | None = None, *, role: str = MerchantMembership.Role.OWNER, **user_fields):
    """A user who belongs to `merchant` (a new merchant if none)."""
    merchant = merchant or MerchantFactory()
    user = UserFactory(email=f"merchant-user-{next(_seq)}@example.com", **user_fields)
    MerchantMembership.objects.create(merchant=merchant, user=user, role=role)
    return merchant, user


def staff_user(role: str, **fields):
    user = UserFactory(email=f"{role}-{next(_seq)}@example.com", is_staff=True, **fields)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def squad_for(category, *, members=(), lead=None, name: str | None = None) -> Squad:
    name = name or f"Squad {next(_seq)}"
    squad = Squad.objects.create(name_zh=name, name_en=name, lead=lead)
    squad.categories.add(category)
    squad.members.set(members)
    return squad


def pdf_bytes(text: str = "licence") -> bytes:
    return (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% " + text.encode()
            + b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def pdf_upload(name: str = "licence.pdf", text: str = "licence") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (30, 30, 200)).save(out, format="JPEG")
    return out.getvalue()


COMPLETE_STEPS = {
    "company": {"company_name": "Fujian Example Trading Co., Ltd.", "credit_code": VALID_CREDIT_CODE,
                "legal_representative": "Zhang San"},
    "contacts": {"contact_name": "Li Si", "contact_phone": "13800138000", "contact_email": "li.si@example.com",
                 "address": "1 Example Road, Fuzhou"},
}


def draft_application(*, merchant: Merchant | None = None, user=None, category=None, cooperation_mode: str =
                      CooperationMode.PLATFORM, cross_border: bool = False, screening: dict | None = None,
                      with_documents: bool = True) -> Application:
    """A complete draft ready to submit: every required answer and every required document uploaded."""
    onboarding_defaults_load()
    if user is None:
        merchant, user = merchant_user(merchant)
    category = category or CategoryFactory()
    app = application_create(merchant=merchant, actor=user)
    for step, data in COMPLETE_STEPS.items():
        app = application_update_step(application=app, actor=user, step=step, data=data)
    app = application_update_step(application=app, actor=user, step="categories", data={
        "main_category": category.pk, "cooperation_mode": cooperation_mode, "cross_border": cross_border,
        "brands": [{"name": "Example", "ownership": "own"}],
    })
    app = application_update_step(application=app, actor=user, step="screening", data=screening or {
        "is_known_brand": True, "sku_coverage": Decimal("85"), "monthly_gmv": Decimal("600000"),
        "has_ops_team": True,
    })
    if with_documents:
        upload_required_documents(app, user)
    return Application.objects.get(pk=app.pk)


def upload_required_documents(app: Application, user) -> None:
    for doc_type, required in application_required_documents(app):
        if required:
            document_add(application=app, actor=user, document_type=doc_type, files=[pdf_upload()],
                         number="NO-1" if doc_type.has_number else "", issuer="Authority")
