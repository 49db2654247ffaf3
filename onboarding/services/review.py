"""The recruitment team's side: first touch, information requests, compliance sign-off, decision,
reassignment, and the SLA alerts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from contracts.services import contract_draft_for_approval
from portal.calendar import add_working_days
from portal.exceptions import ApplicationError, CurrencyMismatch, InvalidTransition, PermissionDenied
from portal.merchants.services import merchant_onboarding_start
from portal.models import PortalSettings, Squad
from portal.money import round_money

from ..models import (
    OPEN_REVIEW_STATUSES,
    Application,
    ApplicationStatus,
    ApprovalDefaults,
    DocumentType,
    InfoRequest,
    InfoRequestItem,
    MerchantGrade,
    Profile,
)
from ..permissions import user_is_lead
from ..selectors import application_approval_blockers
from ..wizard import WIZARD_FIELDS
from ._base import (
    application_move,
    audit,
    finish_move,
    iso,
    lock_application,
    now_or,
    require_compliance,
    require_lead,
    require_reviewer,
)
from .assignment import grants_replace, squad_reviewer_pick
from .notifications import application_notify

S = ApplicationStatus
MAX_INFO_REQUEST_ITEMS = 50


@transaction.atomic
def application_start_review(*, application: Application, actor: Any, now: dt.datetime | None = None
                             ) -> Application:
    """submitted | resubmitted → in_review, by a reviewer of the application. The first time is the first
    touch (stops the first-touch clock). An unassigned application is assigned to the actor."""
    now = now_or(now)
    move = application_move(application, target=S.IN_REVIEW, actor=actor, guard=require_reviewer)
    if move.done:
        return move.obj
    app = move.obj
    fields: dict[str, Any] = {}
    first_touch = app.first_touched_at is None
    if first_touch:
        fields["first_touched_at"] = now
    if app.assigned_reviewer_id is None:
        fields["assigned_reviewer"] = actor
    finish_move(move, actor=actor, event="review_started", fields=fields, data={"first_touch": first_touch})
    if "assigned_reviewer" in fields:
        grants_replace(app=app)
    return app


def _clean_items(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if not items:
        raise ValidationError({"items": [_("Add at least one item for the applicant to answer.")]})
    if len(items) > MAX_INFO_REQUEST_ITEMS:
        raise ValidationError({"items": [_("A request can have at most %(max)s items.")
                                         % {"max": MAX_INFO_REQUEST_ITEMS}]})
    codes = set(DocumentType.objects.values_list("code", flat=True))
    cleaned, errors = [], []
    for field_name, comment in items:
        field_name, comment = (field_name or "").strip(), (comment or "").strip()
        known = field_name in WIZARD_FIELDS or (
            field_name.startswith("document:") and field_name.removeprefix("document:") in codes)
        if not known:
            errors.append(_("“%(field)s” is not a field or document of the application.") % {"field": field_name})
        elif not comment:
            errors.append(_("Say what you need for “%(field)s”.") % {"field": field_name})
        else:
            cleaned.append((field_name, comment))
    if errors:
        raise ValidationError({"items": errors})
    return cleaned


@transaction.atomic
def info_request_create(*, application: Application, actor: Any, items: list[tuple[str, str]],
                        message: str = "", now: dt.datetime | None = None) -> InfoRequest:
    """in_review → info_requested with a checklist: `items` are (field name or "document:<code>", comment).
    The decision clock pauses until the applicant resubmits. Returns the open request (the existing one,
    quietly, when the application already waits for an answer)."""
    now = now_or(now)
    move = application_move(application, target=S.INFO_REQUESTED, actor=actor, guard=require_reviewer)
    app = move.obj
    if move.done:
        existing = InfoRequest.objects.filter(application=app, status=InfoRequest.Status.OPEN).first()
        if existing is not None:
            return existing
    cleaned = _clean_items(items)
    request = InfoRequest.objects.create(application=app, created_by=actor, message=(message or "").strip(),
                                         created_at=now)
    InfoRequestItem.objects.bulk_create(
        [InfoRequestItem(request=request, field_name=f, comment=c) for f, c in cleaned])
    finish_move(move, actor=actor, event="info_requested", fields={"sla_paused_at": now}, data={
        "request": request.pk, "items": [{"field": f, "comment": c} for f, c in cleaned]})
    application_notify(application=app, event="info_requested")
    return request


@transaction.atomic
def application_compliance_signoff(*, application: Application, actor: Any, note: str = "",
                                   now: dt.datetime | None = None) -> Application:
    """Compliance signs off (licences, declarations, non-standard clauses) while the application is in
    review; the lead can approve only after it. Quiet if already signed off."""
    now = now_or(now)
    require_compliance(actor)
    app = lock_application(application)
    if app.compliance_signed_off_at is not None:
        return app
    if app.status != S.IN_REVIEW:
        raise InvalidTransition(_("Compliance signs off while the application is in review."),
                                extra={"status": app.status})
    app.compliance_signed_off_by = actor
    app.compliance_signed_off_at = now
    app.compliance_note = (note or "").strip()
    app.save(update_fields=["compliance_signed_off_by", "compliance_signed_off_at", "compliance_note",
                            "updated_at"])
    audit(actor=actor, app=app, event="compliance_signed_off", data={"note": app.compliance_note})
    return app


def _grade(value: str | None, defaults: ApprovalDefaults) -> str:
    grade = (value or defaults.default_grade or MerchantGrade.C).upper()
    if grade not in MerchantGrade.values:
        raise ValidationError({"merchant_grade": [_("Choose a grade from A to E.")]})
    return grade


def _amount(value: Any, currency: str) -> Decimal:
    try:
        amount = round_money(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValidationError({"deposit_amount": [_("Enter the deposit as an amount.")]}) from exc
    if amount < 0:
        raise ValidationError({"deposit_amount": [_("The deposit cannot be negative.")]})
    return amount


def _defaults_for(app: Application) -> ApprovalDefaults:
    defaults = ApprovalDefaults.load()
    if defaults.currency != app.currency:
        raise CurrencyMismatch(_("The deposit table is in %(table)s but the application is in %(app)s.")
                               % {"table": defaults.currency, "app": app.currency})
    return defaults


@transaction.atomic
def application_override_propose(*, application: Application, actor: Any, merchant_grade: str,
                                 deposit_amount: Decimal, reason: str, now: dt.datetime | None = None
                                 ) -> Application:
    """A lead proposes a deposit different from the grade's default, with a reason. A proposal is needed
    when the difference is above the four-eyes threshold: then another lead approves
    (`application_approve` without amounts uses the proposal). Quiet if the same proposal is pending."""
    now = now_or(now)
    require_lead(actor)
    app = lock_application(application)
    if app.status != S.IN_REVIEW:
        raise InvalidTransition(_("Overrides are proposed while the application is in review."),
                                extra={"status": app.status})
    defaults = _defaults_for(app)
    grade = _grade(merchant_grade, defaults)
    amount = _amount(deposit_amount, app.currency)
    reason = (reason or "").strip()
    if amount == defaults.deposit_for(grade):
        raise ValidationError({"deposit_amount": [_("This is the grade's default deposit, not an override.")]})
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for the override.")]})
    if (app.override_proposed_by_id and app.override_grade == grade and app.override_deposit_amount == amount):
        return app
    app.override_grade = grade
    app.override_deposit_amount = amount
    app.override_reason = reason
    app.override_proposed_by = actor
    app.override_proposed_at = now
    app.save(update_fields=["override_grade", "override_deposit_amount", "override_reason",
                            "override_proposed_by", "override_proposed_at", "updated_at"])
    audit(actor=actor, app=app, event="override_proposed", data={
        "grade": grade, "deposit": amount, "default_deposit": defaults.deposit_for(grade),
        "currency": app.currency, "reason": reason})
    return app


@transaction.atomic
def application_approve(*, application: Application, actor: Any, merchant_grade: str | None = None,
                        deposit_amount: Decimal | None = None, override_reason: str = "", reasons: str = "",
                        now: dt.datetime | None = None) -> Application:
    """in_review → approved, by a recruitment lead, after compliance sign-off and with every required
    document accepted or waived (ApplicationError listing the blockers otherwise).

    Sets the merchant grade (ApprovalDefaults.default_grade, C, unless given) and the deposit (the
    grade's default unless given), on the application and on the merchant, which becomes "onboarding"
    (`portal.merchants.services.merchant_onboarding_start`, in the same transaction), and the contract is
    drafted from the chosen mode's template (`contracts.services.contract_draft_for_approval`, same
    transaction: without a template in effect the approval is refused and nothing is saved). A different
    deposit is an override: it needs `override_reason`; when it differs from the default by more than
    PortalSettings.override_threshold it needs four eyes:
    one lead proposes it (`application_override_propose`) and another approves, calling this without
    amounts. The proposer cannot approve their own proposal. Quiet if already approved.
    """
    now = now_or(now)
    require_lead(actor)
    move = application_move(application, target=S.APPROVED)
    if move.done:
        return move.obj
    app = move.obj
    blockers = application_approval_blockers(app)
    if blockers:
        raise ApplicationError(_("The application cannot be approved yet."), extra={"blockers": blockers})
    defaults = _defaults_for(app)
    threshold = PortalSettings.load().override_threshold
    override: dict[str, Any] | None = None
    if app.override_proposed_by_id and merchant_grade is None and deposit_amount is None:
        if app.override_proposed_by_id == actor.pk:
            raise PermissionDenied(_("An override must be approved by someone other than the lead who "
                                     "proposed it."))
        grade, amount = app.override_grade, app.override_deposit_amount
        default_deposit = defaults.deposit_for(grade)
        override = {"proposed_by": app.override_proposed_by_id, "approved_by": actor.pk,
                    "reason": app.override_reason, "default_deposit": default_deposit}
    else:
        grade = _grade(merchant_grade, defaults)
        default_deposit = defaults.deposit_for(grade)
        amount = default_deposit if deposit_amount is None else _amount(deposit_amount, app.currency)
        if amount != default_deposit:
            override_reason = (override_reason or "").strip()
            if not override_reason:
                raise ValidationError({"override_reason": [_("Give the reason for changing the deposit.")]})
            if abs(amount - default_deposit) > threshold:
                raise PermissionDenied(
                    _("A deposit that differs from the default by more than %(threshold)s needs a second "
                      "approver: propose the override, and another lead approves it.")
                    % {"threshold": threshold})
            override = {"approved_by": actor.pk, "reason": override_reason, "default_deposit": default_deposit}
    reasons = (reasons or "").strip()
    finish_move(move, actor=actor, event="approved", fields={
        "merchant_grade": grade, "deposit_amount": amount, "decided_by": actor, "decided_at": now,
        "reasons": reasons,
    }, data={"grade": grade, "deposit": amount, "currency": app.currency, "default_deposit": default_deposit,
             "override": override, "reasons": reasons})
    merchant_onboarding_start(merchant=app.merchant, actor=actor, grade=grade, deposit_amount=amount,
                              currency=app.currency, data={"application": app.pk}, now=now)
    _contract_draft(app, actor=actor, grade=grade, amount=amount, now=now)
    application_notify(application=app, event="approved")
    return app


def _contract_draft(app: Application, *, actor: Any, grade: str, amount: Decimal, now: dt.datetime) -> None:
    """The approval drafts the contract in its own transaction (contracts' service): from the template of the
    chosen mode in effect today, with the approved grade, deposit, categories and the applicant's legal facts.
    No template in effect refuses the approval (ApplicationError from contracts)."""
    categories = [app.main_category_id] if app.main_category_id else []
    categories += [pk for pk in app.other_categories.values_list("pk", flat=True) if pk not in categories]
    strategic = app.profile == Profile.STRATEGIC
    contract_draft_for_approval(
        merchant=app.merchant, actor=actor, mode=app.cooperation_mode, grade=grade, deposit_amount=amount,
        currency=app.currency, categories=categories, legal_name=app.company_name or app.merchant.name,
        credit_code=app.credit_code, representative=app.legal_representative, address=app.address,
        origin=f"application:{app.pk}", strategic=strategic,
        min_annual_marketing=app.marketing_commitment if strategic else None, now=now)


@transaction.atomic
def application_reject(*, application: Application, actor: Any, reasons: str, now: dt.datetime | None = None
                       ) -> Application:
    """in_review → rejected, by a recruitment lead, with the reasons the applicant will read. The merchant
    may apply again after PortalSettings.reapply_after_days."""
    now = now_or(now)
    require_lead(actor)
    move = application_move(application, target=S.REJECTED)
    if move.done:
        return move.obj
    app = move.obj
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationError({"reasons": [_("Give the reasons for the rejection.")]})
    finish_move(move, actor=actor, event="rejected", fields={"reasons": reasons, "decided_by": actor,
                                                             "decided_at": now}, data={"reasons": reasons})
    application_notify(application=app, event="rejected")
    return app


@transaction.atomic
def application_reassign(*, application: Application, actor: Any, squad: Squad | None = None,
                         reviewer: Any | None = None, reason: str = "", now: dt.datetime | None = None
                         ) -> Application:
    """A lead moves an open application to another squad and/or reviewer. A reviewer must belong to the
    (new) squad or be a lead; a squad without a named reviewer gets its least-loaded member. Grants follow
    the assignment (old squad's revoked). Quiet when nothing changes."""
    require_lead(actor)
    app = lock_application(application)
    if app.status not in OPEN_REVIEW_STATUSES:
        raise InvalidTransition(_("Only an application under review can be reassigned."),
                                extra={"status": app.status})
    if squad is None and reviewer is None:
        raise ValidationError(_("Choose a squad or a reviewer."))
    target_squad = squad if squad is not None else app.squad
    if reviewer is None:
        reviewer = squad_reviewer_pick(squad=target_squad) if target_squad is not None else None
    elif not user_is_lead(reviewer) and not (
        target_squad is not None and target_squad.members.filter(pk=reviewer.pk).exists()
    ):
        raise ValidationError({"reviewer": [_("The reviewer must be a member of the squad or a lead.")]})
    if reviewer is not None and not reviewer.is_active:
        raise ValidationError({"reviewer": [_("This user is inactive.")]})
    new_squad_id = target_squad.pk if target_squad is not None else None
    new_reviewer_id = reviewer.pk if reviewer is not None else None
    if (app.squad_id, app.assigned_reviewer_id) == (new_squad_id, new_reviewer_id):
        return app
    before = {"squad": app.squad_id, "reviewer": app.assigned_reviewer_id}
    app.squad = target_squad
    app.assigned_reviewer = reviewer
    app.save(update_fields=["squad", "assigned_reviewer", "updated_at"])
    grants_replace(app=app)
    audit(actor=actor, app=app, event="reassigned", data={
        "from": before, "to": {"squad": new_squad_id, "reviewer": new_reviewer_id}, "reason": reason})
    application_notify(application=app, event="assigned")
    return app


def squad_grants_sync(*, squad: Squad) -> int:
    """After a squad's members change: re-grant its open applications to the current members (removed
    members lose access). Returns the number of applications updated."""
    ids = list(Application.objects.filter(squad=squad, status__in=OPEN_REVIEW_STATUSES).values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            grants_replace(app=lock_application(Application(pk=pk)))
    return len(ids)


_CLOCK_RUNNING = [S.SUBMITTED, S.IN_REVIEW, S.RESUBMITTED]


def applications_sla_check(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Alert on missed deadlines, once each: a missed first touch or decision notifies the assignee and
    the squad lead (all recruitment leads when the squad has none); a decision still open
    PortalSettings.escalation_working_days after its deadline is escalated to the recruitment leads.
    Paused clocks (open information requests) never alert."""
    now = now_or(now)
    escalate_after = PortalSettings.load().escalation_working_days
    counts = {"first_touch": 0, "decision": 0, "escalated": 0}
    base = Application.objects.filter(status__in=_CLOCK_RUNNING, sla_paused_at__isnull=True)
    first_touch = list(base.filter(first_touched_at__isnull=True, first_touch_due_at__lt=now,
                                   first_touch_alerted_at__isnull=True).values_list("pk", flat=True))
    decision = list(base.filter(decision_due_at__lt=now, sla_alerted_at__isnull=True).values_list("pk", flat=True))
    escalation = list(base.filter(sla_alerted_at__isnull=False, sla_escalated_at__isnull=True,
                                  decision_due_at__lt=now).values_list("pk", flat=True))
    for pk in first_touch:
        with transaction.atomic():
            app = lock_application(Application(pk=pk))
            if (app.status in _CLOCK_RUNNING and app.first_touched_at is None and app.sla_paused_at is None
                    and app.first_touch_alerted_at is None and app.first_touch_due_at < now):
                app.first_touch_alerted_at = now
                app.save(update_fields=["first_touch_alerted_at"])
                audit(actor=None, app=app, event="sla_breached", data={
                    "clock": "first_touch", "due_at": iso(app.first_touch_due_at)})
                application_notify(application=app, event="sla_breached", extra={"clock": "first_touch"})
                counts["first_touch"] += 1
    for pk in decision:
        with transaction.atomic():
            app = lock_application(Application(pk=pk))
            if (app.status in _CLOCK_RUNNING and app.sla_paused_at is None and app.sla_alerted_at is None
                    and app.decision_due_at < now):
                app.sla_alerted_at = now
                app.save(update_fields=["sla_alerted_at"])
                audit(actor=None, app=app, event="sla_breached", data={
                    "clock": "decision", "due_at": iso(app.decision_due_at)})
                application_notify(application=app, event="sla_breached", extra={"clock": "decision"})
                counts["decision"] += 1
    for pk in escalation:
        with transaction.atomic():
            app = lock_application(Application(pk=pk))
            if (app.status in _CLOCK_RUNNING and app.sla_paused_at is None and app.sla_alerted_at is not None
                    and app.sla_escalated_at is None
                    and now >= add_working_days(app.decision_due_at, escalate_after)):
                app.sla_escalated_at = now
                app.save(update_fields=["sla_escalated_at"])
                audit(actor=None, app=app, event="sla_escalated", data={
                    "due_at": iso(app.decision_due_at), "after_working_days": escalate_after})
                application_notify(application=app, event="sla_escalated")
                counts["escalated"] += 1
    return counts
