"""Celery tasks of billing: doorways that load rows by id and call one service; safe to retry."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

_TRANSIENT = (OperationalError, ConnectionError, TimeoutError)


# ---- invoices: the PDF of an issued invoice or credit note

@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=10, retry_backoff_max=300, max_retries=5,
             soft_time_limit=120, time_limit=180, acks_late=True)
def invoice_pdf_render_task(self, invoice_id: int) -> int:
    """Render and store an issued invoice's PDF (once); returns the invoice id (0 when it no longer exists)."""
    from .documents import invoice_pdf_build
    from .models import Invoice

    invoice = Invoice.objects.select_related("contract", "corrects").filter(pk=invoice_id).first()
    if invoice is None:
        return 0
    return invoice_pdf_build(invoice).pk


@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=30, retry_backoff_max=600, max_retries=3,
             soft_time_limit=600, time_limit=660)
def technical_service_fees_daily_task(self) -> int:
    """Bill each active contract's technical service fee for the years of its term that have begun; returns how
    many invoices were issued. Idempotent."""
    from .services.fees import technical_service_fees_bill_due

    return len(technical_service_fees_bill_due())

# ---- end invoices


# ---- deposit: top-up reminders and overdue top-ups, overdue refunds (once a day)

@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=30, retry_backoff_max=600, max_retries=3,
             soft_time_limit=300, time_limit=360)
def deposit_daily_task(self) -> dict:
    """The deposit's daily run (`billing.services.deposit_daily`); idempotent."""
    from .services.deposit_daily import deposit_daily_run

    return deposit_daily_run()

# ---- end deposit


# ---- stripe: the read-back of pending card payments and refunds (beat: every 5 minutes)
@shared_task(soft_time_limit=240, time_limit=300, ignore_result=True)
def payments_reconcile_task() -> dict:
    """Read back from Stripe what no webhook has confirmed (billing.services.reconcile)."""
    from .services.reconcile import payments_reconcile

    result = payments_reconcile()
    return {"payments": result.payments, "refunds": result.refunds, "dashboard_checked": result.dashboard_checked,
            "unavailable": result.unavailable, "changed": result.changed}
# ---- end stripe


# ---- statements: the PDF of an issued statement, silence = confirmed (daily)

@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=10, retry_backoff_max=300, max_retries=5,
             soft_time_limit=120, time_limit=180, acks_late=True)
def statement_pdf_render_task(self, statement_id: int) -> int:
    """Render and store an issued statement's PDF (once); returns the statement id (0 when it does not exist)."""
    from .models import Statement
    from .statement_documents import statement_pdf_build

    statement = Statement.objects.select_related("merchant", "contract", "run").filter(pk=statement_id).first()
    if statement is None:
        return 0
    return statement_pdf_build(statement).pk


@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=10, retry_backoff_max=300, max_retries=5,
             soft_time_limit=60, time_limit=90)
def statement_issued_mail_task(self, statement_id: int) -> int:
    """Email an issued statement to the merchant's responders; returns how many emails went out."""
    from .services.statement_mail import statement_issued_mail_send

    return statement_issued_mail_send(statement_id=statement_id)


@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=30, retry_backoff_max=600, max_retries=3,
             soft_time_limit=300, time_limit=360)
def statements_autoconfirm_task(self) -> int:
    """Issued statements past their time to respond become confirmed (silence = confirmed); idempotent."""
    from .services.statements import statements_autoconfirm

    return statements_autoconfirm()

# ---- end statements

# ---- settlements: a run per period, built in chunks that the workers share

@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=5, retry_backoff_max=120, max_retries=5,
             soft_time_limit=540, time_limit=600, acks_late=True, reject_on_worker_lost=True)
def settlement_chunk_task(self, chunk_id: int) -> dict:
    """Build one chunk of a run (`settlement_chunk_build`); a done chunk is left as it is. A lost worker's
    message is delivered again (acks late); a chunk that failed is marked so, with its error."""
    from .models import SettlementChunk
    from .services.settlements import settlement_chunk_build

    chunk = SettlementChunk.objects.filter(pk=chunk_id).first()
    if chunk is None:
        return {"chunk": chunk_id, "status": "missing"}
    chunk = settlement_chunk_build(chunk=chunk)
    return {"chunk": chunk.pk, "status": chunk.status, "statements": chunk.statements, "lines": chunk.lines}


def _fan_out(chunk_ids: list[int]) -> None:
    for chunk_id in chunk_ids:
        settlement_chunk_task.delay(chunk_id)


@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=10, max_retries=3, soft_time_limit=120,
             time_limit=180)
def settlement_run_task(self, run_id: int) -> int:
    """Queue a task for each chunk of the run still to build; returns how many."""
    from .models import SettlementRun
    from .services.settlements import settlement_run_resume

    run = SettlementRun.objects.filter(pk=run_id).first()
    if run is None:
        return 0
    chunk_ids = settlement_run_resume(run=run)
    _fan_out(chunk_ids)
    return len(chunk_ids)


@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=30, max_retries=3, soft_time_limit=120,
             time_limit=180)
def settlement_weekly_task(self) -> int:
    """Monday night: start last week's run and fan out its chunks (idempotent: the period's run is reused)."""
    from .services.settlements import settlement_period_default, settlement_run_resume, settlement_run_start

    start, end = settlement_period_default()
    run = settlement_run_start(period_start=start, period_end=end, actor=None)
    chunk_ids = settlement_run_resume(run=run)
    _fan_out(chunk_ids)
    return len(chunk_ids)


@shared_task(soft_time_limit=120, time_limit=180, ignore_result=True)
def settlements_resume_task() -> int:
    """Every 10 minutes: chunks of building runs that were never picked up, lost their worker, or failed fewer
    than three times are queued again."""
    from .models import SettlementRun
    from .services.settlements import settlement_run_resume

    queued = 0
    for run in SettlementRun.objects.filter(status=SettlementRun.Status.BUILDING):
        chunk_ids = settlement_run_resume(run=run, automatic=True)
        _fan_out(chunk_ids)
        queued += len(chunk_ids)
    return queued

# ---- end settlements


# ---- deposits: the quarterly review of every held deposit against the table (a lower grade's surplus refunded)

@shared_task(bind=True, autoretry_for=_TRANSIENT, retry_backoff=60, retry_backoff_max=600, max_retries=3,
             soft_time_limit=1800, time_limit=1860)
def deposit_quarterly_review_task(self) -> int:
    """Beat, the first day of every quarter: returns how many requirements changed."""
    from .services.deposit_tables import deposit_quarterly_review

    return deposit_quarterly_review()
