"""The renewal proposal: the performance figures, the thresholds, and the reasons in words."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ..models import Contract
from ._base import D


@dataclass(frozen=True)
class RenewalMetrics:
    """The performance figures a proposal reads: GMV growth year on year (%) and satisfaction (of 5).
    None means there is no data for it."""

    gmv_yoy: Decimal | None = None
    satisfaction: Decimal | None = None

    @property
    def empty(self) -> bool:
        return self.gmv_yoy is None and self.satisfaction is None


def renewal_metrics(*, contract: Contract) -> RenewalMetrics:
    """The figures available for `contract`'s merchant. The portal holds no performance data yet (orders,
    GMV and satisfaction ratings come from the trading platform with a later issue), so both are None and
    the proposal says so; that feed fills them in here."""
    return RenewalMetrics()


def renewal_proposal(*, metrics: RenewalMetrics, gmv_threshold: Decimal,
                     satisfaction_threshold: Decimal) -> tuple[str, list[dict]]:
    """("renew" or "non_renew", reasons). Renew only when both thresholds are met; a missing figure is not met.
    Reasons are codes with their figures, told in the viewer's language by `renewal_reason_texts`."""
    if metrics.empty:
        return D.NON_RENEW, [{"code": "no_data"}]
    reasons: list[dict] = []
    met = True
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
    return (D.RENEW if met else D.NON_RENEW), reasons


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
    return texts
