"""The review's writes: open it (and mark the contract expiring), override its decision, end the term, and the
daily run that does all of it."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, PermissionDenied
from portal.roles import user_has_any_role
from portal.workflow import row_lock

from ..models import Contract, ContractKind, ContractSettings, RenewalReview
from ..models.contracts import BINDING_STATUSES
from ..selectors import contracts_to_expire, contracts_to_mark_expiring
from ..services import contract_expire, contract_expiring_mark, contract_renew_mark
from ._base import ACTION_PREFIX, OVERRIDE_ROLES, REMINDER_HALFWAY, REMINDER_OPENED, RENEWABLE_KINDS, D, S
from .proposal import renewal_metrics, renewal_proposal
from .reminders import reminder_queue

logger = logging.getLogger(__name__)



def _audit(*, actor: Any, contract: Contract, event: str, data: dict) -> None:
    audit_entry_create(actor=actor, action=f"{ACTION_PREFIX}{event}", target=contract, data=data)


def review_opens_on(contract: Contract, *, settings: ContractSettings) -> dt.date | None:
    return contract.ends_on - dt.timedelta(days=settings.renewal_review_days) if contract.ends_on else None


@transaction.atomic
def renewal_review_open(*, contract: Contract, now: dt.datetime | None = None) -> RenewalReview | None:
    """Open the review of `contract`'s current term if it is due (see the module docstring) and mark the
    contract expiring; the review already open for this term when there is one; None when none is due."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    settings = ContractSettings.load()
    contract = row_lock(contract)
    if contract.kind not in RENEWABLE_KINDS or contract.status not in (S.ACTIVE, S.EXPIRING):
        return None
    opens_on = review_opens_on(contract, settings=settings)
    if opens_on is None or today < opens_on:
        return None
    if contract.status == S.ACTIVE:
        # the term's end first (its entry opens the timeline's renewal part), then the proposal
        contract = contract_expiring_mark(contract=contract, actor=None, now=now)
    review = RenewalReview.objects.filter(contract=contract, ends_on=contract.ends_on).first()
    if review is None:
        metrics = renewal_metrics(contract=contract, on=today)
        gmv_threshold, satisfaction_threshold = (settings.renewal_gmv_growth_percent,
                                                 Decimal(str(settings.renewal_satisfaction)))
        proposal, reasons = renewal_proposal(metrics=metrics, gmv_threshold=gmv_threshold,
                                             satisfaction_threshold=satisfaction_threshold)
        review = RenewalReview.objects.create(
            contract=contract, ends_on=contract.ends_on, opened_at=now, proposal=proposal, decision=proposal,
            reasons=reasons, gmv_yoy=metrics.gmv_yoy, satisfaction=metrics.satisfaction,
            gmv_threshold=gmv_threshold, satisfaction_threshold=satisfaction_threshold)
        _audit(actor=None, contract=contract, event="renewal_review_opened", data={
            "review": review.pk, "ends_on": contract.ends_on, "proposal": proposal, "reasons": reasons,
            "gmv_yoy": metrics.gmv_yoy, "satisfaction": metrics.satisfaction, "gmv_threshold": gmv_threshold,
            "satisfaction_threshold": satisfaction_threshold})
    if REMINDER_OPENED not in review.reminders_sent:
        reminder_queue(review=review, kind=REMINDER_OPENED)
    return review


def user_may_override_renewal(user: Any) -> bool:
    return user_has_any_role(user, OVERRIDE_ROLES)


@transaction.atomic
def renewal_review_override(*, review: RenewalReview, actor: Any, decision: str, reason: str,
                            now: dt.datetime | None = None) -> RenewalReview:
    """A recruitment lead sets the decision against the proposal (or back to it), with a reason. Refused
    without the role, without a reason, on a closed review, or when the decision already stands."""
    if not user_may_override_renewal(actor):
        raise PermissionDenied(_("Only a recruitment lead can override the renewal proposal."))
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if decision not in D.values:
        errors["decision"] = [_("Choose renew or do not renew.")]
    if not reason:
        errors["reason"] = [_("An override needs a reason.")]
    if errors:
        raise ValidationError(errors)
    review = row_lock(review)
    if review.closed_at is not None:
        raise ApplicationError(_("The renewal review is closed: the term has ended."))
    if review.decision == decision:
        raise ValidationError({"decision": [_("The decision is already “%(decision)s”.")
                                            % {"decision": D(decision).label}]})
    previous = review.decision
    review.decision = decision
    review.overridden_by = actor
    review.overridden_at = now or timezone.now()
    review.override_reason = reason
    review.save(update_fields=["decision", "overridden_by", "overridden_at", "override_reason"])
    _audit(actor=actor, contract=review.contract, event="renewal_overridden", data={
        "review": review.pk, "from": previous, "to": decision, "proposal": review.proposal, "reason": reason})
    return review


def _renewal_signed(contract: Contract) -> Contract | None:
    return (Contract.objects.filter(parent=contract, kind=ContractKind.RENEWAL, status__in=BINDING_STATUSES)
            .order_by("-countersigned_at", "-id").first())


@transaction.atomic
def renewal_term_end(*, contract: Contract, now: dt.datetime | None = None) -> Contract:
    """After the last day of the term: renewed when a renewal contract of it has been countersigned (the
    operator's countersigner stands for the renewal), expired otherwise; the review closes."""
    now = now or timezone.now()
    contract = row_lock(contract)
    if contract.status == S.ACTIVE:
        renewal_review_open(contract=contract, now=now)
        contract.refresh_from_db()
    if contract.status != S.EXPIRING:
        return contract
    renewal = _renewal_signed(contract)
    if renewal is not None:
        contract = contract_renew_mark(contract=contract, actor=None, renewal=renewal, now=now,
                                       reason=_("Renewal contract %(number)s was countersigned.")
                                       % {"number": renewal.number})
    else:
        contract = contract_expire(contract=contract, actor=None, now=now,
                                   reason=_("The term ended without a countersigned renewal."))
    RenewalReview.objects.filter(contract=contract, closed_at__isnull=True).update(closed_at=now)
    return contract


def renewals_daily_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The daily renewal work (Celery beat): open the reviews that are due, send the halfway reminders, end
    the terms that have run out. Each contract in its own transaction; one that fails is logged and counted
    and the others go on."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    settings = ContractSettings.load()
    counts = {"opened": 0, "reminded": 0, "renewed": 0, "expired": 0, "failed": 0}
    due = [*contracts_to_mark_expiring(today=today, settings=settings).filter(ends_on__gte=today),
           # marked expiring some other way: their review opens all the same
           *Contract.objects.filter(kind__in=RENEWABLE_KINDS, status=S.EXPIRING, ends_on__gte=today)
           .exclude(renewal_reviews__ends_on=models.F("ends_on")).order_by("ends_on", "pk")]
    for contract in due:
        try:
            if renewal_review_open(contract=contract, now=now) is not None:
                counts["opened"] += 1
        except ApplicationError:
            logger.exception("contract %s: the renewal review could not open", contract.pk)
            counts["failed"] += 1
    halfway = today + dt.timedelta(days=settings.renewal_review_days // 2)
    # the open reviews past halfway (a few per day); each is checked under its lock
    reviews = RenewalReview.objects.filter(closed_at__isnull=True, ends_on__lte=halfway, ends_on__gte=today)
    for review in reviews.order_by("pk"):
        # a review opened past halfway (the settings changed, or the term was short) had its first reminder late
        # enough: it gets no second one the same week
        opened_on = timezone.localdate(review.opened_at)
        if REMINDER_HALFWAY in review.reminders_sent or opened_on >= review.ends_on - dt.timedelta(
                days=settings.renewal_review_days // 2):
            continue
        with transaction.atomic():
            review = row_lock(review)
            if REMINDER_HALFWAY not in review.reminders_sent:
                reminder_queue(review=review, kind=REMINDER_HALFWAY)
                counts["reminded"] += 1
    # past their last day: the expiring ones, and any still active (their review opens and closes at once)
    ended = [*contracts_to_expire(today=today), *contracts_to_mark_expiring(today=today, settings=settings)
             .filter(ends_on__lt=today)]
    for contract in ended:
        try:
            result = renewal_term_end(contract=contract, now=now)
        except ApplicationError:
            logger.exception("contract %s: the end of its term could not be recorded", contract.pk)
            counts["failed"] += 1
            continue
        if result.status == S.RENEWED:
            counts["renewed"] += 1
        elif result.status == S.EXPIRED:
            counts["expired"] += 1
    return counts
