"""Reads of the API across packages (statements are billing's; DESIGN.md lets portal's interfaces read them)."""

from __future__ import annotations

from billing.models import Statement, StatementLine
from portal.models import Merchant

_STATEMENT_FIELDS = ("id", "number", "merchant_id", "period_start", "period_end", "currency", "status",
                     "order_count", "gmv", "refunds", "commission", "subsidies", "fees", "deductions", "frozen",
                     "released", "carried_in", "net_payable", "carried_forward", "payout_due_on", "respond_by",
                     "issued_at")
_LINE_FIELDS = ("kind", "order_line__external_id", "order_version", "category__code", "day", "gmv", "refund",
                "commission_rate", "commission", "amount", "description")


def api_merchants(*, merchant_id: int | None) -> list[dict]:
    rows = Merchant.objects.order_by("pk")
    if merchant_id is not None:
        rows = rows.filter(pk=merchant_id)
    return list(rows.values("id", "name", "status", "grade"))


def _statements(merchant_id: int | None):
    rows = Statement.objects.exclude(status=Statement.Status.DRAFT)
    return rows if merchant_id is None else rows.filter(merchant_id=merchant_id)


def api_statements(*, merchant_id: int) -> list[dict]:
    """The merchant's issued statements, newest period first (one query)."""
    return list(_statements(merchant_id).order_by("-period_start", "-pk").values(*_STATEMENT_FIELDS))


def api_statement(*, statement_id: int, merchant_id: int | None) -> dict | None:
    """An issued statement with its lines (two queries), if it is `merchant_id`'s (any merchant's for None)."""
    statement = _statements(merchant_id).filter(pk=statement_id).values(*_STATEMENT_FIELDS).first()
    if statement is None:
        return None
    statement["lines"] = list(StatementLine.objects.filter(statement_id=statement_id)
                              .order_by("pk").values(*_LINE_FIELDS))
    return statement
