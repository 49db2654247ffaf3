"""The contract emails to the merchant's users, each in the recipient's language.

- issued: to the owners and admins (who may accept), with the link to the acceptance page;
- countersigned: to every member (finance pays the deposit next), with the link to the signed copy;
- terminated: to every member;
- accepted: to the staff who may countersign (recruitment leads and administrators), except whoever issued it;
- the acceptance code: to the one user who asked for it, sent right after the code's transaction commits, in
  the request: the code itself never leaves the process in anything but this email (no task queue holds it).

The lifecycle emails go through a Celery task queued after commit (`contract_notification_task`).

Templates: `contracts/email/<event>_subject.txt` and `<event>_body.txt`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from portal.accounts.permissions import Capability, role_can
from portal.accounts.selectors import user_greeting_name
from portal.models import MerchantMembership
from portal.site import site_url

from ..models import Contract

logger = logging.getLogger(__name__)

EVENTS = {"issued", "countersigned", "terminated", "accepted"}
ACCEPTERS_ONLY = {"issued"}
STAFF_EVENTS = {"accepted"}


def _language(user: Any) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    lang = (getattr(user, "preferred_language", "") or "").lower()
    return lang if lang in codes else settings.LANGUAGE_CODE


def _countersigners(contract: Contract) -> list:
    from django.contrib.auth import get_user_model

    from ..permissions import COUNTERSIGN_ROLES

    users = (get_user_model().objects.filter(groups__name__in=[str(r) for r in COUNTERSIGN_ROLES], is_active=True)
             .exclude(pk=contract.issued_by_id or 0).exclude(email="").distinct().order_by("pk"))
    return list(users)


def contract_recipients(*, contract: Contract, event: str) -> list:
    if event in STAFF_EVENTS:
        return _countersigners(contract)
    memberships = (MerchantMembership.objects.filter(merchant_id=contract.merchant_id, user__is_active=True)
                   .select_related("user").order_by("user_id"))
    users = []
    for membership in memberships:
        if event in ACCEPTERS_ONLY and not role_can(membership.role, Capability.ACCEPT_CONTRACT):
            continue
        if membership.user.email:
            users.append(membership.user)
    return users


def _render(name: str, context: dict[str, Any]) -> tuple[str, str]:
    subject = " ".join(render_to_string(f"contracts/email/{name}_subject.txt", context).split())
    body = render_to_string(f"contracts/email/{name}_body.txt", context)
    return subject, body


def _links(contract: Contract) -> dict[str, str]:
    return {"contract_url": site_url(reverse("contracts:detail", kwargs={"pk": contract.pk})),
            "accept_url": site_url(reverse("contracts:accept", kwargs={"pk": contract.pk})),
            "admin_url": site_url("/admin/")}


def contract_notification_send(*, contract: Contract, event: str) -> int:
    """Render and send `event`'s email to each recipient in their language; returns how many were sent."""
    if event not in EVENTS:
        raise ValueError(f"unknown contract notification {event!r}")
    sent = 0
    for user in contract_recipients(contract=contract, event=event):
        with translation.override(_language(user)):
            context = {"contract": contract, "event": event, "recipient": user,
                       "recipient_name": user_greeting_name(user=user), "site_url": site_url("/"),
                       **_links(contract)}
            subject, body = _render(event, context)
        sent += EmailMessage(subject=subject, body=body, to=[user.email]).send()
    return sent


def contract_notify(*, contract: Contract, event: str) -> None:
    """Queue `event`'s emails (`contracts.tasks.contract_notification_task`) once the current transaction
    commits, never for one that rolls back."""
    if event not in EVENTS:
        raise ValueError(f"unknown contract notification {event!r}")
    from ..tasks import contract_notification_task

    contract_id = contract.pk
    transaction.on_commit(lambda: contract_notification_task.delay(contract_id, event))


def acceptance_code_email(*, contract: Contract, user: Any, code: str, expires_at: dt.datetime, pdf_sha256: str,
                          minutes: int) -> None:
    """Email the code to `user` after the current transaction commits."""
    contract_id, user_email = contract.pk, user.email

    def send() -> None:
        fresh = Contract.objects.select_related("merchant").get(pk=contract_id)
        with translation.override(_language(user)):
            context = {"contract": fresh, "recipient": user, "recipient_name": user_greeting_name(user=user),
                       "code": code, "minutes": minutes, "expires_at": expires_at, "pdf_sha256": pdf_sha256,
                       "site_url": site_url("/"), **_links(fresh)}
            subject, body = _render("acceptance_code", context)
        try:
            EmailMessage(subject=subject, body=body, to=[user_email]).send()
        except OSError:  # the user sees no code and asks again after a minute
            logger.exception("contract %s: the acceptance code email could not be sent", contract_id)

    transaction.on_commit(send)
