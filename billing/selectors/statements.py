"""Reads of statements and disputes for the merchant's pages and the staff admin.

Merchant reads are scoped to the merchant and never show a draft: another merchant's statement, line or dispute is
None (the view answers 404). Lists cost a constant number of queries whatever their length."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from contracts.commission.describe import steps_explained
from contracts.commission.engine import RateStep
from portal.models import Category, Merchant

from ..models import Dispute, DisputeEvidence, Statement, StatementLine, StatementStatus

S = StatementStatus
K = StatementLine.Kind
VISIBLE = [S.ISSUED, S.CONFIRMED, S.DISPUTED, S.APPROVED, S.PAID]
ORDER_KINDS = [K.ORDER, K.ORDER_CHANGE]


def merchant_statements(*, merchant: Merchant) -> QuerySet[Statement]:
    """The merchant's issued statements, newest period first, each with `live_disputes` (one query a page)."""
    return (Statement.objects.filter(merchant=merchant, status__in=VISIBLE)
            .annotate(live_disputes=Count("disputes", filter=Q(disputes__status__in=Dispute.LIVE)))
            .order_by("-period_start", "-id"))


def statement_get_for_merchant(*, merchant: Merchant, pk: Any) -> Statement | None:
    return (Statement.objects.filter(merchant=merchant, status__in=VISIBLE, pk=pk)
            .select_related("contract", "run").first())


def statement_lines(*, statement: Statement, kind: str = "") -> QuerySet[StatementLine]:
    """The statement's lines (all, or of one kind), with their category and commission explanation; each with
    `open_dispute` (the line's dispute that is not withdrawn, or None) through one prefetch."""
    lines = StatementLine.objects.filter(statement=statement)
    if kind:
        lines = lines.filter(kind=kind)
    return (lines.select_related("category", "explanation", "order_line")
            .prefetch_related(Prefetch("disputes", queryset=Dispute.objects.exclude(status="withdrawn"),
                                       to_attr="disputes_live"))
            .order_by("id"))


def statement_line_get(*, statement: Statement, pk: Any) -> StatementLine | None:
    return StatementLine.objects.filter(statement=statement, pk=pk).select_related("category", "explanation").first()


def statement_kind_counts(*, statement: Statement) -> list[tuple[str, str, int]]:
    """(kind, label, number of lines) of the kinds the statement has, in the kinds' order (one query)."""
    counts = dict(StatementLine.objects.filter(statement=statement).values_list("kind").annotate(n=Count("id"))
                  .order_by())
    return [(value, label, counts[value]) for value, label in K.choices if counts.get(value)]


def statement_disputes(*, statement: Statement) -> list[Dispute]:
    return list(Dispute.objects.filter(statement=statement).select_related("line").order_by("opened_at", "id"))


def merchant_disputes(*, merchant: Merchant) -> QuerySet[Dispute]:
    return (Dispute.objects.filter(merchant=merchant).select_related("statement", "line")
            .order_by("-opened_at", "-id"))


def merchant_released(*, merchant: Merchant, limit: int = 50) -> list[Dispute]:
    """The merchant's latest decided disputes that released an amount, with their due dates."""
    return list(Dispute.objects.filter(merchant=merchant, status=Dispute.Status.DECIDED, released_amount__gt=0)
                .select_related("statement").order_by("-decided_at", "-id")[:limit])


def dispute_get_for_merchant(*, merchant: Merchant, pk: Any) -> Dispute | None:
    return (Dispute.objects.filter(merchant=merchant, pk=pk)
            .select_related("statement", "line", "line__category", "opened_by", "decided_by").first())


def dispute_evidence(*, dispute: Dispute) -> list[DisputeEvidence]:
    return list(dispute.evidence.select_related("uploaded_by").order_by("uploaded_at", "id"))


def dispute_evidence_get(*, dispute: Dispute, pk: Any) -> DisputeEvidence | None:
    return dispute.evidence.filter(pk=pk).exclude(file="").first()


# ---- commission explanations, in words

_DECIMAL_DETAILS = {"from_gmv", "multiplier", "discount", "floor"}


def _step(data: dict) -> RateStep:
    detail = []
    for key, value in (data.get("detail") or {}).items():
        if key in _DECIMAL_DETAILS and value is not None:
            with contextlib.suppress(InvalidOperation):
                value = Decimal(str(value))
        elif key == "until" and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        detail.append((key, value))
    return RateStep(step=data["step"], rule=data["rule"], source=data["source"], version=data["version"],
                    input=None if data.get("input") is None else Decimal(data["input"]),
                    output=Decimal(data["output"]), detail=tuple(detail))


def explanation_rows(data: dict, *, currency: str, category_names: dict[str, str] | None = None) -> list[dict]:
    """A stored explanation (`RateResult.as_dict()`) as the rows the contracts' explanation table shows, in the
    active language."""
    return steps_explained([_step(step) for step in data.get("steps", [])], currency=currency,
                           category_names=category_names)


@dataclass
class Explained:
    key: str  # "E1", "E2": how the lines of the page refer to it
    rate: Decimal
    rows: list[dict]


def explanations_of(lines: list[StatementLine], *, currency: str, language: str) -> dict[int, Explained]:
    """The distinct explanations of `lines` (by explanation id), numbered in the order they first appear, with
    the category names of the active language (one query for the names)."""
    distinct: dict[int, Any] = {}
    for line in lines:
        if line.explanation_id and line.explanation_id not in distinct:
            distinct[line.explanation_id] = line.explanation
    codes = {step.get("detail", {}).get("category") for e in distinct.values() for step in e.data.get("steps", [])}
    codes.discard(None)
    names = {c.code: (c.name_zh if language.startswith("zh") else c.name_en)
             for c in Category.objects.filter(code__in=codes)} if codes else {}
    return {pk: Explained(key=f"E{index}", rate=explanation.rate,
                          rows=explanation_rows(explanation.data, currency=currency, category_names=names))
            for index, (pk, explanation) in enumerate(distinct.items(), start=1)}


# ---- for the workspace's to-dos


@dataclass
class StatementTodos:
    to_answer: list[Statement]
    awaiting_evidence: list[Dispute]
    decided_recently: list[Dispute]


def statement_todos(*, merchant: Merchant, since: dt.datetime) -> StatementTodos:
    """Statements waiting for the merchant's answer, disputes waiting for its evidence, and disputes decided since
    `since` (three queries)."""
    to_answer = list(Statement.objects.filter(merchant=merchant, status=S.ISSUED).order_by("respond_by", "id"))
    waiting = list(Dispute.objects.filter(merchant=merchant, status=Dispute.Status.AWAITING_EVIDENCE)
                   .order_by("evidence_requested_at", "id"))
    decided = list(Dispute.objects.filter(merchant=merchant, status=Dispute.Status.DECIDED, decided_at__gte=since)
                   .order_by("-decided_at", "-id"))
    return StatementTodos(to_answer=to_answer, awaiting_evidence=waiting, decided_recently=decided)
