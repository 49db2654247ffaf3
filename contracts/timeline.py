"""A contract's timeline, read from the audit log (`contracts.contract.<event>`) and told in the viewer's
language on the shared builder `portal.timeline`: each event a sentence, with detail lines (reasons, hashes,
dates) and, for edited terms, one row per term before → after.

For the merchant (`for_merchant`), staff appear as the recruitment team, and internal events (terms edited
while drafting, renewal proposals and overrides, codes, downloads) and internal data are left out.
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

from .models import Contract, ContractKind, RenewalDecision, TerminationSide

ACTION_PREFIX = "contracts.contract."

SENTENCES = {
    "drafted": gettext_lazy("Contract drafted"),
    "terms_updated": gettext_lazy("Terms changed"),
    "ladder_set": gettext_lazy("Contract ladder set"),
    "amendment_drafted": gettext_lazy("Amendment drafted"),
    "renewal_drafted": gettext_lazy("Renewal contract drafted"),
    "issued": gettext_lazy("Issued to the merchant"),
    "withdrawn": gettext_lazy("Withdrawn for revision"),
    "cancelled": gettext_lazy("Contract cancelled"),
    "acceptance_code_sent": gettext_lazy("Acceptance code sent"),
    "acceptance_code_wrong": gettext_lazy("Wrong acceptance code entered"),
    "accepted": gettext_lazy("Accepted by the merchant"),
    "countersigned": gettext_lazy("Countersigned"),
    "activated": gettext_lazy("Contract active"),
    "terminated": gettext_lazy("Contract terminated"),
    "expiring": gettext_lazy("Term ending: renewal review open"),
    "expired": gettext_lazy("Contract expired"),
    "renewed": gettext_lazy("Contract renewed"),
    "renewal_review_opened": gettext_lazy("Renewal review opened"),
    "renewal_overridden": gettext_lazy("Renewal decision overridden"),
    "document_downloaded": gettext_lazy("PDF downloaded"),
}
INTERNAL_EVENTS = {"terms_updated", "ladder_set", "acceptance_code_wrong", "renewal_review_opened",
                   "renewal_overridden", "document_downloaded"}
INTERNAL_KEYS = ("before", "after", "code", "reason_internal", "proposal", "reasons")


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


MONEY_TERMS = {"technical_service_fee", "franchise_fee", "liquidated_damages_minimum", "deposit_amount",
               "min_annual_marketing"}


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


def _money(value: Any, currency: str) -> str:
    try:
        return format_money(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError, TypeError, ArithmeticError):
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
        return _("none")
    return join_names(f"≥ {_money(b.get('min_gmv'), currency)}: {b.get('rate_percent')}%"
                      for b in bands if isinstance(b, dict))


def _ladder_set(entry: TimelineEntry, contract: Contract) -> None:
    entry.changes.append(TermChange(field="ladder", label=_("Contract ladder"),
                                    before=_ladder(entry.data.get("before"), contract.currency),
                                    after=_ladder(entry.data.get("after"), contract.currency)))


def _drafted(entry: TimelineEntry, contract: Contract) -> None:
    data = entry.data
    kind = data.get("kind")
    if kind == ContractKind.AMENDMENT and data.get("parent_number"):
        entry.label = _("Amendment drafted for contract %(number)s") % {"number": data["parent_number"]}
    elif kind == ContractKind.RENEWAL and data.get("parent_number"):
        entry.label = _("Renewal drafted for contract %(number)s") % {"number": data["parent_number"]}
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


def _accepted(entry: TimelineEntry, contract: Contract) -> None:
    data = entry.data
    if data.get("typed_name"):
        entry.details.append(_("Name typed: %(name)s") % {"name": data["typed_name"]})
    if data.get("pdf_sha256"):
        entry.details.append(_("PDF SHA-256: %(hash)s") % {"hash": data["pdf_sha256"]})


def _countersigned(entry: TimelineEntry, contract: Contract) -> None:
    data = entry.data
    if data.get("starts_on") and data.get("ends_on"):
        entry.details.append(_("Term from %(start)s to %(end)s.")
                             % {"start": when_display(data["starts_on"]), "end": when_display(data["ends_on"])})
    if data.get("launch_offer"):
        entry.details.append(_("Signed in the launch window: the launch offer applies."))


def _terminated(entry: TimelineEntry, contract: Contract) -> None:
    data = entry.data
    side = data.get("side")
    if side in TerminationSide.values:
        entry.details.append(_("Ended by: %(side)s") % {"side": TerminationSide(side).label})
    if data.get("effective_on"):
        entry.details.append(_("Takes effect on %(date)s.") % {"date": when_display(data["effective_on"])})
    if data.get("with_parent"):
        entry.details.append(_("Ends with contract %(number)s.") % {"number": data["with_parent"]})
    entry.details += text_details(data, "reason")


def _term_end(entry: TimelineEntry, contract: Contract) -> None:
    if entry.data.get("ends_on"):
        entry.details.append(_("The term ends on %(date)s.") % {"date": when_display(entry.data["ends_on"])})
    if entry.data.get("renewal_number"):
        entry.details.append(_("Continued by contract %(number)s.") % {"number": entry.data["renewal_number"]})
    entry.details += text_details(entry.data, "reason")


def _review_opened(entry: TimelineEntry, contract: Contract) -> None:
    from .renewals import renewal_reason_texts

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


def _reasons(entry: TimelineEntry, contract: Contract) -> None:
    entry.details += text_details(entry.data, "reason")


def _downloaded(entry: TimelineEntry, contract: Contract) -> None:
    if entry.data.get("sha256"):
        entry.details.append(_("PDF SHA-256: %(hash)s") % {"hash": entry.data["sha256"]})


DESCRIBERS = {
    "drafted": _drafted,
    "terms_updated": _terms_updated,
    "ladder_set": _ladder_set,
    "amendment_drafted": _derived,
    "renewal_drafted": _derived,
    "issued": _issued,
    "withdrawn": _reasons,
    "cancelled": _reasons,
    "accepted": _accepted,
    "countersigned": _countersigned,
    "terminated": _terminated,
    "expiring": _term_end,
    "expired": _term_end,
    "renewed": _term_end,
    "renewal_review_opened": _review_opened,
    "renewal_overridden": _overridden,
    "document_downloaded": _downloaded,
}


def contract_timeline(contract: Contract, *, for_merchant: bool = False) -> list[TimelineEntry]:
    """The contract's history from the audit log, oldest first, in the active language."""
    member_ids = (set(contract.merchant.memberships.values_list("user_id", flat=True)) if for_merchant else set())
    return timeline_build(
        target=contract, action_prefix=ACTION_PREFIX, sentences=SENTENCES, describers=DESCRIBERS,
        context=lambda entries: contract, team_name=_("Recruitment team") if for_merchant else None,
        member_ids=member_ids, hidden_events=INTERNAL_EVENTS, hidden_keys=INTERNAL_KEYS,
    )
