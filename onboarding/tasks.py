"""Celery tasks of onboarding: doorways that load rows by id and call one service. Safe to retry."""

from __future__ import annotations

import smtplib

from celery import shared_task

_TRANSIENT = (smtplib.SMTPException, ConnectionError, TimeoutError)


@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=30, retry_backoff_max=600, max_retries=5,
             soft_time_limit=60, time_limit=90)
def application_notification_task(self, application_id: int, event: str, extra: dict | None = None) -> int:
    from .models import Application
    from .services import application_notification_send

    application = (Application.objects.select_related("merchant", "squad__lead", "assigned_reviewer")
                   .filter(pk=application_id).first())
    if application is None:
        return 0
    return application_notification_send(application=application, event=event, extra=extra or {})


@shared_task(soft_time_limit=300, time_limit=360)
def applications_auto_withdraw_task() -> int:
    from .services import applications_auto_withdraw

    return len(applications_auto_withdraw())


@shared_task(soft_time_limit=300, time_limit=360)
def applications_sla_check_task() -> dict:
    from .services import applications_sla_check

    return applications_sla_check()


@shared_task(soft_time_limit=300, time_limit=360)
def documents_expiry_check_task() -> dict:
    from .services import documents_expiry_check

    return documents_expiry_check()
