"""Alerts on the credit rating (BUSINESS_RULES §8, §4.3; operator guide §28).

    rating_alerts_raise(...)    the nightly recompute's end of a chunk: from the chunk's new ratings, in a fixed
                                number of queries whatever its size, an alert per merchant and kind —
                                complaint rate above 5% (squad and management), score below 80 (nightly
                                warning to the squad), a dimension below 60 points (red line: suspension review
                                for the squad lead); the emails go after commit
    alert_acknowledge(...)      open → acknowledged (the owner has taken it up), with a note
    alert_close(...)            open | acknowledged → closed, with a note; a review alert (re-qualification, red
                                line, tail review) records its outcome and moves the merchant through the merchant
                                services (active, active with conditions, suspended; renew or not)
    alert_emails_send(...)      emails every alert not yet emailed to its recipients, each in their language

Routing: the merchant's squad is the squad of its main category (the category of most of its order lines in the
rating's window; on a tie the lower category id; of several squads the first). The owner is the squad's lead;
without a squad or lead the alert has no owner and goes to every recruitment lead. A merchant holds at most one
alert of a kind that is not closed: the next night raises none while it is open or acknowledged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import AuditRecord, audit_entries_add
from portal.calendar import add_working_days
from portal.exceptions import ApplicationError, InvalidTransition
from portal.models import (
    DIMENSIONS,
    OUTCOMES,
    Alert,
    AlertKind,
    AlertOutcome,
    Merchant,
    MerchantRating,
    MerchantStatus,
    OrderLine,
    RatingRun,
    Squad,
)
from portal.workflow import row_lock, transition_check, transition_run

COMPLAINT_RATE_LIMIT = Decimal("5")  # percent: above it (not at it) an alert
SCORE_WARNING_BELOW = Decimal("80")
RED_LINE_BELOW = Decimal("60")  # points of any dimension
# working days the owner has to answer an alert of each kind
DEADLINE_WORKING_DAYS = {AlertKind.COMPLAINT_RATE: 3, AlertKind.SCORE_BELOW: 5, AlertKind.RED_LINE: 2,
                         AlertKind.REQUALIFICATION: 20, AlertKind.TAIL_REVIEW: 20}


def alert_deadline(*, kind: str, now: dt.datetime) -> dt.date:
    return timezone.localtime(add_working_days(now, DEADLINE_WORKING_DAYS[kind])).date()


def merchant_squads(*, merchant_ids: Iterable[int], window: tuple[dt.date, dt.date]) -> dict[int, Squad]:
    """The squad of each merchant's main category (see the module's docstring), in three queries."""
    ids = list(merchant_ids)
    if not ids:
        return {}
    main: dict[int, int] = {}
    best: dict[int, int] = {}
    rows = (OrderLine.objects.filter(merchant_id__in=ids, completed_on__range=window)
            .values("merchant_id", "category_id").annotate(n=Count("id")).order_by("merchant_id", "category_id"))
    for row in rows:
        if row["n"] > best.get(row["merchant_id"], 0):
            best[row["merchant_id"]], main[row["merchant_id"]] = row["n"], row["category_id"]
    squads = {s.pk: s for s in Squad.objects.select_related("lead").order_by("pk")}
    by_category: dict[int, Squad] = {}
    for squad_id, category_id in (Squad.categories.through.objects.order_by("squad_id")
                                  .values_list("squad_id", "category_id")):
        by_category.setdefault(category_id, squads[squad_id])
    return {mid: by_category[cid] for mid, cid in main.items() if cid in by_category}


def _red_lines(row: dict) -> list[dict]:
    return [{"dimension": d, "points": str(row[f"{d}_points"])} for d in DIMENSIONS
            if row[f"{d}_points"] is not None and row[f"{d}_points"] < RED_LINE_BELOW]


def alerts_create(*, rows: list[dict], now: dt.datetime, window: tuple[dt.date, dt.date]) -> int:
    """Insert the alerts described by `rows` (kind, merchant_id, rating_id, as_of, score, data) in one statement,
    routed to their squads; a merchant's kind that already has an unclosed alert is left out. Returns how many
    alerts there are now for these rows' (merchant, kind, as_of) that were not there before."""
    if not rows:
        return 0
    squads = merchant_squads(merchant_ids={r["merchant_id"] for r in rows}, window=window)
    deadlines = {kind: alert_deadline(kind=kind, now=now) for kind in {r["kind"] for r in rows}}
    mine = Alert.objects.filter(created_at=now, merchant_id__in={r["merchant_id"] for r in rows})
    before = mine.count()
    Alert.objects.bulk_create([
        Alert(kind=r["kind"], merchant_id=r["merchant_id"], rating_id=r.get("rating_id"), as_of=r["as_of"],
              score=r.get("score"), data=r.get("data") or {}, squad=squads.get(r["merchant_id"]),
              owner_id=getattr(squads.get(r["merchant_id"]), "lead_id", None), deadline=deadlines[r["kind"]],
              created_at=now)
        for r in rows], batch_size=2000, ignore_conflicts=True)
    created = mine.count() - before
    if created:
        transaction.on_commit(_emails_enqueue)
    return created


def rating_alerts_raise(*, run: RatingRun, lo: int, hi: int, now: dt.datetime | None = None,
                        audit: list[AuditRecord] | None = None) -> int:
    """Raise the alerts of the ratings `run` wrote for merchant ids `lo`..`hi` (a chunk), in the chunk's
    transaction. Returns how many alerts were raised. With `audit`, its audit record is appended there for the
    caller to write at the end of the chunk (see `portal.audit.audit_entries_create`)."""
    now = now or timezone.now()
    points = [f"{d}_points" for d in DIMENSIONS]
    red = Q()
    for field in points:
        red |= Q(**{f"{field}__lt": RED_LINE_BELOW})
    ratings = (MerchantRating.objects.filter(as_of=run.as_of, merchant_id__gte=lo, merchant_id__lte=hi)
               .filter(Q(complaints_rate__gt=COMPLAINT_RATE_LIMIT)
                       | Q(rated=True) & (Q(score__lt=SCORE_WARNING_BELOW) | red))
               .values("id", "merchant_id", "as_of", "rated", "score", "complaints_rate", "window_start",
                       "window_end", *points))
    rows: list[dict] = []
    window = None
    for r in ratings:
        window = (r["window_start"], r["window_end"])
        base = {"merchant_id": r["merchant_id"], "rating_id": r["id"], "as_of": r["as_of"], "score": r["score"]}
        if r["complaints_rate"] is not None and r["complaints_rate"] > COMPLAINT_RATE_LIMIT:
            rows.append({**base, "kind": AlertKind.COMPLAINT_RATE,
                         "data": {"complaint_rate": str(r["complaints_rate"]), "limit": str(COMPLAINT_RATE_LIMIT)}})
        if r["rated"] and r["score"] < SCORE_WARNING_BELOW:
            rows.append({**base, "kind": AlertKind.SCORE_BELOW,
                         "data": {"score": str(r["score"]), "limit": str(SCORE_WARNING_BELOW)}})
        if r["rated"] and (lines := _red_lines(r)):
            rows.append({**base, "kind": AlertKind.RED_LINE, "data": {"dimensions": lines}})
    if not rows:
        return 0
    created = alerts_create(rows=rows, now=now, window=window)
    # a rerun of the day replaced the ratings: the day's alerts still open point at the new rows
    Alert.objects.filter(as_of=run.as_of, merchant_id__gte=lo, merchant_id__lte=hi, rating=None).update(
        rating_id=MerchantRating.objects.filter(merchant_id=OuterRef("merchant_id"), as_of=run.as_of)
        .order_by().values("id")[:1])
    audit_entries_add([AuditRecord(action="portal.alerts.raised", target=run,
                                   data={"merchant_ids": [lo, hi], "alerts": created})], later=audit)
    return created


def _note(note: str) -> str:
    return (note or "").strip()[:2000]


def alert_acknowledge(*, alert: Alert, actor: Any, note: str = "", now: dt.datetime | None = None) -> Alert:
    """open → acknowledged: the owner (or another member of staff) has taken the alert up. Quiet when already
    acknowledged; a closed alert is refused with a message."""
    now = now or timezone.now()
    return transition_run(instance=alert, target=Alert.Status.ACKNOWLEDGED, actor=actor,
                          action="portal.alert.acknowledged", from_states=[Alert.Status.OPEN],
                          refused_message=_("This alert is “%(current)s”: it cannot be acknowledged again."),
                          fields={"acknowledged_at": now, "acknowledged_by": actor,
                                  **({"note": _note(note)} if _note(note) else {})},
                          data={"note": _note(note)})


def _outcome_checked(*, kind: str, outcome: str, conditions: str) -> tuple[str, str]:
    """The outcome a close of a review alert must record (and its conditions), checked against the kind."""
    outcome = (outcome or "").strip()
    conditions = (conditions or "").strip()[:4000]
    allowed = OUTCOMES.get(kind)
    if not allowed:
        if outcome:
            raise ValidationError({"outcome": [_("This kind of alert records no review outcome.")]})
        return "", ""
    if outcome not in allowed:
        raise ValidationError({"outcome": [_("Choose the outcome of the review: %(choices)s.") % {
            "choices": ", ".join(str(AlertOutcome(o).label) for o in allowed)}]})
    if outcome == AlertOutcome.ACTIVE_WITH_CONDITIONS:
        if not conditions:
            raise ValidationError({"conditions": [_("Give the conditions the merchant stays active on.")]})
    else:
        conditions = ""
    return outcome, conditions


def _merchant_follow(*, alert: Alert, actor: Any, outcome: str, conditions: str, note: str,
                     now: dt.datetime) -> Merchant:
    """Move the merchant as the review decided, through the merchant services (which lock and audit it)."""
    from portal.merchants.services import merchant_requalification_pass, merchant_suspend

    merchant = alert.merchant
    reason = _("%(kind)s (alert %(id)s): %(note)s") % {"kind": alert.get_kind_display(), "id": alert.pk,
                                                       "note": note}
    if outcome == AlertOutcome.SUSPENDED:
        return merchant_suspend(merchant=merchant, actor=actor, reason=reason, now=now)
    if alert.kind == AlertKind.REQUALIFICATION:  # active, or active with conditions
        return merchant_requalification_pass(merchant=merchant, actor=actor, conditions=conditions, now=now)
    if alert.kind == AlertKind.RED_LINE and merchant.status not in (MerchantStatus.ACTIVE,
                                                                    MerchantStatus.UNDER_REQUALIFICATION):
        raise InvalidTransition(_("The merchant is “%(status)s”: it cannot be kept active.") % {
            "status": merchant.get_status_display()})
    return merchant  # red line kept active, tail review: the merchant's status stays


@transaction.atomic
def alert_close(*, alert: Alert, actor: Any, note: str, outcome: str = "", conditions: str = "",
                now: dt.datetime | None = None) -> Alert:
    """open | acknowledged → closed, with what was done. A review alert records its outcome (`OUTCOMES`) and moves
    the merchant accordingly:

        re-qualification  active with conditions (conditions required) | active → merchant active again
                          (`merchant_requalification_pass`, the conditions in its audit entry); suspended →
                          `merchant_suspend`
        red line          active → the merchant stays as it is (active or under re-qualification);
                          suspended → `merchant_suspend`
        tail review       renew | do not renew → recorded (non-renewal nominated); the merchant's status stays

    The alert's row is locked first, then the merchant's, then the audit entries are written (the merchant's,
    then the alert's last). A closed alert lets the next night raise a new one."""
    note = _note(note)
    if not note:
        raise ApplicationError(_("Say what was done about the alert before closing it."))
    now = now or timezone.now()
    obj = row_lock(alert, queryset=Alert.objects.select_related("merchant"))
    move = transition_check(obj, target=Alert.Status.CLOSED, from_states=[Alert.Status.OPEN,
                                                                          Alert.Status.ACKNOWLEDGED])
    if move.done:
        return obj
    outcome, conditions = _outcome_checked(kind=obj.kind, outcome=outcome, conditions=conditions)
    data: dict[str, Any] = {"note": note}
    if outcome:
        merchant = _merchant_follow(alert=obj, actor=actor, outcome=outcome, conditions=conditions, note=note,
                                    now=now)
        data |= {"outcome": outcome, "conditions": conditions, "merchant_status": merchant.status}
    return move.finish(actor=actor, action="portal.alert.closed",
                       fields={"closed_at": now, "closed_by": actor, "note": note, "outcome": outcome,
                               "conditions": conditions}, data=data)


def _emails_enqueue() -> None:
    from .tasks import alert_emails_task

    alert_emails_task.delay()


def alert_emails_send(*, limit: int = 5000) -> int:
    """Email every alert not yet emailed (at most `limit` of them); returns how many emails were sent."""
    from .mail import AlertRecipients, alert_mail_send

    sent = 0
    recipients = AlertRecipients()
    alerts = list(Alert.objects.filter(emailed_at=None).select_related("merchant", "squad__lead", "owner")
                  .order_by("pk")[:limit])
    for alert in alerts:
        sent += alert_mail_send(alert=alert, users=recipients.of(alert))
        Alert.objects.filter(pk=alert.pk).update(emailed_at=timezone.now())
    return sent


# ---- the quarterly check and the annual tail review

REQUALIFICATION_BELOW = Decimal("80")
TAIL_SHARE = Decimal("10")  # percent of the rated merchants, lowest scores first


def _latest_ratings(on: dt.date):
    """The rated merchants' ratings of the latest recomputed day on or before `on` (an empty queryset if none)."""
    from django.db.models import Max

    from portal.models import MerchantStatus

    day = MerchantRating.objects.filter(as_of__lte=on).aggregate(day=Max("as_of"))["day"]
    return MerchantRating.objects.filter(as_of=day, rated=True, merchant__status=MerchantStatus.ACTIVE)


def quarterly_requalification_check(*, on: dt.date | None = None, actor: Any | None = None) -> int:
    """The quarterly check (BUSINESS_RULES §4.3): every active merchant rated below 80 on the latest recomputed day
    goes under re-qualification (`portal.merchants.services.merchant_requalification_open`) with an alert of kind
    re-qualification for its squad lead and management; the review's outcome is the lead's (active, active with
    conditions, or suspended). One transaction per merchant; returns how many were opened."""
    from portal.merchants.services import merchant_requalification_open
    from portal.models import Merchant

    on = on or timezone.localdate()
    ratings = list(_latest_ratings(on).filter(score__lt=REQUALIFICATION_BELOW).order_by("merchant_id")
                   .values("id", "merchant_id", "as_of", "score", "window_start", "window_end"))
    opened = 0
    for r in ratings:
        with transaction.atomic():
            merchant = Merchant.objects.get(pk=r["merchant_id"])
            merchant_requalification_open(
                merchant=merchant, actor=actor,
                reason=_("Score %(score)s at the quarterly check of %(date)s, below %(limit)s.") % {
                    "score": r["score"], "date": on.isoformat(), "limit": REQUALIFICATION_BELOW})
            opened += alerts_create(rows=[{
                "kind": AlertKind.REQUALIFICATION, "merchant_id": r["merchant_id"], "rating_id": r["id"],
                "as_of": r["as_of"], "score": r["score"],
                "data": {"score": str(r["score"]), "limit": str(REQUALIFICATION_BELOW), "checked_on": on.isoformat()}}],
                now=timezone.now(), window=(r["window_start"], r["window_end"]))
    return opened


def annual_tail_review(*, on: dt.date | None = None, share: Decimal = TAIL_SHARE) -> int:
    """The annual tail review (BUSINESS_RULES §8): the lowest `share` percent (rounded up) of the active rated
    merchants by score on the latest recomputed day are nominated for non-renewal, an alert of kind tail review
    each (ties at the cut-off: the lower merchant id first). Returns how many were nominated."""
    import math

    on = on or timezone.localdate()
    ratings = _latest_ratings(on)
    count = ratings.count()
    if not count:
        return 0
    size = math.ceil(count * share / Decimal(100))
    bottom = list(ratings.order_by("score", "merchant_id")
                  .values("id", "merchant_id", "as_of", "score", "window_start", "window_end")[:size])
    with transaction.atomic():
        return alerts_create(rows=[
            {"kind": AlertKind.TAIL_REVIEW, "merchant_id": r["merchant_id"], "rating_id": r["id"], "as_of": r["as_of"],
             "score": r["score"], "data": {"rank": rank, "count": count, "share": str(share),
                                           "reviewed_on": on.isoformat()}}
            for rank, r in enumerate(bottom, start=1)], now=timezone.now(),
            window=(bottom[0]["window_start"], bottom[0]["window_end"]))
