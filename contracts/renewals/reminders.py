"""Reminder emails of a renewal review, to both sides, each person in their own language."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from portal.accounts.permissions import Capability, role_can
from portal.accounts.selectors import user_greeting_name
from portal.models import MerchantMembership
from portal.site import site_url

from ..models import Contract, RenewalReview
from .proposal import renewal_reason_texts

logger = logging.getLogger(__name__)



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


def reminder_queue(*, review: RenewalReview, kind: str) -> None:
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
                "url": site_url(reverse("contracts_admin:detail" if is_staff else "contracts:detail",
                                        args=[contract.pk])),
                "site_url": site_url("/"),
            }
            subject = " ".join(render_to_string("contracts/email/renewal_reminder_subject.txt", context).split())
            body = render_to_string("contracts/email/renewal_reminder_body.txt", context)
        sent += EmailMessage(subject=subject, body=body, to=[user.email]).send()
    return sent
