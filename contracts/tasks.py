"""Celery tasks of contracts: doorways that load rows by id and call one service. Safe to retry: building a
document that is already stored returns it and writes nothing."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.db import OperationalError

_TRANSIENT = (OperationalError, ConnectionError, TimeoutError)


@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=10, retry_backoff_max=300, max_retries=5,
             soft_time_limit=120, time_limit=180, acks_late=True)
def contract_document_render(self, contract_id: int, kind: str) -> int:
    """Render (and for the signed copy seal) and store one PDF of a contract; returns the document id (0 when
    the contract no longer exists)."""
    from .documents import contract_document_build
    from .models import Contract

    contract = (Contract.objects.select_related("template_version", "merchant", "parent")
                .filter(pk=contract_id).first())
    if contract is None:
        return 0
    return contract_document_build(contract=contract, kind=kind).pk


@shared_task(bind=True, autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError), retry_backoff=30,
             retry_backoff_max=600, max_retries=5, soft_time_limit=60, time_limit=90)
def contract_notification_task(self, contract_id: int, event: str) -> int:
    """Send one lifecycle email of a contract (`contracts.services.notifications`); returns how many went out.
    A retry after a partial failure may send a recipient the same email twice, never none."""
    from .models import Contract
    from .services.notifications import contract_notification_send

    contract = Contract.objects.select_related("merchant").filter(pk=contract_id).first()
    if contract is None:
        return 0
    return contract_notification_send(contract=contract, event=event)


# ---- admin: bulk PDF downloads

@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=10, retry_backoff_max=300, max_retries=3,
             soft_time_limit=1800, time_limit=1900, acks_late=True)
def contract_export_build_task(self, export_id: int) -> int:
    """Build the zip of one bulk PDF download; returns how many PDFs it holds (0 if the row is gone)."""
    from .exports import contract_export_build
    from .models import ContractExport

    export = ContractExport.objects.filter(pk=export_id).first()
    if export is None:
        return 0
    return contract_export_build(export=export).files


# ---- renewals: the daily review

@shared_task(soft_time_limit=600, time_limit=660)
def contracts_renewals_daily_task() -> dict:
    """Open the renewal reviews that are due, send their reminders, end the terms that ran out."""
    from .renewals import renewals_daily_run

    return renewals_daily_run()


@shared_task(soft_time_limit=600, time_limit=660)
def contract_exports_purge_task() -> int:
    """Delete the bulk PDF downloads past their retention period."""
    from .exports import contract_exports_purge

    return contract_exports_purge()
