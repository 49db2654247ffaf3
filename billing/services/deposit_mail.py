"""The deposit emails (deductions, top-ups, refunds), each recipient in their own language, sent after the
transaction that caused them commits (a failing mail server is logged: the money movement stands).

- to the merchant: its owners, admins and finance users (who may pay);
- to staff: the users of the named roles (finance, the recruitment lead).

Templates: `billing/email/<event>_subject.txt` and `<event>_body.txt`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from portal.accounts.permissions import Capability, role_can
from portal.accounts.selectors import user_greeting_name
from portal.models import MerchantMembership
from portal.site import site_url

logger = logging.getLogger(__name__)


def _language(user: Any) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    lang = (getattr(user, "preferred_language", "") or "").lower()
    return lang if lang in codes else settings.LANGUAGE_CODE


def merchant_payers(merchant_id: int) -> list:
    """The merchant's active users who may pay (owner, admin, finance), with an email address."""
    memberships = (MerchantMembership.objects.filter(merchant_id=merchant_id, user__is_active=True)
                   .exclude(user__email="").select_related("user").order_by("user_id"))
    return [m.user for m in memberships if role_can(m.role, Capability.PAY)]


def staff_with_roles(roles: Iterable[str]) -> list:
    return list(get_user_model().objects.filter(groups__name__in=[str(r) for r in roles], is_active=True)
                .exclude(email="").distinct().order_by("pk"))


def deposit_mail_send(*, event: str, users: Iterable[Any], context: dict[str, Any],
                      path_for: Any | None = None) -> int:
    """Send `event` to each user in their language now; `path_for(user)` gives the link (a path). Returns how
    many went out."""
    sent = 0
    for user in users:
        with translation.override(_language(user)):
            ctx = {**context, "recipient_name": user_greeting_name(user=user), "site_url": site_url("/"),
                   "url": site_url(path_for(user)) if path_for else ""}
            subject = " ".join(render_to_string(f"billing/email/{event}_subject.txt", ctx).split())
            body = render_to_string(f"billing/email/{event}_body.txt", ctx)
        sent += EmailMessage(subject=subject, body=body, to=[user.email]).send()
    return sent


def deposit_mail_queue(*, event: str, build: Any) -> None:
    """After commit, call `build()` → (users, context, path_for) and send. `build` re-reads what it needs."""

    def send() -> None:
        try:
            users, context, path_for = build()
            deposit_mail_send(event=event, users=users, context=context, path_for=path_for)
        except OSError:
            logger.exception("billing: the %s email could not be sent", event)

    transaction.on_commit(send)
