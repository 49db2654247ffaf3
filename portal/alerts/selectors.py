"""Reads of the alerts (operator guide §28)."""

from __future__ import annotations

import datetime as dt

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


def tail_review_latest(*, merchant_id: int, since: dt.datetime) -> Alert | None:
    """The merchant's latest annual tail review raised since `since`: its nomination for non-renewal, open while
    the lead has not decided, closed with the outcome "renew" or "do not renew"."""
    return (Alert.objects.filter(merchant_id=merchant_id, kind=AlertKind.TAIL_REVIEW, created_at__gte=since)
            .order_by("-created_at", "-id").first())


def alerts_for_staff():
    """Every alert with what a row of the admin list shows (merchant, owner, squad): one query for a page."""
    return Alert.objects.select_related("merchant", "owner", "squad")


def alert_for_staff(*, pk: int) -> Alert | None:
    return (Alert.objects.select_related("merchant", "owner", "squad", "rating", "acknowledged_by", "closed_by")
            .filter(pk=pk).first())


def alert_details(*, alert: Alert) -> list[tuple[str, str]]:
    """What triggered the alert as (label, value) lines, in the active language."""
    data = alert.data or {}
    lines: list[tuple[str, str]] = []
    if alert.kind == AlertKind.COMPLAINT_RATE:
        lines += [(_("Complaint rate"), f"{data.get('complaint_rate', '-')}%"),
                  (_("Limit"), f"{data.get('limit', '5')}%")]
    elif alert.kind == AlertKind.RED_LINE:
        lines += [(str(RatingDimension(d["dimension"]).label), str(d["points"])) for d in data.get("dimensions", [])]
    elif alert.kind == AlertKind.TAIL_REVIEW:
        lines += [(_("Rank"), _("%(rank)s of %(count)s") % {"rank": data.get("rank", "-"),
                                                            "count": data.get("count", "-")}),
                  (_("Reviewed on"), str(data.get("reviewed_on", "-")))]
    else:
        lines += [(_("Limit"), str(data.get("limit", "80")))]
        if data.get("checked_on"):
            lines.append((_("Quarterly check of"), str(data["checked_on"])))
    return lines


ALERT_ACTION_PREFIX = "portal.alert."


def alert_timeline(*, alert: Alert) -> list:
    """The alert's history, oldest first: raised (and emailed) from its row, then its audit entries."""
    from django.utils.translation import gettext_lazy

    from portal.timeline import TimelineEntry, text_details, timeline_build

    def noted(entry, _context) -> None:
        entry.details = text_details(entry.data, "note", "conditions")
        if entry.data.get("outcome"):
            from portal.models import AlertOutcome

            entry.details.insert(0, str(AlertOutcome(entry.data["outcome"]).label))

    system = _("System")
    entries = [TimelineEntry(at=alert.created_at, action="", event="raised", label=_("Alert raised"),
                             actor_name=system, data={}, details=[alert_reason(alert=alert)])]
    if alert.emailed_at:
        entries.append(TimelineEntry(at=alert.emailed_at, action="", event="emailed",
                                     label=_("Alert emailed to its recipients"), actor_name=system, data={}))
    entries += timeline_build(
        target=alert, action_prefix=ALERT_ACTION_PREFIX,
        sentences={"acknowledged": gettext_lazy("Alert acknowledged"), "closed": gettext_lazy("Alert closed")},
        describers={"acknowledged": noted, "closed": noted})
    return sorted(entries, key=lambda e: e.at)
