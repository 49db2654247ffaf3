"""The statement and dispute emails, each recipient in their own language, sent after the transaction that caused
them commits. A mail server that fails is logged: the statement or the dispute keeps its new state.

    statement issued          the merchant's owners, admins and finance users (who may confirm or dispute), with
                              the link to the statement and the time to respond; one Celery task per statement,
                              as for the PDFs (a run issues thousands at once)
    dispute evidence asked    the merchant's users and the finance user handling the dispute, never the one who
    evidence added, decided   acted: the merchant's users read it in the portal, staff in the admin

The finance user handling a dispute is the last staff user other than the one acting who asked for evidence, added a
note or decided it (the audit trail); while no staff user has touched it, every finance user.

Templates: `billing/email/<event>_subject.txt` and `<event>_body.txt`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from portal.accounts.permissions import Capability, role_can
from portal.models import AuditEntry, MerchantMembership
from portal.money import format_money
from portal.roles import Role

from ..models import Dispute, Statement
from .deposit_mail import deposit_mail_queue, deposit_mail_send, staff_with_roles

logger = logging.getLogger(__name__)

HANDLER_ACTIONS = ("billing.dispute.evidence_requested", "billing.dispute.evidence_added", "billing.dispute.decided")


class _LocalDateTime:
    """A time shown in the recipient's language when the template renders it (inside their translation)."""

    def __init__(self, value):
        self.value = value

    def __str__(self) -> str:
        return date_format(timezone.localtime(self.value), "DATETIME_FORMAT") if self.value else ""


def merchant_responders(merchant_id: int) -> list:
    """The merchant's active users who may confirm or dispute statements (owner, admin, finance), with an email."""
    memberships = (MerchantMembership.objects.filter(merchant_id=merchant_id, user__is_active=True)
                   .exclude(user__email="").select_related("user").order_by("user_id"))
    return [m.user for m in memberships if role_can(m.role, Capability.RESPOND_STATEMENTS)]


# ---- statement issued


def statement_issued_mail_schedule(statement_ids: list[int]) -> None:
    """After the issuing transaction commits, one mail task per statement."""
    from ..tasks import statement_issued_mail_task

    def enqueue() -> None:
        for statement_id in statement_ids:
            statement_issued_mail_task.delay(statement_id)

    transaction.on_commit(enqueue)


def statement_issued_mail_send(*, statement_id: int) -> int:
    """Tell the merchant's responders that the statement is issued; returns how many emails went out (0 for a
    statement that is not issued any more or does not exist, or when the mail server fails)."""
    statement = Statement.objects.select_related("merchant").filter(pk=statement_id).first()
    if statement is None or statement.issued_at is None:
        return 0
    context = {"statement": statement, "merchant": statement.merchant,
               "net_payable": format_money(statement.net_payable, statement.currency),
               "respond_by": _LocalDateTime(statement.respond_by)}
    try:
        return deposit_mail_send(
            event="statement_issued", users=merchant_responders(statement.merchant_id), context=context,
            path_for=lambda user: reverse("billing:statement_detail", kwargs={"pk": statement.pk}))
    except OSError:
        logger.exception("billing: the statement_issued email of statement %s could not be sent", statement_id)
        return 0


# ---- disputes


def dispute_handlers(dispute: Dispute, *, actor: Any | None = None) -> list:
    """The finance user handling `dispute` besides `actor`: the last other active staff user in its trail. When
    no staff user has touched it yet (and `actor` is not staff), every finance user."""
    actor_id = getattr(actor, "pk", None)
    entries = (AuditEntry.objects.filter(target_type=ContentType.objects.get_for_model(Dispute),
                                         target_id=str(dispute.pk), action__in=HANDLER_ACTIONS,
                                         actor__is_staff=True, actor__is_active=True)
               .exclude(actor__email="").exclude(actor_id=actor_id).select_related("actor").order_by("-id"))
    last = entries.first()
    if last is not None:
        return [last.actor]
    if getattr(actor, "is_staff", False):
        return []
    return staff_with_roles([Role.FINANCE.value])


def dispute_mail_queue(*, dispute: Dispute, event: str, actor: Any, note: str = "") -> None:
    """After commit: `event` (dispute_evidence_requested, dispute_evidence_added, dispute_decided) to the
    merchant's responders (the portal link) and the dispute's handler (the admin link), not to `actor`."""
    dispute_id = dispute.pk
    actor_id = getattr(actor, "pk", None)

    def build(for_staff: bool):
        row = Dispute.objects.select_related("statement", "merchant").get(pk=dispute_id)
        users = dispute_handlers(row, actor=actor) if for_staff else merchant_responders(row.merchant_id)
        context = {"dispute": row, "statement": row.statement, "merchant": row.merchant, "note": note,
                   "for_staff": for_staff, "amount": format_money(row.amount, row.currency),
                   "released": format_money(row.released_amount, row.currency)}
        url_name = "billing_disputes:detail" if for_staff else "billing:dispute_detail"
        return ([user for user in users if user.pk != actor_id], context,
                lambda user: reverse(url_name, kwargs={"pk": row.pk}))

    deposit_mail_queue(event=event, build=lambda: build(False))
    deposit_mail_queue(event=event, build=lambda: build(True))
