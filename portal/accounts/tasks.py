"""Celery doorways to the account emails. Each task loads its rows by id and calls one service; a row that
disappeared in the meantime means there is nobody to mail, so the task ends quietly. Only transient mail
server errors are retried."""

from __future__ import annotations

import smtplib

from celery import shared_task

TRANSIENT_MAIL_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError)
_RETRY = {"autoretry_for": TRANSIENT_MAIL_ERRORS, "retry_backoff": 30, "retry_backoff_max": 600, "max_retries": 5,
          "soft_time_limit": 60, "time_limit": 90}


@shared_task(name="portal.accounts.email_verification_mail_send", **_RETRY)
def email_verification_mail_send_task(*, user_id: int) -> None:
    from portal.models import User

    from .services import email_verification_mail_send

    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        email_verification_mail_send(user=user)


@shared_task(name="portal.accounts.password_reset_mail_send", **_RETRY)
def password_reset_mail_send_task(*, user_id: int) -> None:
    from portal.models import User

    from .services import password_reset_mail_send

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        password_reset_mail_send(user=user)


@shared_task(name="portal.accounts.invitation_mail_send", **_RETRY)
def invitation_mail_send_task(*, merchant_id: int, email: str, inviter_id: int, token: str, language: str) -> None:
    from portal.models import Merchant, User

    from .services import invitation_mail_send

    merchant = Merchant.objects.filter(pk=merchant_id).first()
    inviter = User.objects.filter(pk=inviter_id).first()
    if merchant is not None and inviter is not None:
        invitation_mail_send(merchant=merchant, email=email, inviter=inviter, token=token, language=language)
