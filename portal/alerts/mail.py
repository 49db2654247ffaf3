"""Who an alert is emailed to, and the email (in each recipient's language).

    complaint rate      the squad (members and lead) and management
    score below 80      the squad (members and lead)
    red line            the squad lead
    re-qualification    the squad lead and management
    tail review         the squad lead and management

The owner always. Without a squad (or a lead) every recruitment lead stands in for the squad's lead.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from portal.accounts.selectors import user_greeting_name
from portal.models import Alert, AlertKind
from portal.roles import Role
from portal.site import site_url

SQUAD_KINDS = {AlertKind.COMPLAINT_RATE, AlertKind.SCORE_BELOW}
MANAGEMENT_KINDS = {AlertKind.COMPLAINT_RATE, AlertKind.REQUALIFICATION, AlertKind.TAIL_REVIEW}


class AlertRecipients:
    """The recipients of alerts, with each squad's members and each role's users looked up once."""

    def __init__(self) -> None:
        self._members: dict[int, list] = {}
        self._roles: dict[str, list] = {}

    def _role(self, role: str) -> list:
        if role not in self._roles:
            self._roles[role] = list(get_user_model().objects.filter(groups__name=role, is_active=True)
                                     .order_by("pk"))
        return self._roles[role]

    def _squad_members(self, squad) -> list:
        if squad.pk not in self._members:
            self._members[squad.pk] = list(squad.members.filter(is_active=True).order_by("pk"))
        return self._members[squad.pk]

    def of(self, alert: Alert) -> list:
        users: list = [alert.owner]
        squad = alert.squad
        if alert.kind in SQUAD_KINDS and squad is not None:
            users += self._squad_members(squad)
        users += [squad.lead] if squad is not None and squad.lead_id else self._role(Role.LEAD.value)
        if alert.kind in MANAGEMENT_KINDS:
            users += self._role(Role.MANAGEMENT.value)
        seen, out = set(), []
        for user in users:
            if user is not None and user.is_active and user.email and user.pk not in seen:
                seen.add(user.pk)
                out.append(user)
        return out


def _language(user: Any) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    lang = (getattr(user, "preferred_language", "") or "").lower()
    return lang if lang in codes else settings.LANGUAGE_CODE


def alert_mail_send(*, alert: Alert, users: list) -> int:
    """Send `alert`'s email to each of `users` in their language; returns how many were sent."""
    from .selectors import alert_reason

    sent = 0
    for user in users:
        with translation.override(_language(user)):
            ctx = {"alert": alert, "reason": alert_reason(alert=alert), "site_url": site_url("/admin/alerts/"),
                   "recipient_name": user_greeting_name(user=user)}
            subject = " ".join(render_to_string("portal/email/alert_subject.txt", ctx).split())
            body = render_to_string("portal/email/alert_body.txt", ctx)
        sent += EmailMessage(subject=subject, body=body, to=[user.email]).send()
    return sent
