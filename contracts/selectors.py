"""Reads of contracts, for the merchant's pages and workspace (and whoever else needs them).

Every merchant-side selector takes the merchant the request works in and returns only its contracts, and only
in the states the merchant sees (`MERCHANT_VISIBLE_STATUSES`: a draft is the operator's own work). Lists cost a
fixed number of queries whatever their length (tests count them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entries_for
from portal.models import AuditEntry, Merchant

from .models import Contract, ContractDocument, ContractKind, ContractSettings, ContractStatus
from .models.contracts import BINDING_STATUSES, MERCHANT_VISIBLE_STATUSES

S = ContractStatus
MAIN_KINDS = [ContractKind.CONTRACT, ContractKind.RENEWAL]
# states in which the merchant knows a contract is on its way, though it does not see it yet
PREPARING_STATUSES = [S.DRAFT]


def _documents_prefetch() -> Prefetch:
    return Prefetch("documents", queryset=ContractDocument.objects.exclude(kind=ContractDocument.Kind.DRAFT)
                    .order_by("created_at", "id"), to_attr="visible_documents")


def contracts_visible_for_merchant(*, merchant: Merchant) -> QuerySet[Contract]:
    """The merchant's contracts it may see, newest first, with their template version, parent and PDFs (two
    queries whatever their number)."""
    return (Contract.objects.filter(merchant=merchant, status__in=MERCHANT_VISIBLE_STATUSES)
            .select_related("template_version", "parent").prefetch_related(_documents_prefetch())
            .order_by("-created_at", "-id"))


def contract_get_for_merchant(*, merchant: Merchant, pk: Any) -> Contract | None:
    """The contract `pk` if it is the merchant's and visible to it; None otherwise (the view answers 404)."""
    from portal.ids import id_parse

    pk = id_parse(pk)
    if pk is None:
        return None
    return (contracts_visible_for_merchant(merchant=merchant).filter(pk=pk)
            .prefetch_related("categories", "ladder_bands").first())


def contract_document_for_merchant(*, merchant: Merchant, pk: Any, kind: str) -> ContractDocument | None:
    """The contract's issued or signed PDF, if the contract is the merchant's and visible; None otherwise."""
    from portal.ids import id_parse

    pk = id_parse(pk)
    if pk is None or kind not in (ContractDocument.Kind.ISSUED, ContractDocument.Kind.SIGNED):
        return None
    return (ContractDocument.objects.select_related("contract")
            .filter(contract_id=pk, kind=kind, contract__merchant=merchant,
                    contract__status__in=MERCHANT_VISIBLE_STATUSES).first())


def document_of(contract: Contract, kind: str) -> ContractDocument | None:
    """The contract's PDF of `kind` from its prefetched documents (no query)."""
    documents = getattr(contract, "visible_documents", None)
    if documents is None:
        documents = list(contract.documents.exclude(kind=ContractDocument.Kind.DRAFT))
    return next((d for d in documents if d.kind == kind), None)


@dataclass
class RenewalStatus:
    """What the merchant is told about the renewal of its contract. The renewal review (staff side) fills in
    `proposal` and `decided`; until then the dates say when it opens."""

    ends_on: dt.date | None
    review_opens_on: dt.date | None
    state: str  # "not_yet" | "open" | "renewed" | "expired" | "none"
    label: str
    detail: str = ""
    proposal: str = ""  # "renew" | "not_renew" | "" (none yet)
    decided: bool = False


def contract_renewal_status(*, contract: Contract, today: dt.date | None = None,
                            settings: ContractSettings | None = None) -> RenewalStatus:
    """The renewal status of a main contract, as far as the term's dates tell it (no query beyond the
    settings). The renewal review adds its proposal here once it exists."""
    today = today or timezone.localdate()
    if contract.ends_on is None:
        return RenewalStatus(ends_on=None, review_opens_on=None, state="none",
                             label=_("The term starts when the contract is countersigned."))
    settings = settings or ContractSettings.load()
    opens_on = contract.ends_on - dt.timedelta(days=settings.renewal_review_days)
    if contract.status == S.RENEWED:
        return RenewalStatus(ends_on=contract.ends_on, review_opens_on=opens_on, state="renewed",
                             label=_("Renewed"), decided=True, proposal="renew")
    if contract.status == S.EXPIRED:
        return RenewalStatus(ends_on=contract.ends_on, review_opens_on=opens_on, state="expired",
                             label=_("Expired without renewal"), decided=True, proposal="not_renew")
    if contract.status == S.EXPIRING or (contract.status in BINDING_STATUSES and today >= opens_on):
        return RenewalStatus(ends_on=contract.ends_on, review_opens_on=opens_on, state="open",
                             label=_("Renewal review open"),
                             detail=_("The recruitment team reviews the renewal before the term ends on %(date)s; "
                                      "we email you its proposal.") % {"date": contract.ends_on.isoformat()})
    return RenewalStatus(ends_on=contract.ends_on, review_opens_on=opens_on, state="not_yet",
                         label=_("Not yet due"),
                         detail=_("The renewal review opens on %(date)s.") % {"date": opens_on.isoformat()})


@dataclass
class MerchantContracts:
    current: Contract | None
    amendments: list[Contract] = field(default_factory=list)
    others: list[Contract] = field(default_factory=list)  # earlier, ended or cancelled-after-issue contracts
    preparing: bool = False  # a contract is being drafted for the merchant
    renewal: RenewalStatus | None = None


def merchant_contracts(*, merchant: Merchant, today: dt.date | None = None) -> MerchantContracts:
    """The merchant's contract page: the current main contract (the newest binding one, else the newest
    issued or accepted one, else the newest), its amendments, the rest, and whether one is being prepared.
    Four queries whatever the number of contracts (contracts, their PDFs, the drafts, the settings)."""
    contracts = list(contracts_visible_for_merchant(merchant=merchant))
    mains = [c for c in contracts if c.kind in MAIN_KINDS]
    current = (next((c for c in mains if c.status in BINDING_STATUSES), None)
               or next((c for c in mains if c.status in (S.ISSUED, S.ACCEPTED)), None)
               or (mains[0] if mains else None))
    amendments = [c for c in contracts if c.kind == ContractKind.AMENDMENT and current is not None
                  and c.parent_id == current.pk]
    others = [c for c in contracts if c is not current and c not in amendments]
    preparing = Contract.objects.filter(merchant=merchant, status__in=PREPARING_STATUSES).exists()
    renewal = contract_renewal_status(contract=current, today=today) if current is not None else None
    return MerchantContracts(current=current, amendments=amendments, others=others, preparing=preparing,
                             renewal=renewal)


# ---- the timeline

def _event_labels() -> dict[str, str]:
    return {
        "issued": _("Issued to you for acceptance"),
        "withdrawn": _("Withdrawn by the platform to be revised"),
        "cancelled": _("Cancelled"),
        "code_sent": _("Acceptance code emailed"),
        "code_wrong": _("A wrong acceptance code was entered"),
        "accepted": _("Accepted"),
        "countersigned": _("Countersigned by the platform"),
        "activated": _("Active: the deposit is paid"),
        "expiring": _("Renewal review opened"),
        "expired": _("Expired"),
        "renewed": _("Renewed"),
        "terminated": _("Terminated"),
        "amendment_drafted": _("An amendment is being prepared"),
    }


MERCHANT_EVENTS = ("issued", "withdrawn", "cancelled", "code_sent", "code_wrong", "accepted",
                   "countersigned", "activated", "expiring", "expired", "renewed", "terminated",
                   "amendment_drafted")


@dataclass
class TimelineEntry:
    at: dt.datetime
    event: str
    label: str
    actor_name: str
    details: list[str]


def _merchant_member_ids(merchant_id: int) -> set[int]:
    from portal.models import MerchantMembership

    return set(MerchantMembership.objects.filter(merchant_id=merchant_id).values_list("user_id", flat=True))


def contract_timeline(*, contract: Contract, for_merchant: bool = True) -> list[TimelineEntry]:
    """What happened to the contract, oldest first, from the audit log. For the merchant: only the events it
    took part in or is told of, staff shown as "the platform", its own users by name (two queries)."""
    labels = _event_labels()
    prefix = "contracts.contract."
    entries: list[AuditEntry] = list(audit_entries_for(target=contract))
    members = _merchant_member_ids(contract.merchant_id) if for_merchant else set()
    out = []
    for entry in entries:
        event = entry.action.removeprefix(prefix)
        if for_merchant and event not in MERCHANT_EVENTS:
            continue
        data = entry.data or {}
        if entry.actor_id is None or for_merchant and entry.actor_id not in members:
            actor_name = _("The platform")
        else:
            actor_name = entry.actor_repr or (entry.actor.email if entry.actor else "")
        details: list[str] = []
        if event == "accepted":
            details.append(_("Typed name: %(name)s") % {"name": data.get("typed_name", "")})
            details.append(_("Document SHA-256: %(sha)s") % {"sha": data.get("pdf_sha256", "")})
        elif event == "code_sent":
            details.append(_("To %(email)s") % {"email": data.get("to", "")})
        elif event in ("withdrawn", "cancelled", "terminated") and data.get("reason"):
            details.append(_("Reason: %(reason)s") % {"reason": data["reason"]})
        if event == "terminated" and data.get("effective_on"):
            details.append(_("Effective from %(date)s") % {"date": data["effective_on"]})
        if event == "countersigned" and data.get("starts_on"):
            details.append(_("Term: %(start)s to %(end)s") % {"start": data["starts_on"], "end": data.get("ends_on")})
        if for_merchant and entry.ip_address and entry.actor_id in members:
            details.append(_("IP address: %(ip)s") % {"ip": entry.ip_address})
        out.append(TimelineEntry(at=entry.created_at, event=event, label=labels.get(event, event),
                                 actor_name=actor_name, details=details))
    return out


# ---- the workspace

def merchant_contracts_for_workspace(*, merchant: Merchant) -> list[Contract]:
    """The merchant's contracts the workspace speaks of (not cancelled, not ended), newest first, each with
    `has_issued_pdf` (one query)."""
    issued_pdf = ContractDocument.objects.filter(contract=OuterRef("pk"), kind=ContractDocument.Kind.ISSUED)
    return list(Contract.objects.filter(merchant=merchant)
                .exclude(status__in=[S.CANCELLED, S.EXPIRED, S.TERMINATED, S.RENEWED])
                .annotate(has_issued_pdf=Exists(issued_pdf))
                .only("pk", "number", "kind", "status", "deposit_amount", "currency", "issued_at", "starts_on",
                      "ends_on", "parent_id", "merchant_id", "created_at")
                .order_by("-created_at", "-id"))
