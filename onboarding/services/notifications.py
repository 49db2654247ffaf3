"""Email notifications of the onboarding workflow. Services queue them with `application_notify`, which
enqueues a Celery task after the transaction commits; the task calls `application_notification_send`.
Each recipient gets the email in their preferred language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from portal.accounts.selectors import user_greeting_name
from portal.models import PortalSettings
from portal.roles import Role
from portal.site import site_url

from ..models import Application, ApplicationDocument, InfoRequest

MERCHANT_EVENTS = {"submitted", "info_requested", "approved", "rejected", "withdrawn", "auto_withdrawn",
                   "document_expiring", "document_expired"}
REVIEWER_EVENTS = {"assigned", "resubmitted", "document_expired"}
LEAD_EVENTS = {"sla_breached"}
ESCALATION_EVENTS = {"sla_escalated"}
EVENTS = MERCHANT_EVENTS | REVIEWER_EVENTS | LEAD_EVENTS | ESCALATION_EVENTS


def application_notify(*, application: Application, event: str, extra: dict | None = None) -> None:
    """Queue the emails of `event` to be sent once the current transaction commits (never for a
    transaction that rolls back)."""
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    from ..tasks import application_notification_task

    app_id, payload = application.pk, dict(extra or {})
    transaction.on_commit(lambda: application_notification_task.delay(app_id, event, payload))


def _active(users) -> list:
    seen, out = set(), []
    for user in users:
        if user is not None and user.is_active and user.email and user.pk not in seen:
            seen.add(user.pk)
            out.append(user)
    return out


def _leads() -> list:
    return list(get_user_model().objects.filter(groups__name=Role.LEAD.value, is_active=True).order_by("pk"))


def notification_recipients(*, application: Application, event: str) -> list:
    User = get_user_model()
    users: list = []
    if event in MERCHANT_EVENTS:
        users += list(User.objects.filter(merchant_memberships__merchant_id=application.merchant_id).order_by("pk"))
    if event in REVIEWER_EVENTS or event in LEAD_EVENTS:
        if application.assigned_reviewer_id:
            users.append(application.assigned_reviewer)
        elif application.squad_id:
            users += list(application.squad.members.order_by("pk"))
    if event in LEAD_EVENTS:
        squad_lead = application.squad.lead if application.squad_id else None
        users += [squad_lead] if squad_lead is not None else _leads()
    if event in ESCALATION_EVENTS:
        if application.squad_id and application.squad.lead_id:
            users.append(application.squad.lead)
        users += _leads()
    return _active(users)


def _language(user: Any) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    lang = (getattr(user, "preferred_language", "") or "").lower()
    return lang if lang in codes else settings.LANGUAGE_CODE


def application_notification_send(*, application: Application, event: str, extra: dict | None = None) -> int:
    """Render and send `event`'s email to each recipient in their language; returns how many were sent.
    Templates: `onboarding/email/<event>_subject.txt` and `<event>_body.txt`."""
    extra = extra or {}
    context: dict[str, Any] = {"application": application, "event": event, "site_url": site_url("/"),
                               "extra": extra}
    if event == "info_requested":
        from ..selectors import info_request_field_label

        request = (InfoRequest.objects.filter(application=application).prefetch_related("items")
                   .order_by("-created_at", "-id").first())
        context["info_request"] = request
        context["timeout_days"] = PortalSettings.load().info_request_timeout_days
        context["items"] = [] if request is None else [
            {"field_name": item.field_name, "field": item.field_name, "comment": item.comment}
            for item in request.items.all()
        ]
    if extra.get("document_id"):
        context["document"] = (ApplicationDocument.objects.select_related("document_type")
                               .filter(pk=extra["document_id"], application=application).first())
    sent = 0
    for user in notification_recipients(application=application, event=event):
        with translation.override(_language(user)):
            # staff are greeted by their own name; a merchant user without one by the application's contact
            contact = "" if user.is_staff else application.contact_name
            ctx = {**context, "recipient": user, "recipient_name": user_greeting_name(user=user, fallback=contact)}
            if "items" in context:
                from ..selectors import info_request_field_label

                ctx["items"] = [{**item, "field": info_request_field_label(item["field_name"])}
                                for item in context["items"]]
            subject = " ".join(render_to_string(f"onboarding/email/{event}_subject.txt", ctx).split())
            body = render_to_string(f"onboarding/email/{event}_body.txt", ctx)
        sent += EmailMessage(subject=subject, body=body, to=[user.email]).send()
    return sent
