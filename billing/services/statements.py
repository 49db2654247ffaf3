"""The statement's lifecycle after its run is built (BUSINESS_RULES §9; operator guide §25).

    settlement_run_issue(...)   finance issues a built run: every draft statement of it becomes issued in one
                                UPDATE, with the time to respond (3 days by default); the PDFs render and the
                                merchants' emails go out in Celery after commit (billing.services.statement_mail)
    statement_issue(...)        the same for one statement
    statement_confirm(...)      an owner, admin or finance user of the merchant confirms it
    statement_dispute(...)      they dispute a line instead (billing.services.disputes.dispute_open): the statement
                                becomes "confirmed with disputed lines"
    statements_autoconfirm(...) silence is confirmation: issued statements past their time (a daily task)

Issued statements never change what they say: PostgreSQL refuses changes to their figures and lines (migration
0006); corrections are lines of a later statement. No money moves here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.accounts.permissions import Capability, require_capability
from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, PermissionDenied
from portal.roles import Role, staff_roles
from portal.workflow import row_lock, transition_begin, transition_check

from ..models import BillingSettings, SettlementRun, Statement, StatementStatus
from .statement_mail import statement_issued_mail_schedule

S = StatementStatus
R = SettlementRun.Status
ISSUERS = frozenset({Role.FINANCE.value})


def _require_issuer(actor: Any | None) -> None:
    """Finance issues statements; `None` is the system (a task)."""
    if actor is not None and not staff_roles(actor) & ISSUERS:
        raise PermissionDenied(_("Only finance can issue statements."))


def respond_by_for(issued_at: dt.datetime) -> dt.datetime:
    return issued_at + dt.timedelta(days=BillingSettings.load().statement_respond_days)


def statement_pdf_schedule(statement_ids: list[int]) -> None:
    """Render the PDFs in Celery once the issuing transaction has committed (one task per statement)."""
    from ..tasks import statement_pdf_render_task

    def enqueue():
        for statement_id in statement_ids:
            statement_pdf_render_task.delay(statement_id)

    transaction.on_commit(enqueue)


@transaction.atomic
def settlement_run_issue(*, run: SettlementRun, actor: Any | None, now: dt.datetime | None = None) -> SettlementRun:
    """A built run goes to the merchants: its draft statements become issued at once (one UPDATE, whatever their
    number), each with `respond_by` = now + the response time, and their PDFs are rendered after commit. Quiet
    when the run is already issued; InvalidTransition while it is still building."""
    _require_issuer(actor)
    now = now or timezone.now()
    move = transition_begin(instance=run, target=R.ISSUED)
    if move.done:
        return move.obj
    respond_by = respond_by_for(now)
    drafts = Statement.objects.filter(run=move.obj, status=S.DRAFT)
    ids = list(drafts.values_list("pk", flat=True))
    issued = drafts.update(status=S.ISSUED, issued_at=now, respond_by=respond_by, updated_at=now)
    run = move.finish(actor=actor, action="billing.settlement_run.issued", fields={"issued_at": now},
                      data={"statements": issued, "respond_by": respond_by})
    statement_pdf_schedule(ids)
    statement_issued_mail_schedule(ids)
    return run


@transaction.atomic
def statement_issue(*, statement: Statement, actor: Any | None, now: dt.datetime | None = None) -> Statement:
    """Issue one draft statement of a built (or issued) run."""
    _require_issuer(actor)
    now = now or timezone.now()
    move = transition_begin(instance=statement, target=S.ISSUED)
    if move.done:
        return move.obj
    run_status = SettlementRun.objects.filter(pk=move.obj.run_id).values_list("status", flat=True).first()
    if run_status not in (R.BUILT, R.ISSUED):
        raise ApplicationError(_("The statement's settlement run is not built yet."))
    statement = move.finish(actor=actor, action="billing.statement.issued",
                            fields={"issued_at": now, "respond_by": respond_by_for(now)})
    statement_pdf_schedule([statement.pk])
    statement_issued_mail_schedule([statement.pk])
    return statement


def statement_respond_check(statement: Statement, *, now: dt.datetime) -> None:
    """Refuse a response to a statement that is not waiting for one (with the reason)."""
    if statement.status == S.DRAFT:
        raise ApplicationError(_("This statement has not been issued yet."))
    if statement.status not in (S.ISSUED, S.DISPUTED):
        raise ApplicationError(_("This statement is “%(status)s”: it can no longer be confirmed or disputed.")
                               % {"status": statement.get_status_display()})
    if statement.respond_by is not None and now > statement.respond_by:
        raise ApplicationError(
            _("The time to dispute this statement ended on %(date)s; without a dispute it counts as confirmed.")
            % {"date": date_format(timezone.localtime(statement.respond_by), "DATETIME_FORMAT")})


@transaction.atomic
def statement_confirm(*, statement: Statement, actor: Any, now: dt.datetime | None = None,
                      ip_address: str | None = None) -> Statement:
    """The merchant confirms an issued statement (an owner, admin or finance user). Quiet when it is confirmed
    already; a statement with disputed lines is confirmed apart from them already."""
    require_capability(user=actor, merchant_id=statement.merchant_id, capability=Capability.RESPOND_STATEMENTS)
    now = now or timezone.now()
    statement = row_lock(statement)
    if statement.status == S.CONFIRMED:
        return statement
    if statement.status == S.DISPUTED:
        raise ApplicationError(_("This statement has disputed lines: everything else on it is confirmed already."))
    if statement.status != S.ISSUED:
        statement_respond_check(statement, now=now)
    return transition_check(statement, target=S.CONFIRMED, from_states=[S.ISSUED]).finish(
        actor=actor, action="billing.statement.confirmed", ip_address=ip_address,
        fields={"confirmed_at": now, "confirmed_by": actor, "confirmed_silently": False})


def statement_dispute(*, statement: Statement, line, amount: Any, reason: str, actor: Any, files=(),
                      now: dt.datetime | None = None, ip_address: str | None = None):
    """Dispute one line of the statement (see `billing.services.disputes.dispute_open`)."""
    from .disputes import dispute_open

    return dispute_open(statement=statement, line=line, amount=amount, reason=reason, actor=actor, files=files,
                        now=now, ip_address=ip_address)


@transaction.atomic
def statements_autoconfirm(*, now: dt.datetime | None = None) -> int:
    """Silence is confirmation: every issued statement past its `respond_by` becomes confirmed (silently, at its
    `respond_by`), one UPDATE per run with one audit entry per run listing the statements. Returns how many.
    A statement being disputed at the same moment is either disputed in time or confirmed, never both (the UPDATE
    re-checks the status of each row it changes)."""
    now = now or timezone.now()
    due = Statement.objects.filter(status=S.ISSUED, respond_by__lt=now)
    total = 0
    for run_id in sorted(set(due.values_list("run_id", flat=True))):
        run_due = due.filter(run_id=run_id)
        ids = list(run_due.select_for_update().values_list("pk", flat=True))
        count = Statement.objects.filter(pk__in=ids, status=S.ISSUED).update(
            status=S.CONFIRMED, confirmed_at=F("respond_by"), confirmed_silently=True, updated_at=now)
        if count:
            audit_entry_create(actor=None, action="billing.statement.confirmed_silently",
                               target=SettlementRun.objects.get(pk=run_id), data={"statements": ids, "count": count})
        total += count
    return total
