"""Celery tasks of the alerts: doorways that call one service; safe to retry (an alert is emailed once)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

_TRANSIENT = (OperationalError, ConnectionError, TimeoutError)


@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=30, retry_backoff_max=600, max_retries=3,
             soft_time_limit=600, time_limit=660)
def alert_emails_task(self) -> int:
    """Email the alerts not yet emailed; returns how many emails were sent."""
    from .services import alert_emails_send

    return alert_emails_send()


@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=60, retry_backoff_max=600, max_retries=3,
             soft_time_limit=1800, time_limit=1860)
def requalification_quarterly_task(self) -> int:
    """Beat, the first day of every quarter: merchants rated below 80 go under re-qualification."""
    from .services import quarterly_requalification_check

    return quarterly_requalification_check()


@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=60, retry_backoff_max=600, max_retries=3,
             soft_time_limit=600, time_limit=660)
def tail_review_annual_task(self) -> int:
    """Beat, once a year: the bottom 10% by score are nominated for non-renewal."""
    from .services import annual_tail_review

    return annual_tail_review()
