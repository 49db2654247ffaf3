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
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Merchant
from portal.timeline import TimelineEntry, text_details, timeline_build, when_display

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


def contract_renewal_status(*, contract: Contract, today: dt.date | None = None):
    """What the merchant is told about the renewal of its contract: `contracts.renewals.contract_renewal_status`
    for the merchant (the review's proposal and reasons stay with staff); None while there is no term."""
    from .renewals import contract_renewal_status as renewal_status

    return renewal_status(contract=contract, for_merchant=True, today=today)


@dataclass
class MerchantContracts:
    current: Contract | None
    amendments: list[Contract] = field(default_factory=list)
    others: list[Contract] = field(default_factory=list)  # earlier, ended or cancelled-after-issue contracts
    preparing: bool = False  # a contract is being drafted for the merchant
    renewal: Any = None  # contracts.renewals.RenewalStatus


def contract_commission_today(*, contract: Contract, on: dt.date) -> list[dict[str, Any]]:
    """The merchant's view of its commission on `on`: for each of the contract's categories the final rate
    below the first ladder band and from each band on, as the commission function computes it today (grade,
    launch offer and approved overrides included). Empty when no commission table is in effect."""
    from .commission import CommissionError
    from .commission.describe import percent
    from .commission.selectors import contract_commission_table

    if contract.kind == ContractKind.AMENDMENT:
        return []
    try:
        table = contract_commission_table(contract=contract, on=on)
    except CommissionError:
        return []
    return [{"category": row.category.name,
             "bands": [{"from_gmv": band.from_gmv, "rate": percent(band.result.rate)} for band in row.bands]}
            for row in table]


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

ACTION_PREFIX = "contracts.contract."
# what happened, per event (the part of the action after ACTION_PREFIX)
SENTENCES = {
    "drafted": gettext_lazy("Drafted"),
    "terms_updated": gettext_lazy("Terms changed"),
    "ladder_set": gettext_lazy("Commission ladder set"),
    "amendment_drafted": gettext_lazy("An amendment is being prepared"),
    "renewal_drafted": gettext_lazy("A renewal is being prepared"),
    "issued": gettext_lazy("Issued to the merchant for acceptance"),
    "withdrawn": gettext_lazy("Withdrawn by the platform to be revised"),
    "cancelled": gettext_lazy("Cancelled"),
    "code_sent": gettext_lazy("Acceptance code emailed"),
    "code_wrong": gettext_lazy("A wrong acceptance code was entered"),
    "accepted": gettext_lazy("Accepted by the merchant"),
    "countersigned": gettext_lazy("Countersigned by the platform"),
    "activated": gettext_lazy("Active: the deposit is paid"),
    "expiring": gettext_lazy("Renewal review opened"),
    "expired": gettext_lazy("Expired"),
    "renewed": gettext_lazy("Renewed"),
    "terminated": gettext_lazy("Terminated"),
    "contracts.document.rendered": gettext_lazy("PDF generated"),
}
# the operator's own work, which the merchant's timeline leaves out
INTERNAL_EVENTS = {"drafted", "terms_updated", "ladder_set", "renewal_drafted",
                   # the renewal review and the admin's downloads (contracts.renewals, contracts.admin_views)
                   "renewal_review_opened", "renewal_overridden", "document_downloaded"}
HIDDEN_KEYS = {"user_agent", "code", "template_version"}


def _day(value: Any) -> str:
    """A stored ISO date as the viewer reads dates ("" for nothing)."""
    day = parse_date(str(value)) if value else None
    return date_format(day, "SHORT_DATE_FORMAT") if day is not None else when_display(value)


def _describe_accepted(entry: TimelineEntry, _ctx: Any) -> None:
    data = entry.data
    if data.get("typed_name"):
        entry.details.append(_("Typed name: %(name)s") % {"name": data["typed_name"]})
    if data.get("pdf_sha256"):
        entry.details.append(_("Document SHA-256: %(sha)s") % {"sha": data["pdf_sha256"]})


def _describe_code_sent(entry: TimelineEntry, _ctx: Any) -> None:
    if entry.data.get("to"):
        entry.details.append(_("To %(email)s") % {"email": entry.data["to"]})


def _describe_reason(entry: TimelineEntry, _ctx: Any) -> None:
    entry.details += [_("Reason: %(reason)s") % {"reason": text} for text in text_details(entry.data, "reason")]
    if entry.data.get("effective_on"):
        entry.details.append(_("Effective from %(date)s") % {"date": _day(entry.data["effective_on"])})


def _describe_countersigned(entry: TimelineEntry, _ctx: Any) -> None:
    if entry.data.get("starts_on"):
        entry.details.append(_("Term: %(start)s to %(end)s") % {"start": _day(entry.data["starts_on"]),
                                                                "end": _day(entry.data.get("ends_on"))})


def _describe_rendered(entry: TimelineEntry, _ctx: Any) -> None:
    kind = entry.data.get("kind")
    labels = dict(ContractDocument.Kind.choices)
    if kind in labels:
        entry.details.append(str(labels[kind]))
    if entry.data.get("sha256"):
        entry.details.append(_("Document SHA-256: %(sha)s") % {"sha": entry.data["sha256"]})


DESCRIBERS = {"accepted": _describe_accepted, "code_sent": _describe_code_sent, "withdrawn": _describe_reason,
              "cancelled": _describe_reason, "terminated": _describe_reason, "renewed": _describe_reason,
              "countersigned": _describe_countersigned, "contracts.document.rendered": _describe_rendered}


def contract_timeline(*, contract: Contract, for_merchant: bool = True) -> list[TimelineEntry]:
    """What happened to the contract, oldest first, from the audit log (`portal.timeline`). For the merchant:
    without the operator's drafting work, staff shown as "the platform", its own users by name. Two queries
    (the entries, and the merchant's members for the merchant's view)."""
    members: set[int] = set()
    if for_merchant:
        from portal.models import MerchantMembership

        members = set(MerchantMembership.objects.filter(merchant_id=contract.merchant_id)
                      .values_list("user_id", flat=True))
    return timeline_build(target=contract, action_prefix=ACTION_PREFIX, sentences=SENTENCES, describers=DESCRIBERS,
                          team_name=str(_("The platform")) if for_merchant else None, member_ids=members,
                          hidden_events=INTERNAL_EVENTS, hidden_keys=HIDDEN_KEYS)


# ---- the workspace

def merchant_contracts_for_workspace(*, merchant: Merchant) -> list[Contract]:
    """The merchant's contracts the workspace speaks of (not cancelled, not ended), newest first, each with
    `has_issued_pdf` (one query)."""
    issued_pdf = ContractDocument.objects.filter(contract=OuterRef("pk"), kind=ContractDocument.Kind.ISSUED)
    return list(Contract.objects.filter(merchant=merchant)
                .exclude(status__in=[S.CANCELLED, S.EXPIRED, S.TERMINATED, S.RENEWED])
                .annotate(has_issued_pdf=Exists(issued_pdf))
                .only("pk", "number", "kind", "status", "grade", "deposit_amount", "currency", "issued_at", "starts_on",
                      "ends_on", "parent_id", "merchant_id", "created_at")
                .order_by("-created_at", "-id"))


# ---- the end of the term (for the periodic renewal review)

def contracts_to_mark_expiring(*, today: dt.date, settings: ContractSettings | None = None) -> QuerySet[Contract]:
    """Active main contracts whose renewal review has opened by `today` (ContractSettings.renewal_review_days
    before the term ends): `contract_expiring_mark` moves each."""
    settings = settings or ContractSettings.load()
    return (Contract.objects.filter(status=S.ACTIVE, kind__in=MAIN_KINDS, ends_on__isnull=False,
                                    ends_on__lte=today + dt.timedelta(days=settings.renewal_review_days))
            .select_related("merchant").order_by("ends_on", "id"))


def contracts_to_expire(*, today: dt.date) -> QuerySet[Contract]:
    """Expiring contracts whose last day has passed without a renewal: `contract_expire` moves each."""
    return (Contract.objects.filter(status=S.EXPIRING, ends_on__lt=today).select_related("merchant")
            .order_by("ends_on", "id"))
