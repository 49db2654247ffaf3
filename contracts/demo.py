"""Demo contracts: the contract part of the product at every step a visitor should see, built through the real
services on top of what the apps before contracts have loaded (the demo logins, and the onboarding demo's
approved applications with the contracts their approval drafted, in the same transaction as in production).
Every demo contract is such a draft taken further; none is drafted here (no contract without an approved
application):

- the demo merchant (the demo merchant login): its draft issued, its PDF rendered: "accept your contract";
- 上海云帆宠物用品有限公司: its draft issued, accepted by its owner with the emailed code, countersigned (the
  sealed PDF, verifiable on the public verify page) and activated as billing does once the deposit is paid;
  plus an amendment in draft (exclusivity in East China);
- 北京禾润食品有限公司: a joint-operation contract signed, the deposit next;
- 武汉楚韵美妆有限公司: a franchise contract accepted, waiting for the operator's countersignature.

The demo lead sets the terms and issues; the demo administrator countersigns (whoever issued may not
countersign, `contracts.permissions`). Idempotent: a merchant whose contract has left the draft is left as it
is, so a second run creates nothing; a merchant missing, or without a draft (the onboarding demo did not run),
is skipped. Nothing here runs outside `load_demo` (`ContractsConfig.load_demo_content`). No renewal window: a
contract reaches it only 60 days before the end of a three-year term, and the audit trail (the evidence page)
records real times, so a backdated one would read wrong.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.accounts.services import DEMO_MERCHANT_NAME
from portal.models import Merchant, MerchantMembership, User
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
    contract_issue,
    contract_terms_update,
)

S = ContractStatus
DEMO_IP = "203.0.113.25"  # documentation range (RFC 5737)
DEMO_USER_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                   "Chrome/131.0 Safari/537.36")
STAFF_IP = "198.51.100.7"


@dataclass
class DemoContract:
    """One demo merchant's contract (the draft its approval made) and how far it goes: issued, accepted, signed
    or active, with the terms the lead sets before issuing."""

    merchant: str
    target: str
    terms: dict[str, Any] = field(default_factory=dict)
    amendment: str = ""
    amendment_terms: dict[str, Any] = field(default_factory=dict)


def demo_contract_specs() -> list[DemoContract]:
    return [
        DemoContract(DEMO_MERCHANT_NAME, S.ISSUED,
                     terms={"regions": ["华东", "华南"], "technical_service_fee": "6000"}),
        DemoContract("上海云帆宠物用品有限公司", S.ACTIVE,
                     terms={"regions": ["全国"], "technical_service_fee": "6000"},
                     amendment="新增华东地区宠物食品独家经营，技术服务费调整为每年 8,000 元。"
                               "Exclusivity for pet food in East China; the technical service fee becomes "
                               "CNY 8,000 a year.",
                     amendment_terms={"exclusive": True, "technical_service_fee": "8000"}),
        DemoContract("北京禾润食品有限公司", S.SIGNED,
                     terms={"regions": ["华北", "东北"], "revenue_share_percent": "12.50",
                            "technical_service_fee": "0"}),
        DemoContract("武汉楚韵美妆有限公司", S.ACCEPTED,
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
    contract = contract_accept(contract=contract, user=owner, typed_name=owner.get_full_name() or owner.email,
                               code=codes[owner.pk], ip=DEMO_IP, user_agent=DEMO_USER_AGENT, now=now)
    if spec.target == S.ACCEPTED:
        return contract
    contract = contract_countersign(contract=contract, actor=admin, ip=STAFF_IP, user_agent=DEMO_USER_AGENT, now=now)
    _document(contract, ContractDocument.Kind.SIGNED)
    if spec.target == S.SIGNED:
        return contract
    # billing, once the deposit is paid
    return contract_activate(contract=contract, actor=None, now=now)


def _draft_for(merchant: Merchant) -> Contract | None:
    """The merchant's contract to take through the demo: the draft the approval of its application made. None
    when there is none (the onboarding demo did not run) or its contract is past its draft already."""
    contracts = Contract.objects.filter(merchant=merchant, kind=ContractKind.CONTRACT).exclude(status=S.CANCELLED)
    if contracts.exclude(status=S.DRAFT).exists():
        return None
    return contracts.order_by("pk").first()


def demo_contracts_load(*, now: dt.datetime | None = None) -> int:
    """Bring the demo contracts to their states; returns how many contracts were created or moved (0 on a second
    run). Needs the demo lead and administrator: without them it does nothing. A demo merchant missing, without
    an owner or without a draft contract (the onboarding demo did not run) is skipped."""
    now = now or timezone.now()
    staff = _demo_staff()
    if staff is None:
        return 0
    created = 0
    with _codes_read() as codes:
        for spec in demo_contract_specs():
            merchant = Merchant.objects.filter(name=spec.merchant).order_by("pk").first()
            owner = _owner(merchant) if merchant is not None else None
            if merchant is None or owner is None:
                continue
            with transaction.atomic():
                contract = _draft_for(merchant)
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
