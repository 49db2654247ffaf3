"""Demo contracts: the contract part of the product at every step a visitor should see, built through the real
services on top of what the apps before contracts have loaded (the demo logins, the onboarding demo's approved
applications and the contracts their approval drafted).

- the demo merchant (the demo merchant login; the onboarding demo's lead approved its application, which drafted
  its contract): that draft issued, its PDF rendered: "accept your contract";
- 上海云帆宠物用品有限公司 (the onboarding demo's other approved application): its draft contract issued, accepted
  by its owner with the emailed code, countersigned (the sealed PDF, verifiable on the public verify page) and
  activated as billing does once the deposit is paid; plus an amendment in draft (exclusivity in East China);
- 北京禾润食品有限公司: a joint-operation contract signed, the deposit next;
- 武汉楚韵美妆有限公司: a franchise contract accepted, waiting for the operator's countersignature.

The demo lead issues; the demo administrator countersigns (whoever issued may not countersign,
`contracts.permissions`). Idempotent: a merchant whose contract has left the draft (or that already has the demo
contract) is left as it is, so a second run creates nothing. The two merchants with an approved application get
no contract drafted here: without the draft their approval made (the onboarding demo did not run) they are
skipped. Nothing here runs outside `load_demo`
(`ContractsConfig.load_demo_content`). No renewal window: a contract reaches it only 60 days before the end of
a three-year term, and the audit trail (the evidence page) records real times, so a backdated one would read
wrong.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.accounts.services import DEMO_MERCHANT_NAME
from portal.merchants.services import merchant_onboarding_start
from portal.models import Category, Merchant, MerchantMembership, MerchantStatus, User
from portal.roles import Role

from .documents import contract_document_build
from .models import Contract, ContractDocument, ContractKind, ContractStatus
from .services import acceptance as acceptance_services
from .services import (
    contract_accept,
    contract_acceptance_code_send,
    contract_activate,
    contract_amendment_draft,
    contract_countersign,
    contract_draft_for_approval,
    contract_issue,
    contract_terms_update,
)

S = ContractStatus
DEMO_ORIGIN = "demo"
DEMO_IP = "203.0.113.25"  # documentation range (RFC 5737)
DEMO_USER_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                   "Chrome/131.0 Safari/537.36")
STAFF_IP = "198.51.100.7"
APPROVED_DEMO_MERCHANT = "上海云帆宠物用品有限公司"
# the merchants whose application the onboarding demo approves: their contract is the draft that approval made
APPROVED_DEMO_MERCHANTS = (DEMO_MERCHANT_NAME, APPROVED_DEMO_MERCHANT)


@dataclass
class DemoContract:
    """One demo merchant's contract and how far it goes: issued, accepted, signed or active."""

    merchant: str
    target: str
    mode: str = "platform"
    owner_email: str = ""
    owner_name: str = ""
    grade: str = "B"
    deposit: Decimal = Decimal("50000")
    categories: tuple[str, ...] = ("other",)
    credit_code: str = ""
    address: str = ""
    terms: dict[str, Any] = field(default_factory=dict)
    amendment: str = ""
    amendment_terms: dict[str, Any] = field(default_factory=dict)


def demo_contract_specs() -> list[DemoContract]:
    d = "demo.local"
    return [
        DemoContract(DEMO_MERCHANT_NAME, S.ISSUED,
                     terms={"regions": ["华东", "华南"], "technical_service_fee": "6000",
                            "merchant_representative": "王示例"}),
        DemoContract(APPROVED_DEMO_MERCHANT, S.ACTIVE,
                     terms={"regions": ["全国"], "technical_service_fee": "6000"},
                     amendment="新增华东地区宠物食品独家经营，技术服务费调整为每年 8,000 元。"
                               "Exclusivity for pet food in East China; the technical service fee becomes "
                               "CNY 8,000 a year.",
                     amendment_terms={"exclusive": True, "technical_service_fee": "8000"}),
        DemoContract("北京禾润食品有限公司", S.SIGNED, mode="joint", owner_email=f"herun-food@{d}",
                     owner_name="孙禾", grade="A", deposit=Decimal("100000"), categories=("fresh", "other"),
                     credit_code="91110105MA01HR0F3J", address="北京市朝阳区建国路 88 号 SOHO 现代城 5 号楼",
                     terms={"regions": ["华北", "东北"], "revenue_share_percent": "12.50",
                            "technical_service_fee": "0"}),
        DemoContract("武汉楚韵美妆有限公司", S.ACCEPTED, mode="franchise", owner_email=f"chuyun-beauty@{d}",
                     owner_name="何韵", grade="C", deposit=Decimal("80000"), categories=("other",),
                     credit_code="91420106MA4KCY0B2N", address="湖北省武汉市武昌区中北路 109 号",
                     terms={"regions": ["华中"], "franchise_fee": "60000", "technical_service_fee": "6000"}),
    ]


def _demo_staff() -> dict[str, User] | None:
    """The demo lead (prepares and issues) and administrator (countersigns): the first active user of each."""
    staff = {}
    for key, role in (("lead", Role.LEAD), ("admin", Role.ADMIN)):
        user = User.objects.filter(is_active=True, groups__name=role).order_by("pk").first()
        if user is None:
            return None
        staff[key] = user
    return staff


def _owner(merchant: Merchant) -> User | None:
    membership = (MerchantMembership.objects.filter(merchant=merchant, role=MerchantMembership.Role.OWNER)
                  .select_related("user").order_by("pk").first())
    return membership.user if membership else None


def _merchant_ensure(spec: DemoContract) -> tuple[Merchant, User]:
    """The spec's merchant and its owner (no usable password: not a demo login), made when missing."""
    merchant = Merchant.objects.filter(name=spec.merchant).order_by("pk").first()
    if merchant is None:
        merchant = Merchant.objects.create(name=spec.merchant)
    owner = _owner(merchant)
    if owner is None:
        owner = User.objects.filter(email=spec.owner_email).first() or User.objects.create_user(
            email=spec.owner_email, password=None, first_name=spec.owner_name, email_verified_at=timezone.now())
        MerchantMembership.objects.create(merchant=merchant, user=owner, role=MerchantMembership.Role.OWNER)
    return merchant, owner


@contextlib.contextmanager
def _codes_read() -> Iterator[dict[int, str]]:
    """The acceptance codes as their emails are composed, by user id. The demo runs in one transaction and the
    emails leave only after it commits, so the owner "reads" the code here; the email still goes as it would."""
    codes: dict[int, str] = {}
    original = acceptance_services.acceptance_code_email

    def read(*, user: Any, code: str, **kwargs: Any) -> None:
        codes[user.pk] = code
        original(user=user, code=code, **kwargs)

    acceptance_services.acceptance_code_email = read
    try:
        yield codes
    finally:
        acceptance_services.acceptance_code_email = original


def _document(contract: Contract, kind: str) -> None:
    """The PDF the lifecycle schedules after commit, built now: the next step needs it (the merchant accepts
    the issued PDF they saw) and the demo runs in one transaction. The scheduled task finds it stored."""
    contract_document_build(contract=contract, kind=kind)


def _advance(contract: Contract, spec: DemoContract, *, owner: User, staff: dict[str, User],
             codes: dict[int, str], now: dt.datetime) -> Contract:
    lead, admin = staff["lead"], staff["admin"]
    if spec.terms:
        contract = contract_terms_update(contract=contract, actor=lead, **spec.terms)
    contract = contract_issue(contract=contract, actor=lead, ip=STAFF_IP, user_agent=DEMO_USER_AGENT, now=now)
    _document(contract, ContractDocument.Kind.ISSUED)
    if spec.target == S.ISSUED:
        return contract
    contract_acceptance_code_send(contract=contract, user=owner, ip=DEMO_IP, user_agent=DEMO_USER_AGENT, now=now)
    contract = contract_accept(contract=contract, user=owner, typed_name=owner.get_full_name() or spec.owner_name,
                               code=codes[owner.pk], ip=DEMO_IP, user_agent=DEMO_USER_AGENT, now=now)
    if spec.target == S.ACCEPTED:
        return contract
    contract = contract_countersign(contract=contract, actor=admin, ip=STAFF_IP, user_agent=DEMO_USER_AGENT, now=now)
    _document(contract, ContractDocument.Kind.SIGNED)
    if spec.target == S.SIGNED:
        return contract
    # billing, once the deposit is paid
    return contract_activate(contract=contract, actor=None, now=now)


def _contract_for(spec: DemoContract, merchant: Merchant, *, lead: User, now: dt.datetime) -> Contract | None:
    """The merchant's contract to take through the demo: its draft (the onboarding demo's approval drafted it),
    or, for a merchant without an application in the demo, a new one drafted as an approval would. None when
    the merchant's contract is past its draft already, or when an approved merchant has no draft."""
    contracts = Contract.objects.filter(merchant=merchant, kind=ContractKind.CONTRACT).exclude(status=S.CANCELLED)
    if contracts.exclude(status=S.DRAFT).exists():
        return None
    draft = contracts.order_by("pk").first()
    if draft is not None:
        return draft
    if spec.merchant in APPROVED_DEMO_MERCHANTS:
        return None  # its contract is the one the approval of its application drafts, never one of ours
    if merchant.status == MerchantStatus.APPLICANT:
        # as the approval of its application would
        merchant_onboarding_start(merchant=merchant, actor=lead, grade=spec.grade, deposit_amount=spec.deposit,
                                  currency="CNY", data={"demo": True}, now=now)
    return contract_draft_for_approval(
        merchant=merchant, actor=lead, mode=spec.mode, grade=spec.grade, deposit_amount=spec.deposit,
        currency="CNY", categories=list(Category.objects.filter(code__in=spec.categories)),
        legal_name=spec.merchant, credit_code=spec.credit_code,
        representative=spec.owner_name or spec.terms.get("merchant_representative", ""), address=spec.address,
        origin=DEMO_ORIGIN, now=now)


def demo_contracts_load(*, now: dt.datetime | None = None) -> int:
    """Bring the demo contracts to their states; returns how many contracts were created or moved (0 on a second
    run). Needs the demo lead and administrator: without them it does nothing. A merchant the onboarding demo
    approves is skipped when it is missing or has no draft contract (the onboarding demo did not run); the
    others are made here."""
    now = now or timezone.now()
    staff = _demo_staff()
    if staff is None:
        return 0
    created = 0
    with _codes_read() as codes:
        for spec in demo_contract_specs():
            if spec.merchant in APPROVED_DEMO_MERCHANTS:
                merchant = Merchant.objects.filter(name=spec.merchant).order_by("pk").first()
                owner = _owner(merchant) if merchant is not None else None
                if merchant is None or owner is None:
                    continue
            else:
                merchant, owner = _merchant_ensure(spec)
            with transaction.atomic():
                contract = _contract_for(spec, merchant, lead=staff["lead"], now=now)
                if contract is None:
                    continue
                contract = _advance(contract, spec, owner=owner, staff=staff, codes=codes, now=now)
                created += 1
                if spec.amendment:
                    amendment = contract_amendment_draft(contract=contract, actor=staff["lead"],
                                                         summary=spec.amendment, now=now)
                    contract_terms_update(contract=amendment, actor=staff["lead"], **spec.amendment_terms)
                    created += 1
    return created
