"""The reconciliation report of a settlement run (BUSINESS_RULES §9 step 6): the figures that must tie out, and every
difference listed as an exception.

    Σ of each statement's lines   = the statement's totals (GMV, refunds, commission, subsidies, fees, deductions,
                                    frozen, released, carried in; net payable and carried forward from the balance)
    statements' net payable       = their payouts (once the run is approved: one payout per statement with
                                    something to pay, of the same amount)
    payouts                       = the payout file (each payout sent is a line of its last file, of the same
                                    amount; a file's count and total are the sums of its lines)
    payouts paid                  = have a bank reference

Set-based: one grouped query over the run's lines, one over its statements, one over its payouts with their last
file line, one over its files; nothing per row. Read only: a difference is shown, never corrected here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ..models import Payout, PayoutFile, PayoutFileLine, PayoutStatus, SettlementRun, Statement, StatementLine
from ..models import StatementStatus as S

K = StatementLine.Kind
ZERO = Decimal("0")
_SUM = DecimalField(max_digits=18, decimal_places=2)
SETTLED = (S.APPROVED, S.PAID)
FIGURES = ("lines", "statements", "payouts", "file", "paid")


def _sum(expression, condition: Q | None = None):
    return Coalesce(Sum(expression, filter=condition), Value(ZERO), output_field=_SUM)


@dataclass(frozen=True)
class ReconciliationException:
    """One difference: what (`check`), where (a statement, a payout or a file), what was expected and found."""

    check: str
    label: str
    reference: str
    merchant: str
    expected: Decimal | int | str
    actual: Decimal | int | str
    currency: str

    @property
    def is_count(self) -> bool:
        return isinstance(self.expected, int) and isinstance(self.actual, int)

    @property
    def difference(self) -> Decimal | None:
        if isinstance(self.expected, Decimal | int) and isinstance(self.actual, Decimal | int):
            return Decimal(self.actual) - Decimal(self.expected)
        return None


@dataclass
class Reconciliation:
    run: SettlementRun
    # currency → figure → amount: lines, statements, payouts, file, paid
    figures: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    exceptions: list[ReconciliationException] = field(default_factory=list)

    @property
    def ties_out(self) -> bool:
        return not self.exceptions


# statement field → (label, the lines' sum that must equal it)
STATEMENT_FIGURES: dict[str, tuple[Any, Any]] = {
    "gmv": (lambda: _("GMV"), lambda: _sum("gmv", Q(kind__in=[K.ORDER, K.ORDER_CHANGE]))),
    "refunds": (lambda: _("Refunds"), lambda: _sum("refund", Q(kind__in=[K.ORDER, K.ORDER_CHANGE]))),
    "commission": (lambda: _("Commission"), lambda: _sum("commission", Q(kind__in=[K.ORDER, K.ORDER_CHANGE]))),
    "subsidies": (lambda: _("Subsidies"), lambda: _sum("amount", Q(kind=K.SUBSIDY))),
    "fees": (lambda: _("Fees"), lambda: -_sum("amount", Q(kind=K.FEE))),
    "deductions": (lambda: _("Deductions"), lambda: -_sum("amount", Q(kind=K.DEDUCTION))),
    "frozen": (lambda: _("Frozen (disputed)"), lambda: _sum("amount", Q(kind=K.FROZEN))),
    "released": (lambda: _("Released"), lambda: _sum("amount", Q(kind=K.RELEASED))),
    "carried_in": (lambda: _("Carried in"), lambda: _sum("amount", Q(kind=K.CARRIED_IN))),
}


def _line_sums(run: SettlementRun) -> dict[int, dict[str, Any]]:
    """statement id → the sums of its lines (one grouped query)."""
    rows = (StatementLine.objects.filter(statement__run=run).order_by().values("statement_id")
            .annotate(orders=Count("pk", filter=Q(kind=K.ORDER)),
                      balance=_sum("amount", ~Q(kind=K.FROZEN)),
                      **{f"s_{name}": build() for name, (_label, build) in STATEMENT_FIGURES.items()}))
    return {row["statement_id"]: row for row in rows}


def settlement_run_reconcile(*, run: SettlementRun) -> Reconciliation:
    """The report of `run` (any status: before approval only the statements are checked)."""
    report = Reconciliation(run=run)
    sums = _line_sums(run)
    fields = ["pk", "number", "merchant__name", "currency", "status", "order_count", "net_payable",
              "carried_forward", *STATEMENT_FIGURES]
    statements = list(Statement.objects.filter(run=run).order_by("id").values(*fields))
    report.counts["statements"] = len(statements)

    def add(check: str, label: str, reference: str, merchant: str, expected, actual, currency: str) -> None:
        report.exceptions.append(ReconciliationException(check=check, label=label, reference=reference,
                                                         merchant=merchant, expected=expected, actual=actual,
                                                         currency=currency))

    def figure(currency: str, name: str, amount: Decimal) -> None:
        figures = report.figures.setdefault(currency, dict.fromkeys(FIGURES, ZERO))
        figures[name] += amount

    settled_net: dict[int, tuple[Decimal, dict]] = {}
    for st in statements:
        line = sums.get(st["pk"], {})
        currency, number, merchant = st["currency"], st["number"], st["merchant__name"]
        balance = line.get("balance", ZERO)
        figure(currency, "lines", max(balance, ZERO))
        figure(currency, "statements", st["net_payable"])
        if line.get("orders", 0) != st["order_count"]:
            add("statement_lines", _("Orders"), number, merchant, st["order_count"], line.get("orders", 0), currency)
        for name, (label, _build) in STATEMENT_FIGURES.items():
            if line.get(f"s_{name}", ZERO) != st[name]:
                add("statement_lines", label(), number, merchant, st[name], line.get(f"s_{name}", ZERO), currency)
        if max(balance, ZERO) != st["net_payable"]:
            add("statement_lines", _("Net payable"), number, merchant, max(balance, ZERO), st["net_payable"],
                currency)
        if min(balance, ZERO) != st["carried_forward"]:
            add("statement_lines", _("Carried forward"), number, merchant, min(balance, ZERO),
                st["carried_forward"], currency)
        if st["status"] in SETTLED:
            settled_net[st["pk"]] = (st["net_payable"], st)

    last_line = PayoutFileLine.objects.filter(file=OuterRef("last_file"), payout=OuterRef("pk"))
    payouts = list(Payout.objects.filter(run=run).order_by("id").annotate(
        file_amount=Subquery(last_line.values("amount")[:1]),
        file_line=Subquery(last_line.values("pk")[:1])).values(
        "pk", "reference", "statement_id", "merchant__name", "amount", "currency", "status", "bank_reference",
        "file_amount", "file_line", "last_file__reference"))
    report.counts["payouts"] = len(payouts)
    by_statement = {p["statement_id"]: p for p in payouts}
    if run.status in (SettlementRun.Status.APPROVED, SettlementRun.Status.CLOSED):
        for statement_id, (net, st) in settled_net.items():
            payout = by_statement.get(statement_id)
            if net > 0 and payout is None:
                add("payouts", _("Payout missing"), st["number"], st["merchant__name"], net, ZERO, st["currency"])
            elif payout is not None and payout["amount"] != net:
                add("payouts", _("Payout amount"), st["number"], st["merchant__name"], net, payout["amount"],
                    st["currency"])
    for p in payouts:
        currency = p["currency"]
        figure(currency, "payouts", p["amount"])
        if p["statement_id"] not in settled_net:
            add("payouts", _("Payout of a statement not approved"), p["reference"], p["merchant__name"], ZERO,
                p["amount"], currency)
        if p["status"] in (PayoutStatus.IN_FILE, PayoutStatus.PAID):
            if p["file_line"] is None:
                add("payout_file", _("Payout not in its payout file"), p["reference"], p["merchant__name"],
                    p["amount"], ZERO, currency)
            else:
                figure(currency, "file", p["file_amount"])
                if p["file_amount"] != p["amount"]:
                    add("payout_file", _("Amount in the payout file"), p["reference"], p["merchant__name"],
                        p["amount"], p["file_amount"], currency)
        if p["status"] == PayoutStatus.PAID:
            figure(currency, "paid", p["amount"])
            if not p["bank_reference"]:
                add("paid", _("Paid without a bank reference"), p["reference"], p["merchant__name"], "", "—",
                    currency)

    files = list(PayoutFile.objects.filter(run=run).order_by("number").annotate(
        lines_total=_sum("lines__amount"), lines_count=Count("lines")).values(
        "reference", "currency", "total", "payout_count", "lines_total", "lines_count"))
    report.counts["files"] = len(files)
    for f in files:
        if f["lines_total"] != f["total"]:
            add("payout_file", _("Payout file total"), f["reference"], "", f["total"], f["lines_total"],
                f["currency"])
        if f["lines_count"] != f["payout_count"]:
            add("payout_file", _("Payouts in the file"), f["reference"], "", f["payout_count"], f["lines_count"],
                f["currency"])
    return report

