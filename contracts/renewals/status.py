"""Where a contract's renewal stands, for the admin and (without the proposal) for the merchant's pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import Contract, ContractKind, ContractSettings, RenewalReview
from ..models.contracts import BINDING_STATUSES
from ._base import RENEWABLE_KINDS, D, S
from .proposal import renewal_reason_texts
from .reviews import review_opens_on


@dataclass
class RenewalStatus:
    """Where a contract's renewal stands, in words of the active language.

    `state`: "not_yet" (the review opens on `opens_on`), "open" (under review), "renewal" (a renewal contract
    is under way), "renewal_signed", "renewed", "expired", "ended" (terminated). For the merchant's pages
    (`for_merchant`) the proposal, the decision and the reasons are left out until a renewal contract exists.
    """

    state: str
    label: str
    detail: str
    ends_on: dt.date | None
    opens_on: dt.date | None = None
    days_left: int | None = None
    review: RenewalReview | None = None
    renewal: Contract | None = None
    proposal_label: str = ""
    decision_label: str = ""
    overridden: bool = False
    reasons: list[str] = field(default_factory=list)


def contract_renewal_status(*, contract: Contract, for_merchant: bool = False,
                            today: dt.date | None = None) -> RenewalStatus | None:
    """The renewal status of a contract or renewal (None for drafts, cancelled contracts, amendments and
    contracts without an end date yet). Two queries."""
    if contract.kind not in RENEWABLE_KINDS or contract.ends_on is None:
        return None
    if contract.status not in (*BINDING_STATUSES, S.RENEWED, S.EXPIRED, S.TERMINATED):
        return None
    today = today or timezone.localdate()
    settings = ContractSettings.load()
    ends_on = contract.ends_on
    ends_text = date_format(ends_on, "DATE_FORMAT")
    days_left = (ends_on - today).days
    renewal = (Contract.objects.filter(parent=contract, kind=ContractKind.RENEWAL)
               .exclude(status=S.CANCELLED).order_by("-created_at", "-id").first())
    review = (RenewalReview.objects.filter(contract=contract).select_related("overridden_by")
              .order_by("-opened_at", "-id").first())
    base: dict[str, Any] = {"ends_on": ends_on, "days_left": days_left, "review": review, "renewal": renewal}
    if review is not None and not for_merchant:
        base.update(proposal_label=str(D(review.proposal).label), decision_label=str(D(review.decision).label),
                    overridden=review.overridden, reasons=renewal_reason_texts(review.reasons))
    if contract.status == S.TERMINATED:
        return RenewalStatus(state="ended", label=_("Terminated: no renewal"), detail="", **base)
    if contract.status == S.RENEWED:
        return RenewalStatus(state="renewed", label=_("Renewed"), detail=(
            _("Continued by contract %(number)s.") % {"number": renewal.number} if renewal else ""), **base)
    if contract.status == S.EXPIRED:
        return RenewalStatus(state="expired", label=_("Expired"),
                             detail=_("The term ended on %(date)s.") % {"date": ends_text}, **base)
    if renewal is not None:
        signed = renewal.status in BINDING_STATUSES
        return RenewalStatus(
            state="renewal_signed" if signed else "renewal",
            label=_("Renewal signed") if signed else _("Renewal under way"),
            detail=_("Renewal contract %(number)s: %(status)s. This contract ends on %(date)s.")
            % {"number": renewal.number, "status": renewal.get_status_display(), "date": ends_text}, **base)
    opens_on = review_opens_on(contract, settings=settings)
    if review is None or review.ends_on != ends_on:
        return RenewalStatus(state="not_yet", label=_("Not yet due"), opens_on=opens_on,
                             detail=_("The renewal review opens on %(opens)s; the term ends on %(date)s.")
                             % {"opens": date_format(opens_on, "DATE_FORMAT"), "date": ends_text},
                             **{**base, "review": None, "proposal_label": "", "decision_label": "",
                                "overridden": False, "reasons": []})
    if for_merchant:
        detail = _("The term ends on %(date)s (in %(days)s days). The recruitment team is reviewing the renewal "
                   "and will contact you.") % {"date": ends_text, "days": max(days_left, 0)}
    else:
        detail = _("The term ends on %(date)s (in %(days)s days). Decision: %(decision)s.") % {
            "date": ends_text, "days": max(days_left, 0), "decision": D(review.decision).label}
    return RenewalStatus(state="open", label=_("Renewal under review"), opens_on=opens_on, detail=detail, **base)


def renewal_reviews_open(*, queryset: models.QuerySet | None = None) -> models.QuerySet[RenewalReview]:
    """The open reviews, the soonest end first (for dashboards)."""
    qs = queryset if queryset is not None else RenewalReview.objects.all()
    return qs.filter(closed_at__isnull=True).select_related("contract__merchant").order_by("ends_on", "pk")
