"""Factories and builders for contract tests. Contracts are drafted and moved through the real services; only
the rendered PDFs are stand-ins (a small PDF with known bytes) where a test is not about rendering."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from decimal import Decimal

import factory
from django.core.files.base import ContentFile

from contracts.models import Contract, ContractDocument, ContractTemplateVersion
from portal.models import CooperationMode, MerchantMembership
from portal.roles import Role
from tests.factories.onboarding import MerchantFactory, merchant_user, staff_user
from tests.factories.portal import CategoryFactory

_seq = itertools.count(1)


class ContractTemplateVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractTemplateVersion

    mode = CooperationMode.PLATFORM
    number = factory.Sequence(lambda n: n + 1)
    effective_from = dt.date(2025, 1, 1)
    title_zh = "平台入驻合作协议"
    title_en = "Platform entry agreement"
    content = factory.LazyFunction(lambda: {
        "preamble": {"zh": "甲乙双方依据《中华人民共和国民法典》订立本合同。",
                     "en": "The parties conclude this contract under the Civil Code of the PRC."},
        "clauses": [{"kind": "scope", "heading": {"zh": "合作范围", "en": "Scope"},
                     "body": {"zh": "乙方在约定类目内经营。", "en": "The merchant trades in the agreed categories."}}],
    })
    content_sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(repr(o.content).encode()).hexdigest())


def template_versions_ensure(*, effective_from: dt.date = dt.date(2025, 1, 1)) -> dict[str, ContractTemplateVersion]:
    """One template version in effect for every cooperation mode (created once)."""
    out = {}
    for mode in CooperationMode.values:
        version = ContractTemplateVersion.objects.filter(mode=mode).order_by("number").first()
        out[mode] = version or ContractTemplateVersionFactory(mode=mode, number=1, effective_from=effective_from)
    return out


def draft_contract(*, merchant=None, mode: str = CooperationMode.PLATFORM, actor=None, strategic: bool = False,
                   deposit: Decimal = Decimal("50000.00"), grade: str = "C", categories=None, **kwargs) -> Contract:
    from contracts.services import contract_draft_for_approval

    template_versions_ensure()
    merchant = merchant or MerchantFactory()
    categories = categories if categories is not None else [CategoryFactory(code=f"ct-cat-{next(_seq)}")]
    return contract_draft_for_approval(
        merchant=merchant, actor=actor, mode=mode, grade=grade, deposit_amount=deposit, currency="CNY",
        categories=categories, legal_name=kwargs.pop("legal_name", f"{merchant.name} 有限公司"),
        credit_code="91350100M000100Y43", representative="张三", address="福建省福州市鼓楼区 1 号",
        origin=kwargs.pop("origin", f"test:{next(_seq)}"), strategic=strategic, **kwargs)


def pdf_stand_in(text: str) -> bytes:
    return (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% " + text.encode()
            + b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def document_attach(contract: Contract, *, kind: str = ContractDocument.Kind.ISSUED,
                    content: bytes | None = None) -> ContractDocument:
    """A stored PDF of `kind` for the contract, as the renderer would leave it (stand-in bytes)."""
    content = content or pdf_stand_in(f"{contract.number} {kind} {next(_seq)}")
    document = ContractDocument(contract=contract, kind=kind, sha256=hashlib.sha256(content).hexdigest(),
                                size=len(content), pages=1)
    document.file.save(f"{contract.number}-{kind}.pdf", ContentFile(content), save=False)
    document.save()
    return document


class ContractWorld:
    """Staff of every contract role and a merchant with an owner, an admin, a finance and an operations user."""

    def __init__(self):
        template_versions_ensure()
        self.lead = staff_user(Role.LEAD, first_name="Li", last_name="Lead")
        self.lead2 = staff_user(Role.LEAD, first_name="Wang", last_name="Lead")
        self.compliance = staff_user(Role.COMPLIANCE)
        self.admin = staff_user(Role.ADMIN)
        self.reviewer = staff_user(Role.REVIEWER)
        self.finance_staff = staff_user(Role.FINANCE)
        self.merchant, self.owner = merchant_user(role=MerchantMembership.Role.OWNER, first_name="三",
                                                  last_name="张")
        _m, self.member_admin = merchant_user(self.merchant, role=MerchantMembership.Role.ADMIN,
                                              first_name="Mei", last_name="Li")
        _m, self.finance = merchant_user(self.merchant, role=MerchantMembership.Role.FINANCE)
        _m, self.operations = merchant_user(self.merchant, role=MerchantMembership.Role.OPERATIONS)
        self.other_merchant, self.other_owner = merchant_user(role=MerchantMembership.Role.OWNER,
                                                              first_name="Other", last_name="Owner")

    def draft(self, **kwargs) -> Contract:
        kwargs.setdefault("merchant", self.merchant)
        kwargs.setdefault("actor", self.lead)
        return draft_contract(**kwargs)

    def issued(self, *, with_pdf: bool = True, **kwargs) -> Contract:
        from contracts.services import contract_issue

        contract = contract_issue(contract=self.draft(**kwargs), actor=self.compliance, ip="10.0.0.5",
                                  user_agent="StaffBrowser/1.0")
        if with_pdf and not contract.documents.filter(kind=ContractDocument.Kind.ISSUED).exists():
            document_attach(contract)  # unless the renderer already stored it (a test whose transaction commits)
        return contract
