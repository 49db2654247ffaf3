"""The staff's timeline of a contract (the admin detail page): the contract timeline of `contracts.selectors`
(the merchant's pages use the same sentences) with what only staff read — each edited term and the ladder
before → after, the template version drafted from, the terms' hash at issue, who ended a contract, the
renewal review's proposal and overrides, and PDF downloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.money import format_money
from portal.text import join_names
from portal.timeline import TimelineEntry, text_details, timeline_build, when_display

from . import selectors
from .models import Contract, ContractKind, RenewalDecision, TerminationSide
from .renewals.proposal import renewal_reason_texts

# events only staff see (the merchant's timeline leaves them out: `selectors.INTERNAL_EVENTS`)
STAFF_SENTENCES = {
    "renewal_review_opened": gettext_lazy("Renewal proposal made"),
    "renewal_overridden": gettext_lazy("Renewal decision overridden"),
    "document_downloaded": gettext_lazy("PDF downloaded"),
}
MONEY_TERMS = {"technical_service_fee", "franchise_fee", "liquidated_damages_minimum", "deposit_amount",
               "min_annual_marketing"}


@dataclass
class TermChange:
    field: str
    label: str
    before: str
    after: str
    flagged: bool = False


def _field_label(name: str) -> str:
    try:
        label = str(Contract._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a term that no longer exists keeps its name
        return name
    return label[:1].upper() + label[1:]


def _money(value: Any, currency: str) -> str:
    try:
        return format_money(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError, TypeError, ArithmeticError):
        return str(value)


def _value(name: str, value: Any, *, currency: str) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if name in MONEY_TERMS:
        return _money(value, currency)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return join_names(str(v.get("name", v)) if isinstance(v, dict) else str(v) for v in value)
    return str(value)


def _terms_updated(entry: TimelineEntry, contract: Contract) -> None:
    before, after = entry.data.get("before") or {}, entry.data.get("after") or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return
    for name in after:
        entry.changes.append(TermChange(field=name, label=_field_label(name),
                                        before=_value(name, before.get(name), currency=contract.currency),
                                        after=_value(name, after.get(name), currency=contract.currency)))


def _ladder(bands: Any, currency: str) -> str:
    if not isinstance(bands, list) or not bands:
        return "—"
    return join_names(f"≥ {_money(b.get('min_gmv'), currency)}: {b.get('rate_percent')}%"
                      for b in bands if isinstance(b, dict))


def _ladder_set(entry: TimelineEntry, contract: Contract) -> None:
    entry.changes.append(TermChange(field="ladder", label=_("Contract ladder"),
                                    before=_ladder(entry.data.get("before"), contract.currency),
                                    after=_ladder(entry.data.get("after"), contract.currency)))


def _drafted(entry: TimelineEntry, contract: Contract) -> None:
    data = entry.data
    if data.get("kind") in (ContractKind.AMENDMENT, ContractKind.RENEWAL) and data.get("parent_number"):
        entry.details.append(_("From contract %(number)s.") % {"number": data["parent_number"]})
    if data.get("template_number"):
        entry.details.append(_("Template version %(number)s.") % {"number": data["template_number"]})
    entry.details += text_details(data, "summary")


def _derived(entry: TimelineEntry, contract: Contract) -> None:
    number = entry.data.get("amendment_number") or entry.data.get("renewal_number")
    if number:
        entry.details.append(_("Contract %(number)s.") % {"number": number})
    entry.details += text_details(entry.data, "summary")


def _issued(entry: TimelineEntry, contract: Contract) -> None:
    if entry.data.get("content_sha256"):
        entry.details.append(_("Terms SHA-256: %(hash)s") % {"hash": entry.data["content_sha256"]})


def _terminated(entry: TimelineEntry, contract: Contract) -> None:
    side = entry.data.get("side")
    if side in TerminationSide.values:
        entry.details.append(_("Ended by: %(side)s") % {"side": TerminationSide(side).label})
    selectors.DESCRIBERS["terminated"](entry, contract)
    if entry.data.get("with_parent"):
        entry.details.append(_("Ends with contract %(number)s.") % {"number": entry.data["with_parent"]})


def _term_end(entry: TimelineEntry, contract: Contract) -> None:
    if entry.data.get("ends_on"):
        entry.details.append(_("The term ends on %(date)s.") % {"date": when_display(entry.data["ends_on"])})
    if entry.data.get("renewal_number"):
        entry.details.append(_("Continued by contract %(number)s.") % {"number": entry.data["renewal_number"]})
    entry.details += text_details(entry.data, "reason")


def _review_opened(entry: TimelineEntry, contract: Contract) -> None:
    proposal = entry.data.get("proposal")
    if proposal in RenewalDecision.values:
        entry.details.append(_("Proposal: %(decision)s.") % {"decision": RenewalDecision(proposal).label})
    entry.details += renewal_reason_texts(entry.data.get("reasons") or [])


def _overridden(entry: TimelineEntry, contract: Contract) -> None:
    before, after = entry.data.get("from"), entry.data.get("to")
    if before in RenewalDecision.values and after in RenewalDecision.values:
        entry.details.append(_("From “%(before)s” to “%(after)s”.") % {
            "before": RenewalDecision(before).label, "after": RenewalDecision(after).label})
    entry.details += text_details(entry.data, "reason")


def _downloaded(entry: TimelineEntry, contract: Contract) -> None:
    if entry.data.get("sha256"):
        entry.details.append(_("Document SHA-256: %(sha)s") % {"sha": entry.data["sha256"]})


STAFF_DESCRIBERS = {
    "drafted": _drafted,
    "terms_updated": _terms_updated,
    "ladder_set": _ladder_set,
    "amendment_drafted": _derived,
    "renewal_drafted": _derived,
    "issued": _issued,
    "terminated": _terminated,
    "expiring": _term_end,
    "expired": _term_end,
    "renewed": _term_end,
    "renewal_review_opened": _review_opened,
    "renewal_overridden": _overridden,
    "document_downloaded": _downloaded,
}


def contract_staff_timeline(*, contract: Contract) -> list[TimelineEntry]:
    """The contract's history from the audit log for staff, oldest first, in the active language (one query)."""
    return timeline_build(
        target=contract, action_prefix=selectors.ACTION_PREFIX,
        sentences={**selectors.SENTENCES, **STAFF_SENTENCES},
        describers={**selectors.DESCRIBERS, **STAFF_DESCRIBERS}, context=lambda entries: contract,
    )
