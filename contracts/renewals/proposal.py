"""The renewal proposal: the performance figures, the thresholds, and the reasons in words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from portal.alerts.selectors import tail_review_latest
from portal.models import AlertOutcome, AlertStatus
from portal.performance.selectors import merchant_year_figures

from ..models import Contract
from ._base import D

TAIL_NOMINATED, TAIL_NOT_RENEW = "nominated", "not_renew"
GMV_YOY_MAX = Decimal("99999.99")


@dataclass(frozen=True)
class RenewalMetrics:
    """The performance figures a proposal reads: GMV growth year on year (%) and satisfaction (of 5). None means
    there is no data for it. `tail_review` is the merchant's annual tail review of the last year, when it weighs
    against renewal: "nominated" (the bottom share by score, not decided yet) or "not_renew" (decided so)."""

    gmv_yoy: Decimal | None = None
    satisfaction: Decimal | None = None
    tail_review: str = ""

    @property
    def empty(self) -> bool:
        return self.gmv_yoy is None and self.satisfaction is None


def renewal_metrics(*, contract: Contract, on: dt.date) -> RenewalMetrics:
    """The figures of `contract`'s merchant as the review opens on `on`, from the trading platform's data
    (`portal.performance`): GMV of the order lines completed in the 365 days before `on` against the 365 days
    before those, in the contract's currency; the buyers' satisfaction over the last 365 days; and a tail review
    raised in that year that nominated the merchant for non-renewal (unless it was decided "renew")."""
    figures = merchant_year_figures(merchant_id=contract.merchant_id, on=on, currency=contract.currency or None)
    since = timezone.make_aware(dt.datetime.combine(on - dt.timedelta(days=365), dt.time.min))
    tail = tail_review_latest(merchant_id=contract.merchant_id, since=since)
    tail_review = ""
    if tail is not None and tail.status != AlertStatus.CLOSED:
        tail_review = TAIL_NOMINATED
    elif tail is not None and tail.outcome == AlertOutcome.NOT_RENEW:
        tail_review = TAIL_NOT_RENEW
    gmv_yoy = figures.gmv_yoy
    if gmv_yoy is not None:
        gmv_yoy = min(gmv_yoy, GMV_YOY_MAX)  # what the review's field holds: growth beyond it meets any threshold
    return RenewalMetrics(gmv_yoy=gmv_yoy, satisfaction=figures.satisfaction, tail_review=tail_review)


def renewal_proposal(*, metrics: RenewalMetrics, gmv_threshold: Decimal,
                     satisfaction_threshold: Decimal) -> tuple[str, list[dict]]:
    """("renew" or "non_renew", reasons). Renew only when both thresholds are met; a missing figure is not met.
    Reasons are codes with their figures, told in the viewer's language by `renewal_reason_texts`."""
    tail = [{"code": f"tail_review_{metrics.tail_review}"}] if metrics.tail_review else []
    if metrics.empty:
        return D.NON_RENEW, [{"code": "no_data"}, *tail]
    reasons: list[dict] = []
    met = not tail
    for code, value, threshold in (("gmv", metrics.gmv_yoy, gmv_threshold),
                                   ("satisfaction", metrics.satisfaction, satisfaction_threshold)):
        if value is None:
            reasons.append({"code": f"{code}_missing", "threshold": str(threshold)})
            met = False
        else:
            ok = Decimal(value) >= Decimal(threshold)
            met = met and ok
            reasons.append({"code": f"{code}_{'met' if ok else 'below'}", "value": str(value),
                            "threshold": str(threshold)})
    return (D.RENEW if met else D.NON_RENEW), [*reasons, *tail]


def _figure(value: Any) -> str:
    try:
        return number_format(Decimal(str(value)).normalize(), use_l10n=True)
    except (ArithmeticError, ValueError, TypeError):
        return str(value)


def renewal_reason_texts(reasons: list) -> list[str]:
    """The reasons of a proposal as sentences in the active language."""
    texts = []
    for reason in reasons or []:
        if not isinstance(reason, dict):
            continue
        code = reason.get("code")
        values = {"value": _figure(reason.get("value")), "threshold": _figure(reason.get("threshold"))}
        if code == "no_data":
            texts.append(_("No performance data yet: GMV growth and satisfaction are not available, so the "
                           "renewal thresholds cannot be met."))
        elif code == "gmv_met":
            texts.append(_("GMV grew %(value)s%% year on year (at least %(threshold)s%% needed).") % values)
        elif code == "gmv_below":
            texts.append(_("GMV grew only %(value)s%% year on year (at least %(threshold)s%% needed).") % values)
        elif code == "gmv_missing":
            texts.append(_("No GMV figures for the year on year comparison (at least %(threshold)s%% growth "
                           "needed).") % values)
        elif code == "satisfaction_met":
            texts.append(_("Satisfaction is %(value)s of 5 (at least %(threshold)s needed).") % values)
        elif code == "satisfaction_below":
            texts.append(_("Satisfaction is only %(value)s of 5 (at least %(threshold)s needed).") % values)
        elif code == "satisfaction_missing":
            texts.append(_("No satisfaction ratings (at least %(threshold)s of 5 needed).") % values)
        elif code == "tail_review_nominated":
            texts.append(_("Nominated for non-renewal at the annual tail review (among the lowest scores); the "
                           "review has not been decided yet."))
        elif code == "tail_review_not_renew":
            texts.append(_("The annual tail review decided not to renew."))
    return texts
