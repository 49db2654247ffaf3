"""Statement disputes (billing.models.disputes; BUSINESS_RULES §9; operator guide §25).

    dispute_open(...)              the merchant disputes a line of an issued statement within its time, with the
                                   amount in dispute, what is wrong and optionally evidence; the amount is frozen
    dispute_evidence_request(...)  finance asks the merchant for evidence (a to-do in the merchant's workspace)
    dispute_evidence_add(...)      either side adds a note or a file; the merchant's evidence puts the dispute
                                   under review
    dispute_decide(...)            finance decides: released, upheld or partly released; the days frozen move the
                                   released amount's due date
    dispute_withdraw(...)          the merchant withdraws it before the decision
    disputes_for_statement_build(...)  what the settlement run puts on the next statements: frozen and released

Each runs in one transaction under the dispute's (and the statement's) row lock, with its audit entry; asking
for evidence, adding it and the decision are emailed after commit (billing.services.statement_mail). No money
moves here: a released amount is paid through the next statement.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.permissions import Capability, require_capability
from portal.audit import audit_entry_create
from portal.exceptions import ApplicationError, PermissionDenied
from portal.money import format_money, round_money
from portal.uploads import EXTENSIONS, upload_limits, upload_validate
from portal.workflow import row_lock, transition_begin, transition_check

from ..models import Dispute, DisputeEvidence, DisputeOutcome, DisputeStatus, Statement, StatementLine
from ..models import StatementStatus as S
from .four_eyes import user_may_approve_money
from .statement_mail import dispute_mail_queue
from .statements import statement_respond_check

D = DisputeStatus
O = DisputeOutcome  # noqa: E741
K = StatementLine.Kind
ZERO = Decimal("0")
# frozen lines only show what is frozen; a carried-in balance is the last statement's (dispute that one)
NOT_DISPUTABLE = (K.FROZEN, K.CARRIED_IN)
MAX_FILES = 5


def dispute_cap(line: StatementLine) -> Decimal:
    """The most a line can be disputed for: its GMV (an order line) or its amount."""
    return max(abs(line.amount), line.gmv)


def _amount(value: Any, currency: str) -> Decimal:
    try:
        amount = round_money(Decimal(str(value).replace(",", "").strip()), currency)
    except (InvalidOperation, ApplicationError, TypeError, ValueError):
        raise ValidationError({"amount": [_("Enter the amount as a number, e.g. 120.50.")]}) from None
    if amount <= 0:
        raise ValidationError({"amount": [_("The amount must be more than zero.")]})
    return amount


def _files_check(files: Iterable[Any]) -> list[tuple[Any, str]]:
    files = [f for f in files or () if f]
    if len(files) > MAX_FILES:
        raise ValidationError({"files": [_("Attach at most %(count)s files at a time.") % {"count": MAX_FILES}]})
    max_bytes, max_pixels = upload_limits()
    checked = []
    for upload in files:
        try:
            checked.append((upload, upload_validate(upload, max_bytes=max_bytes, max_pixels=max_pixels)))
        except ValidationError as exc:
            raise ValidationError({"files": exc.messages}) from None
    return checked


def _evidence_store(*, dispute: Dispute, note: str, files: list[tuple[Any, str]], actor: Any,
                    by_staff: bool) -> list[DisputeEvidence]:
    rows = []
    if note and not files:
        rows.append(DisputeEvidence.objects.create(dispute=dispute, note=note, by_staff=by_staff, uploaded_by=actor))
    for index, (upload, content_type) in enumerate(files):
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        evidence = DisputeEvidence(dispute=dispute, note=note if index == 0 else "", content_type=content_type,
                                   original_name=(getattr(upload, "name", "") or "")[:255], size=len(data),
                                   sha256=hashlib.sha256(data).hexdigest(), by_staff=by_staff, uploaded_by=actor)
        evidence.file.save(f"{dispute.number}{EXTENSIONS[content_type]}", upload, save=False)
        evidence.save()
        rows.append(evidence)
    return rows


@transaction.atomic
def dispute_open(*, statement: Statement, line: StatementLine, amount: Any, reason: str, actor: Any, files=(),
                 now: dt.datetime | None = None, ip_address: str | None = None) -> Dispute:
    """Dispute `line` of an issued statement within its time (owner, admin or finance of the merchant). Freezes the
    amount; an issued statement becomes "confirmed with disputed lines". Raises ValidationError naming the fields
    (amount, reason, files), PermissionDenied or ApplicationError; writes nothing then."""
    require_capability(user=actor, merchant_id=statement.merchant_id, capability=Capability.RESPOND_STATEMENTS)
    now = now or timezone.now()
    statement = row_lock(statement)
    statement_respond_check(statement, now=now)
    if line.statement_id != statement.pk:
        raise ApplicationError(_("This line is not on this statement."))
    if line.kind in NOT_DISPUTABLE:
        raise ApplicationError(_("A line of this kind cannot be disputed here."))
    live = Dispute.objects.filter(line=line).exclude(status=D.WITHDRAWN).first()
    if live is not None:
        raise ApplicationError(_("This line is already disputed (%(number)s).") % {"number": live.number})
    errors: dict[str, list[str]] = {}
    checked: dict[str, Any] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say what is wrong with this line.")]
    for name, check in (("amount", lambda: _amount(amount, statement.currency)),
                        ("files", lambda: _files_check(files))):
        try:
            checked[name] = check()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    cap = dispute_cap(line)
    if "amount" in checked and checked["amount"] > cap:
        errors.setdefault("amount", []).append(
            _("At most %(cap)s can be disputed on this line.") % {"cap": format_money(cap, statement.currency)})
    if errors:
        raise ValidationError(errors)
    sequence = Dispute.objects.filter(statement=statement).count() + 1
    dispute = Dispute.objects.create(
        statement=statement, line=line, merchant_id=statement.merchant_id, number=f"{statement.number}-D{sequence}",
        amount=checked["amount"], currency=statement.currency, reason=reason, opened_at=now, opened_by=actor)
    _evidence_store(dispute=dispute, note="", files=checked["files"], actor=actor, by_staff=False)
    audit_entry_create(actor=actor, action="billing.dispute.opened", target=dispute, ip_address=ip_address,
                       data={"statement": statement.number, "line": line.pk, "kind": line.kind,
                             "amount": dispute.amount, "currency": dispute.currency, "files": len(checked["files"])})
    if statement.status == S.ISSUED:
        transition_check(statement, target=S.DISPUTED).finish(
            actor=actor, action="billing.statement.disputed", ip_address=ip_address,
            fields={"confirmed_at": now, "confirmed_by": actor}, data={"dispute": dispute.number})
    return dispute


def _require_staff(actor: Any) -> None:
    if not user_may_approve_money(actor):
        raise PermissionDenied(_("Only finance or management can handle a dispute."))


@transaction.atomic
def dispute_evidence_request(*, dispute: Dispute, actor: Any, note: str, now: dt.datetime | None = None) -> Dispute:
    """Finance asks the merchant for evidence: the dispute awaits it (a to-do for the merchant)."""
    _require_staff(actor)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say what evidence the merchant should send.")]})
    move = transition_begin(instance=dispute, target=D.AWAITING_EVIDENCE)
    if move.done:
        return move.obj
    dispute = move.finish(actor=actor, action="billing.dispute.evidence_requested", data={"note": note},
                          fields={"evidence_requested_at": now or timezone.now(), "evidence_request": note})
    dispute_mail_queue(dispute=dispute, event="dispute_evidence_requested", actor=actor, note=note)
    return dispute


@transaction.atomic
def dispute_evidence_add(*, dispute: Dispute, actor: Any, note: str = "", files=(), staff: bool = False,
                         ip_address: str | None = None) -> Dispute:
    """Add a note or files to a dispute that is not decided. The merchant's (owner, admin, finance) evidence puts
    an open or waiting dispute under review; a staff note (`staff=True`, finance or management) changes nothing."""
    if staff:
        _require_staff(actor)
    else:
        require_capability(user=actor, merchant_id=dispute.merchant_id, capability=Capability.RESPOND_STATEMENTS)
    note = (note or "").strip()
    checked = _files_check(files)
    if not note and not checked:
        raise ValidationError({"note": [_("Write a note or attach a file.")]})
    dispute = row_lock(dispute)
    if not dispute.is_live:
        raise ApplicationError(_("This dispute is “%(status)s”: nothing more can be added to it.")
                               % {"status": dispute.get_status_display()})
    rows = _evidence_store(dispute=dispute, note=note, files=checked, actor=actor, by_staff=staff)
    audit_entry_create(actor=actor, action="billing.dispute.evidence_added", target=dispute, ip_address=ip_address,
                       data={"evidence": [row.pk for row in rows], "files": len(checked), "staff": staff})
    if not staff and dispute.status in (D.OPEN, D.AWAITING_EVIDENCE):
        dispute = transition_check(dispute, target=D.UNDER_REVIEW).finish(
            actor=actor, action="billing.dispute.under_review", ip_address=ip_address)
    dispute_mail_queue(dispute=dispute, event="dispute_evidence_added", actor=actor, note=note)
    return dispute


def frozen_days_between(opened_at: dt.datetime, closed_at: dt.datetime) -> int:
    """Calendar days from the day it was opened to the day it was closed (Asia/Shanghai)."""
    return max((timezone.localdate(closed_at) - timezone.localdate(opened_at)).days, 0)


@transaction.atomic
def dispute_decide(*, dispute: Dispute, actor: Any, outcome: str, note: str, released_amount: Any = None,
                   now: dt.datetime | None = None) -> Dispute:
    """Finance (or management) decides a dispute that is not closed: `released` releases the whole amount,
    `upheld` none of it (the line stands), `partial` the part given (more than zero, less than the amount). A
    released amount is due on the disputed statement's payout date plus the days frozen, and is paid through the
    next statement built after today. Raises ValidationError naming the fields."""
    _require_staff(actor)
    now = now or timezone.now()
    move = transition_begin(instance=dispute, target=D.DECIDED,
                            queryset=Dispute.objects.select_related("statement"))
    if move.done:
        return move.obj
    dispute = move.obj
    errors: dict[str, list[str]] = {}
    note = (note or "").strip()
    if not note:
        errors["note"] = [_("Give the reasons for the decision; the merchant reads them.")]
    released = ZERO
    if outcome == O.RELEASED:
        released = dispute.amount
    elif outcome == O.PARTIAL:
        try:
            released = _amount(released_amount, dispute.currency)
        except ValidationError as exc:
            errors["released_amount"] = exc.message_dict["amount"]
        else:
            if released >= dispute.amount:
                errors["released_amount"] = [
                    _("A partial release is less than the amount in dispute (%(amount)s); release it all instead.")
                    % {"amount": format_money(dispute.amount, dispute.currency)}]
    elif outcome != O.UPHELD:
        errors["outcome"] = [_("Choose the decision.")]
    if errors:
        raise ValidationError(errors)
    days = frozen_days_between(dispute.opened_at, now)
    due_on = dispute.statement.payout_due_on + dt.timedelta(days=days) if released > 0 else None
    dispute = move.finish(
        actor=actor, action="billing.dispute.decided",
        fields={"outcome": outcome, "released_amount": released, "decision_note": note, "decided_at": now,
                "decided_by": actor, "closed_at": now, "frozen_days": days, "released_due_on": due_on},
        data={"outcome": outcome, "released": released, "currency": dispute.currency, "frozen_days": days,
              "released_due_on": due_on})
    dispute_mail_queue(dispute=dispute, event="dispute_decided", actor=actor, note=note)
    return dispute


@transaction.atomic
def dispute_withdraw(*, dispute: Dispute, actor: Any, now: dt.datetime | None = None,
                     ip_address: str | None = None) -> Dispute:
    """The merchant withdraws a dispute before the decision: nothing is released. When none of the statement's
    disputes is left, the statement is simply confirmed."""
    require_capability(user=actor, merchant_id=dispute.merchant_id, capability=Capability.RESPOND_STATEMENTS)
    now = now or timezone.now()
    statement = row_lock(dispute.statement)
    move = transition_begin(instance=dispute, target=D.WITHDRAWN)
    if move.done:
        return move.obj
    dispute = move.finish(actor=actor, action="billing.dispute.withdrawn", ip_address=ip_address,
                          fields={"closed_at": now, "frozen_days": frozen_days_between(move.obj.opened_at, now)})
    if statement.status == S.DISPUTED and not \
            Dispute.objects.filter(statement=statement).exclude(status=D.WITHDRAWN).exists():
        transition_check(statement, target=S.CONFIRMED).finish(
            actor=actor, action="billing.statement.confirmed", ip_address=ip_address,
            data={"disputes_withdrawn": True})
    return dispute


# ---- what the settlement run reads


@dataclass(frozen=True)
class DisputeLineSpec:
    """A `frozen` or `released` line for a merchant's next statement. `amount` is the sum frozen (shown, counts 0)
    or released (counts +); `day` is the day it was frozen, or the day the released amount is due; `reference` is
    the dispute's number (a released one is on one statement only: a unique constraint)."""

    dispute_id: int
    kind: str
    amount: Decimal
    currency: str
    day: dt.date
    reference: str
    description: str


@dataclass
class MerchantDisputes:
    frozen: list[DisputeLineSpec] = field(default_factory=list)
    released: list[DisputeLineSpec] = field(default_factory=list)

    @property
    def frozen_total(self) -> Decimal:
        return sum((line.amount for line in self.frozen), ZERO)

    @property
    def released_total(self) -> Decimal:
        return sum((line.amount for line in self.released), ZERO)


def _day_end(day: dt.date) -> dt.datetime:
    """The first moment after `day` in the portal's time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def disputes_for_statement_build(*, period_end: dt.date, merchant_ids: Iterable[int] | None = None,
                                 first_merchant_id: int | None = None,
                                 last_merchant_id: int | None = None) -> dict[int, MerchantDisputes]:
    """For the statements of the period ending `period_end`, per merchant (those given, or the id range of a
    chunk): the disputes still frozen at the end of the period (opened by then, not decided or withdrawn by
    then), and the amounts released by decisions taken by then that no statement of another period carries yet.
    Merchants with neither are left out. Two queries, whatever the number of merchants.

    Deterministic for a period (a rebuild of the same run gets the same lines); a release already on a statement
    of another period is never released again."""
    end = _day_end(period_end)
    scope = Q()
    if merchant_ids is not None:
        scope &= Q(merchant_id__in=list(merchant_ids))
    if first_merchant_id is not None:
        scope &= Q(merchant_id__gte=first_merchant_id)
    if last_merchant_id is not None:
        scope &= Q(merchant_id__lte=last_merchant_id)
    base = Dispute.objects.filter(scope).filter(statement__period_end__lt=period_end).select_related("statement")
    out: dict[int, MerchantDisputes] = {}
    frozen = (base.filter(opened_at__lt=end).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end))
              .order_by("merchant_id", "opened_at", "id"))
    for dispute in frozen:
        out.setdefault(dispute.merchant_id, MerchantDisputes()).frozen.append(DisputeLineSpec(
            dispute_id=dispute.pk, kind=K.FROZEN, amount=dispute.amount, currency=dispute.currency,
            day=timezone.localdate(dispute.opened_at), reference=dispute.number,
            description=f"{dispute.number} ({dispute.statement.number})"))
    carried = StatementLine.objects.filter(kind=K.RELEASED, reference=OuterRef("number")).exclude(
        statement__period_end=period_end)
    released = (base.filter(status=D.DECIDED, released_amount__gt=0, decided_at__lt=end)
                .exclude(Exists(carried)).order_by("merchant_id", "decided_at", "id"))
    for dispute in released:
        out.setdefault(dispute.merchant_id, MerchantDisputes()).released.append(DisputeLineSpec(
            dispute_id=dispute.pk, kind=K.RELEASED, amount=dispute.released_amount, currency=dispute.currency,
            day=dispute.released_due_on, reference=dispute.number,
            description=f"{dispute.number} ({dispute.statement.number})"))
    return out
