"""The applicant's side of the lifecycle: start, fill in, submit, answer, withdraw."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.permissions import Capability, require_capability
from portal.calendar import add_working_days, add_working_hours, add_working_time, working_time_between
from portal.exceptions import ApplicationError, InvalidTransition
from portal.models import Category, Merchant, PortalSettings
from portal.workflow import Transition, transition_check

from ..models import (
    EDITABLE_STATUSES,
    TERMINAL_STATUSES,
    Application,
    ApplicationStatus,
    InfoRequest,
    InfoRequestItem,
    WizardStep,
)
from ..screening import screening_evaluate
from ..selectors import application_missing_items
from ..validators import credit_code_normalize
from ..wizard import M2M_FIELDS, STEP_FIELDS, STEP_ORDER, answer_snapshot
from ._base import (
    application_move,
    application_move_locked,
    audit,
    finish_move,
    iso,
    lock_application,
    merchant_guard,
    now_or,
    require_merchant_capability,
)
from .assignment import assignment_apply
from .notifications import application_notify

S = ApplicationStatus

_BRAND_OWNERSHIP = {"own", "authorised"}
MAX_BRANDS = 50


@transaction.atomic
def application_create(*, merchant: Merchant, actor: Any, now: dt.datetime | None = None) -> Application:
    """Start a draft for `merchant`. The actor must be one of its users.

    Refused (ApplicationError) while the merchant has an application in progress, once it is approved,
    and within the re-apply period after a rejection (Portal settings, 90 days by default).
    """
    now = now_or(now)
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)  # one draft at a time per merchant
    require_capability(user=actor, merchant_id=merchant.pk, capability=Capability.EDIT_APPLICATION)
    existing = Application.objects.filter(merchant=merchant).exclude(status__in=TERMINAL_STATUSES).first()
    if existing is not None:
        raise ApplicationError(_("Your organisation already has an application in progress."),
                               extra={"application_id": existing.pk})
    if Application.objects.filter(merchant=merchant, status=S.APPROVED).exists():
        raise ApplicationError(_("Your organisation's application has already been approved."))
    last_rejected = (Application.objects.filter(merchant=merchant, status=S.REJECTED, decided_at__isnull=False)
                     .order_by("-decided_at").first())
    if last_rejected is not None:
        wait = dt.timedelta(days=PortalSettings.load().reapply_after_days)
        if now < last_rejected.decided_at + wait:
            allowed = timezone.localdate(last_rejected.decided_at + wait)
            raise ApplicationError(
                _("After a rejection you can apply again from %(date)s.") % {"date": allowed.isoformat()},
                extra={"reapply_from": allowed.isoformat()},
            )
    app = Application.objects.create(
        merchant=merchant, created_by=actor, company_name=merchant.name,
        contact_name=actor.get_full_name(), contact_email=actor.email,
    )
    audit(actor=actor, app=app, event="created", data={"merchant": merchant.pk})
    return app


def _clean_value(app: Application, name: str, value: Any) -> Any:
    """Validate one wizard value and return it in the model's terms; raises ValidationError."""
    if name in M2M_FIELDS:
        model = M2M_FIELDS[name]
        ids = []
        for item in value or []:
            ids.append(item.pk if isinstance(item, models.Model) else item)
        try:
            ids = [int(i) for i in ids]
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("Choose from the list.")) from exc
        qs = model.objects.filter(pk__in=ids)
        qs = qs.filter(is_active=True) if model is Category else qs.filter(is_published=True)
        found = list(qs)
        if len(found) != len(set(ids)):
            raise ValidationError(_("Some of the choices are no longer available; please choose again."))
        return found
    if name == "main_category":
        if value in (None, ""):
            return None
        pk = value.pk if isinstance(value, Category) else value
        category = Category.objects.filter(pk=pk, is_active=True).first() if str(pk).isdigit() else None
        if category is None:
            raise ValidationError(_("Choose a category from the list."))
        return category
    if name == "brands":
        if value in (None, ""):
            return []
        if not isinstance(value, list) or len(value) > MAX_BRANDS:
            raise ValidationError(_("List at most %(max)s brands.") % {"max": MAX_BRANDS})
        brands = []
        for brand in value:
            if isinstance(brand, str):
                brand = {"name": brand, "ownership": "own"}
            brand_name = str(brand.get("name", "")).strip() if isinstance(brand, dict) else ""
            ownership = brand.get("ownership", "own") if isinstance(brand, dict) else ""
            if not brand_name or len(brand_name) > 100 or ownership not in _BRAND_OWNERSHIP:
                raise ValidationError(_("Each brand needs a name (up to 100 characters) and whether you own it "
                                        "or are authorised to sell it."))
            brands.append({"name": brand_name, "ownership": ownership})
        return brands
    field = Application._meta.get_field(name)
    if name == "credit_code":
        value = credit_code_normalize(value or "")
    if isinstance(value, float):
        value = Decimal(str(value))
    if value is None and not field.null:
        value = ""
    return field.clean(value, app)


@transaction.atomic
def application_update_step(*, application: Application, actor: Any, step: str, data: dict[str, Any],
                            now: dt.datetime | None = None) -> Application:
    """Save one wizard step's answers (partial answers are fine; submission checks completeness).

    Only while the application is a draft or has an open information request. `data` keys must be
    fields of `step` (see STEP_FIELDS); values are validated like the model's fields (ValidationError
    with a message per field). Items of an open information request about a changed field are marked
    answered. The audit entry lists each answer that really changed with its value before and after
    (`changes`, in `onboarding.wizard.answer_snapshot` terms); during an information request it names the
    request and the changed fields the request did not ask about (`unrequested`). Returns the saved
    application.
    """
    app = lock_application(application)
    require_merchant_capability(actor, app, Capability.EDIT_APPLICATION)
    if app.status not in EDITABLE_STATUSES:
        raise InvalidTransition(_("This application can no longer be changed."), extra={"status": app.status})
    if step not in STEP_FIELDS:
        raise ValidationError(_("Unknown step “%(step)s”.") % {"step": step})
    allowed = set(STEP_FIELDS[step])
    errors: dict[str, list] = {}
    cleaned: dict[str, Any] = {}
    for name, value in data.items():
        if name not in allowed:
            errors[name] = [_("This answer does not belong to this step.")]
            continue
        try:
            cleaned[name] = _clean_value(app, name, value)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)

    changed: list[str] = []
    changes: list[dict[str, Any]] = []
    scalar_fields: list[str] = []
    for name, value in cleaned.items():
        if name in M2M_FIELDS:
            manager = getattr(app, name)
            before = sorted(manager.values_list("pk", flat=True))
            if set(before) != {obj.pk for obj in value}:
                manager.set(value)
                changed.append(name)
                changes.append({"field": name, "before": before, "after": sorted(obj.pk for obj in value)})
        else:
            before = getattr(app, name)
            if before != value:
                setattr(app, name, value)
                scalar_fields.append(name)
                changed.append(name)
                changes.append({"field": name, "before": answer_snapshot(before), "after": answer_snapshot(value)})
    if not app.last_completed_step or STEP_ORDER.index(step) > STEP_ORDER.index(app.last_completed_step):
        app.last_completed_step = step
        scalar_fields.append("last_completed_step")
    if scalar_fields or changed:
        app.save(update_fields=[*scalar_fields, "updated_at"])
    if changed:
        data: dict[str, Any] = {"step": step, "fields": changed, "changes": changes}
        request = (InfoRequest.objects.filter(application=app, status=InfoRequest.Status.OPEN)
                   .order_by("-created_at").first() if app.status == S.INFO_REQUESTED else None)
        if request is not None:
            InfoRequestItem.objects.filter(request=request, field_name__in=changed).update(answered=True)
            requested = set(request.items.values_list("field_name", flat=True))
            # answers changed that the reviewer did not ask about: the reviewer is told
            data["request"] = request.pk
            data["unrequested"] = [name for name in changed if name not in requested]
        audit(actor=actor, app=app, event="step_saved", data=data)
    return app


def _store_screening(app: Application) -> list[str]:
    result = screening_evaluate(application=app)
    app.profile = result.profile
    app.score = result.score
    app.capability_score = result.capability_score
    app.screening_reasons = result.as_dict()
    return ["profile", "score", "capability_score", "screening_reasons"]


@transaction.atomic
def application_submit(*, application: Application, actor: Any, now: dt.datetime | None = None) -> Application:
    """draft → submitted. Needs every required answer and document (ApplicationError with
    `extra["missing"]` otherwise). Computes the screening, assigns the main category's squad and a
    reviewer (round-robin by open load; no squad → a recruitment lead), grants the squad the
    `view_application`/`review_application` object permissions, and starts the SLA clocks on working time
    (first touch within PortalSettings.first_touch_hours, decision within decision_working_days)."""
    now = now_or(now)
    move = application_move(application, target=S.SUBMITTED, actor=actor,
                            guard=merchant_guard(Capability.SUBMIT_APPLICATION))
    if move.done:
        return move.obj
    app = move.obj
    missing = application_missing_items(app)
    if missing:
        raise ApplicationError(_("The application is not complete yet."), extra={"missing": missing})
    settings = PortalSettings.load()
    fields = _store_screening(app)
    fields += assignment_apply(app=app)
    app.submitted_at = now
    app.first_touch_due_at = add_working_hours(now, settings.first_touch_hours)
    app.decision_due_at = add_working_days(now, settings.decision_working_days)
    app.last_completed_step = WizardStep.DOCUMENTS
    finish_move(move, actor=actor, event="submitted", touched=[
        *fields, "submitted_at", "first_touch_due_at", "decision_due_at", "last_completed_step"], data={
        "profile": app.profile, "score": app.score, "squad": app.squad_id, "reviewer": app.assigned_reviewer_id,
        "first_touch_due_at": iso(app.first_touch_due_at), "decision_due_at": iso(app.decision_due_at),
    })
    application_notify(application=app, event="submitted")
    application_notify(application=app, event="assigned")
    return app


@transaction.atomic
def application_resubmit(*, application: Application, actor: Any, answers: dict[int, str] | None = None,
                         response: str = "", now: dt.datetime | None = None) -> Application:
    """info_requested → resubmitted: the applicant has answered. `answers` maps request item ids to a
    note. Every item of the open request is marked answered and the request closed. The decision clock
    resumes: the deadline moves by the working time it was paused. Compliance sign-off is cleared, since
    documents may have changed; the screening is recomputed."""
    now = now_or(now)
    move = application_move(application, target=S.RESUBMITTED, actor=actor,
                            guard=merchant_guard(Capability.SUBMIT_APPLICATION))
    if move.done:
        return move.obj
    app = move.obj
    missing = application_missing_items(app)
    if missing:
        raise ApplicationError(_("The application is not complete yet."), extra={"missing": missing})
    answers = answers or {}
    request = (InfoRequest.objects.select_for_update().filter(application=app, status=InfoRequest.Status.OPEN)
               .order_by("-created_at").first())
    if request is not None:
        for item in request.items.all():
            item.answered = True
            item.answer = str(answers.get(item.pk, answers.get(str(item.pk), item.answer)))[:5000]
            item.save(update_fields=["answered", "answer"])
        transition_check(request, target=InfoRequest.Status.ANSWERED).finish(
            actor=actor, action="onboarding.info_request.answered",
            fields={"answered_by": actor, "answered_at": now, "response": response},
            data={"application": app.pk})
    paused = dt.timedelta(0)
    fields = ["sla_paused_at", "sla_paused_total", "compliance_signed_off_by", "compliance_signed_off_at",
              "compliance_note"]
    if app.sla_paused_at is not None:
        paused = working_time_between(app.sla_paused_at, now)
        app.sla_paused_total += paused
        if app.decision_due_at is not None:
            app.decision_due_at = add_working_time(app.decision_due_at, paused)
            fields.append("decision_due_at")
        if app.decision_due_at is None or app.decision_due_at > now:
            app.sla_alerted_at = None
            app.sla_escalated_at = None
            fields += ["sla_alerted_at", "sla_escalated_at"]
    app.sla_paused_at = None
    app.compliance_signed_off_by = None
    app.compliance_signed_off_at = None
    app.compliance_note = ""
    fields += _store_screening(app)
    finish_move(move, actor=actor, event="resubmitted", touched=fields, data={
        "request": request.pk if request else None, "paused": str(paused), "decision_due_at": iso(app.decision_due_at),
    })
    application_notify(application=app, event="resubmitted")
    return app


@transaction.atomic
def application_withdraw(*, application: Application, actor: Any, reason: str = "",
                         now: dt.datetime | None = None) -> Application:
    """Any open state → withdrawn, by an owner or admin of the applying organisation. Stops the clocks."""
    now = now_or(now)
    move = application_move(application, target=S.WITHDRAWN, actor=actor,
                            guard=merchant_guard(Capability.WITHDRAW_APPLICATION))
    if move.done:
        return move.obj
    app = _withdraw(move, actor=actor, event="withdrawn", reason=reason, now=now)
    application_notify(application=app, event="withdrawn")
    return app


def _withdraw(move: Transition[Application], *, actor: Any, event: str, reason: str, now: dt.datetime
              ) -> Application:
    return finish_move(move, actor=actor, event=event, data={"reason": reason},
                       fields={"reasons": reason, "decided_at": now, "sla_paused_at": None})


def applications_auto_withdraw(*, now: dt.datetime | None = None) -> list[int]:
    """Withdraw every application whose information request has gone unanswered for
    PortalSettings.info_request_timeout_days (30 by default). Each in its own transaction; returns the ids."""
    now = now_or(now)
    cutoff = now - dt.timedelta(days=PortalSettings.load().info_request_timeout_days)
    candidates = list(
        Application.objects.filter(
            status=S.INFO_REQUESTED, info_requests__status=InfoRequest.Status.OPEN,
            info_requests__created_at__lte=cutoff,
        ).values_list("pk", flat=True).distinct()
    )
    done = []
    for pk in candidates:
        with transaction.atomic():
            app = lock_application(Application(pk=pk))
            still_due = InfoRequest.objects.filter(application=app, status=InfoRequest.Status.OPEN,
                                                   created_at__lte=cutoff).exists()
            if app.status != S.INFO_REQUESTED or not still_due:
                continue
            reason = _("No reply to the information request within %(days)s days.") % {
                "days": PortalSettings.load().info_request_timeout_days}
            _withdraw(application_move_locked(app, target=S.WITHDRAWN), actor=None, event="auto_withdrawn",
                      reason=reason, now=now)
            application_notify(application=app, event="auto_withdrawn")
            done.append(pk)
    return done
