"""Reads of the alerts (operator guide §21)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.models import Alert, AlertKind, RatingDimension


def alert_reason(*, alert: Alert) -> str:
    """What triggered the alert, in a sentence in the active language."""
    data = alert.data or {}
    if alert.kind == AlertKind.COMPLAINT_RATE:
        return _("Complaint rate %(rate)s%% over the rating window (the limit is %(limit)s%%).") % {
            "rate": data.get("complaint_rate", "-"), "limit": data.get("limit", "5")}
    if alert.kind == AlertKind.SCORE_BELOW:
        return _("Score %(score)s as of %(date)s, below %(limit)s.") % {
            "score": data.get("score", alert.score), "date": alert.as_of.isoformat(), "limit": data.get("limit", "80")}
    if alert.kind == AlertKind.RED_LINE:
        parts = [f"{RatingDimension(d['dimension']).label} {d['points']}" for d in data.get("dimensions", [])]
        return _("Below 60 points (red line): %(dimensions)s. A suspension review is due.") % {
            "dimensions": ", ".join(parts)}
    if alert.kind == AlertKind.REQUALIFICATION:
        return _("Score %(score)s at the quarterly check, below %(limit)s: the merchant is under "
                 "re-qualification.") % {"score": alert.score, "limit": data.get("limit", "80")}
    return _("Score %(score)s, rank %(rank)s of %(count)s at the annual tail review: nominated for "
             "non-renewal.") % {"score": alert.score, "rank": data.get("rank", "-"), "count": data.get("count", "-")}
