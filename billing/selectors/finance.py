"""Reads for the finance lists of the admin. Every list is one query per page (what a row shows is selected or
annotated, never read per row), plus the count and the totals of the filtered rows.

A deposit's balance and frozen sum are sums of its ledger (never a number code stores). On PostgreSQL they are read
from `LedgerSum`, the per-account sums the database keeps from the append-only ledger in the same transaction as
each entry (a trigger, migration 0005): a page, a filter on the frozen sum, an ordering by balance and the totals of
a whole filter read one row per account instead of summing 1,000,000 entries. On SQLite (no trigger) they are
correlated subqueries on the ledger's (account, id) index.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, models
from django.db.models.functions import Coalesce, Greatest

from ..models import (
    Deduction,
    DepositAccount,
    Invoice,
    LedgerEntry,
    LedgerSum,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)

ZERO = Decimal("0")
_SUM = models.DecimalField(max_digits=16, decimal_places=2)


def _kept_sums() -> bool:
    return connection.vendor == "postgresql"


def _ledger_sum(field: str, kept: str) -> Coalesce:
    """Σ `field` of the account's ledger: the database's kept sum `kept` on PostgreSQL, else summed. Either way a
    subquery, which PostgreSQL evaluates for the page's rows only (after the ordering and the limit) unless a
    filter or the ordering needs it."""
    if _kept_sums():
        sums = LedgerSum.objects.filter(account_id=models.OuterRef("pk")).values(kept)
    else:
        sums = (LedgerEntry.objects.filter(account_id=models.OuterRef("pk")).order_by().values("account_id")
                .annotate(total=models.Sum(field)).values("total"))
    return Coalesce(models.Subquery(sums, output_field=_SUM), models.Value(ZERO), output_field=_SUM)


def deposit_ledger_totals() -> dict[str, models.Aggregate]:
    """`balance` and `frozen` aggregates over a filtered `deposit_accounts_annotated()`: on PostgreSQL one join to
    the kept sums (cheaper than a lookup per account for a whole filter), else the rows' sums."""
    if _kept_sums():
        return {"balance": models.Sum("ledger_sum__balance"), "frozen": models.Sum("ledger_sum__frozen")}
    return {"balance": models.Sum("balance"), "frozen": models.Sum("frozen")}


def deposit_accounts_annotated() -> models.QuerySet[DepositAccount]:
    """Every deposit account with its merchant and contract, and `balance`, `frozen`, `available` and
    `outstanding` (what the merchant still has to pay to hold the requirement) from the ledger."""
    return (DepositAccount.objects.select_related("merchant", "contract")
            .annotate(balance=_ledger_sum("amount", "balance"), frozen=_ledger_sum("frozen_delta", "frozen"))
            .annotate(available=models.ExpressionWrapper(models.F("balance") - models.F("frozen"), output_field=_SUM),
                      outstanding=Greatest(models.ExpressionWrapper(models.F("required_amount") - models.F("balance"),
                                                                    output_field=_SUM),
                                           models.Value(ZERO), output_field=_SUM)))


def payments_for_finance() -> models.QuerySet[Payment]:
    return Payment.objects.select_related("merchant", "invoice", "recorded_by", "confirmed_by")


def bank_transfers_pending() -> models.QuerySet[Payment]:
    """Bank transfers not yet confirmed: awaiting receipt (created) or recorded and awaiting confirmation
    (pending)."""
    return payments_for_finance().filter(provider="bank_transfer",
                                         status__in=[PaymentStatus.CREATED, PaymentStatus.PENDING])


def deductions_awaiting_approval() -> models.QuerySet[Deduction]:
    return (Deduction.objects.filter(status=Deduction.Status.PROPOSED)
            .select_related("account__merchant", "created_by", "first_approved_by"))


def refunds_due(*, today: dt.date) -> models.QuerySet[Refund]:
    """Refunds not yet paid back (due, sent, failed), with `overdue` (past their due date)."""
    return (Refund.objects.filter(status__in=[RefundStatus.CREATED, RefundStatus.PENDING, RefundStatus.FAILED])
            .select_related("merchant", "contract", "payment")
            .annotate(overdue=models.Case(models.When(due_on__lt=today, then=models.Value(True)),
                                          default=models.Value(False), output_field=models.BooleanField())))


def invoices_for_finance() -> models.QuerySet[Invoice]:
    paid = (Payment.objects.filter(invoice_id=models.OuterRef("pk"), status=PaymentStatus.SUCCEEDED).order_by()
            .values("invoice_id").annotate(total=models.Sum("amount")).values("total"))
    return (Invoice.objects.select_related("merchant", "corrects")
            .annotate(paid_amount=Coalesce(models.Subquery(paid, output_field=_SUM), models.Value(ZERO),
                                           output_field=_SUM)))
