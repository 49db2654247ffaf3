"""Renewals [续约]: the review before a contract's term ends, its proposal, the lead's override, the reminders,
and the end of the term (BUSINESS_RULES §6; operator guide §9).

What holds:
- A review opens ContractSettings.renewal_review_days (60 by default) before `ends_on`, for a contract or a
  renewal that is active (amendments follow the contract they amend). Opening it marks the contract
  "expiring" (`contracts.services.contract_expiring_mark`) in the same transaction. One review per contract
  and end date: running the daily task again changes nothing.
- The proposal is "renew" when GMV year on year ≥ ContractSettings.renewal_gmv_growth_percent AND
  satisfaction ≥ ContractSettings.renewal_satisfaction; otherwise "do not renew". A figure that is missing
  counts as not met, and the reasons say so: until the trading platform's performance data arrives (a later
  issue) there is none, and every review says "no performance data yet". The thresholds used are copied
  onto the review.
- The decision starts as the proposal. A recruitment lead may override it, with a reason (required); the
  override is recorded on the review and in the audit log (`contracts.contract.renewal_overridden`).
- Reminders go by email to both sides, each person in their own language: the merchant's owners and admins
  and the contract's staff (who drafted, issued and countersigned it), when the review opens and again
  halfway to the end of the term. Each reminder is sent once (`RenewalReview.reminders_sent`).
- The term ends after `ends_on` (the last day the contract binds): the contract becomes "renewed" when a
  renewal contract of it has been countersigned, "expired" otherwise, and the review closes.
- Nothing here moves money or changes the terms of a contract.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from portal.accounts.permissions import Capability, role_can
from portal.accounts.selectors import user_greeting_name
from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, PermissionDenied
from portal.models import MerchantMembership
from portal.roles import Role, user_has_any_role
from portal.site import site_url
from portal.workflow import row_lock

from .models import Contract, ContractKind, ContractSettings, ContractStatus, RenewalDecision, RenewalReview
from .models.contracts import BINDING_STATUSES
from .selectors import contracts_to_expire, contracts_to_mark_expiring
from .services import contract_expire, contract_expiring_mark, contract_renew_mark

logger = logging.getLogger(__name__)

S = ContractStatus
D = RenewalDecision
ACTION_PREFIX = "contracts.contract."
# the kinds of contract whose term ends (an amendment ends with the contract it amends)
RENEWABLE_KINDS = [ContractKind.CONTRACT, ContractKind.RENEWAL]
OVERRIDE_ROLES = frozenset({Role.LEAD.value})
REMINDER_OPENED, REMINDER_HALFWAY = "opened", "halfway"


# ------------------------------------------------------------------------------------------ the proposal


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


# ----------------------------------------------------------------------------------------------- writes


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
        metrics = renewal_metrics(contract=contract)
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
        _reminder_queue(review=review, kind=REMINDER_OPENED)
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
                _reminder_queue(review=review, kind=REMINDER_HALFWAY)
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


# -------------------------------------------------------------------------------------------- reminders


def renewal_reminder_recipients(*, contract: Contract) -> list:
    """Both sides: the merchant's owners and admins, and the contract's staff (drafted, issued, countersigned),
    active and with an email address, each once."""
    users: list = []
    memberships = (MerchantMembership.objects.filter(merchant_id=contract.merchant_id, user__is_active=True)
                   .select_related("user").order_by("user_id"))
    users += [m.user for m in memberships if role_can(m.role, Capability.ACCEPT_CONTRACT)]
    staff_ids = [pk for pk in (contract.created_by_id, contract.issued_by_id, contract.countersigned_by_id) if pk]
    users += list(get_user_model().objects.filter(pk__in=staff_ids, is_active=True).order_by("pk"))
    seen, out = set(), []
    for user in users:
        if user.email and user.pk not in seen:
            seen.add(user.pk)
            out.append(user)
    return out


def _language(user: Any) -> str:
    codes = [code for code, _name in django_settings.LANGUAGES]
    lang = (getattr(user, "preferred_language", "") or "").lower()
    return lang if lang in codes else django_settings.LANGUAGE_CODE


def _reminder_queue(*, review: RenewalReview, kind: str) -> None:
    """Record the reminder as sent and send it once the transaction commits (a failing mail server is
    logged: the review stands)."""
    review.reminders_sent = [*review.reminders_sent, kind]
    review.save(update_fields=["reminders_sent"])
    review_id = review.pk

    def send() -> None:
        try:
            renewal_reminder_send(review=RenewalReview.objects.select_related("contract__merchant").get(
                pk=review_id), kind=kind)
        except OSError:
            logger.exception("renewal review %s: the %s reminder could not be sent", review_id, kind)

    transaction.on_commit(send)


def renewal_reminder_send(*, review: RenewalReview, kind: str) -> int:
    """Email the reminder to each recipient in their language; returns how many were sent. Staff read the
    proposal, the decision and the reasons; the merchant reads that the renewal is under review."""
    from django.urls import reverse

    contract = review.contract
    sent = 0
    for user in renewal_reminder_recipients(contract=contract):
        is_staff = user.is_staff and not contract.merchant.memberships.filter(user=user).exists()
        with translation.override(_language(user)):
            days_left = (review.ends_on - timezone.localdate()).days
            context = {
                "contract": contract, "review": review, "kind": kind, "for_staff": is_staff,
                "recipient_name": user_greeting_name(user=user), "days_left": max(days_left, 0),
                "ends_on": date_format(review.ends_on, "DATE_FORMAT"),
                "reasons": renewal_reason_texts(review.reasons) if is_staff else [],
                "url": site_url(reverse("contracts_admin:detail", args=[contract.pk])) if is_staff else site_url(
                    "/portal/"),
                "site_url": site_url("/"),
            }
            subject = " ".join(render_to_string("contracts/email/renewal_reminder_subject.txt", context).split())
            body = render_to_string("contracts/email/renewal_reminder_body.txt", context)
        sent += EmailMessage(subject=subject, body=body, to=[user.email]).send()
    return sent


# -------------------------------------------------------------------------------------------------- reads


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
