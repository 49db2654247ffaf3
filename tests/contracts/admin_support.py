"""Set-up shared by the contract admin and renewal tests: staff in their roles, template versions, contracts
in a given state and their PDFs (rows written directly, as fixtures; the lifecycle itself is exercised
through the views and services)."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from decimal import Decimal
from urllib.parse import urlencode

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract, ContractDocument, ContractKind, ContractStatus, ContractTemplateVersion
from portal.models import CooperationMode, Merchant, MerchantMembership
from tests.factories.portal import UserFactory
from tests.onboarding.admin_support import english_admin, staff

__all__ = ["contract", "document", "english_admin", "list_url", "merchant_user", "staff", "template_version"]

_seq = itertools.count(1)


def template_version(mode: str = CooperationMode.PLATFORM) -> ContractTemplateVersion:
    version = ContractTemplateVersion.objects.filter(mode=mode).order_by("-number").first()
    if version is not None:
        return version
    return ContractTemplateVersion.objects.create(
        mode=mode, number=1, effective_from=dt.date(2026, 1, 1), title_zh="平台入驻合作协议",
        title_en="Platform entry agreement", content={"clauses": []}, content_sha256="0" * 64)


def contract(*, status: str = ContractStatus.DRAFT, merchant: Merchant | None = None,
             mode: str = CooperationMode.PLATFORM, categories=(), **fields) -> Contract:
    n = next(_seq)
    merchant = merchant or Merchant.objects.create(name=f"Merchant {n}")
    values = {
        "number": f"HT-2026-{n:05d}", "merchant_legal_name": f"{merchant.name} Co., Ltd.",
        "merchant_credit_code": f"91310000MA{n:08d}"[:18], "grade": "C", "deposit_amount": Decimal("60000.00"),
        "status_changed_at": timezone.now(),
    }
    if status not in (ContractStatus.DRAFT, ContractStatus.ISSUED, ContractStatus.ACCEPTED,
                      ContractStatus.CANCELLED):
        today = timezone.localdate()
        values.update(starts_on=today - dt.timedelta(days=400), ends_on=today + dt.timedelta(days=700),
                      countersigned_at=timezone.now())
    values.update(fields)
    obj = Contract.objects.create(merchant=merchant, mode=mode, template_version=template_version(mode),
                                  status=status, **values)
    if categories:
        obj.categories.set(categories)
    return obj


def document(obj: Contract, *, kind: str = ContractDocument.Kind.ISSUED, content: bytes | None = None,
             ) -> ContractDocument:
    content = content or b"%PDF-1.7\n" + f"contract {obj.number} {kind}".encode() + b"\n%%EOF\n"
    doc = ContractDocument(contract=obj, kind=kind, sha256=hashlib.sha256(content).hexdigest(), size=len(content),
                           pages=1)
    doc.file.save(f"{obj.number}-{kind}.pdf", ContentFile(content), save=False)
    doc.save()
    return doc


def merchant_user(merchant: Merchant, *, role: str = MerchantMembership.Role.OWNER, **fields):
    user = UserFactory(email=fields.pop("email", f"merchant-{next(_seq)}@example.com"), **fields)
    MerchantMembership.objects.create(merchant=merchant, user=user, role=role)
    return user


def list_url(**params) -> str:
    base = reverse("contracts_admin:index")
    return f"{base}?{urlencode(params, doseq=True)}" if params else base


def detail_url(obj: Contract) -> str:
    return reverse("contracts_admin:detail", args=[obj.pk])


KINDS = ContractKind
