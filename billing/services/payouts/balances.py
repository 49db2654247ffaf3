"""What a merchant owes at the end of its contract becomes an invoice (BUSINESS_RULES §9: a negative balance is
carried forward; §5.1: what the deposit cannot cover is invoiced).

A statement whose balance is negative carries it forward to the merchant's next statement. When there is no next
statement (the contract has ended: expired, terminated, cancelled, or its last day falls in the statement's period)
the amount is invoiced (fee type "settlement balance owed"), once per statement: the invoice's source key is
`statement:<id>:balance`, so approving again, or the contract's end arriving later, bills it once. A settlement of
a later period must not carry in a balance that has been invoiced (`statement_balance_invoiced`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import F, Q
from django.utils.translation import gettext as _

from ...models import FeeType, Invoice, SettlementRun, Statement, StatementStatus

ENDED = ("expired", "terminated", "cancelled")
SETTLED = (StatementStatus.APPROVED, StatementStatus.PAID)


def balance_source_key(statement_id: int) -> str:
    return f"statement:{statement_id}:balance"


def statement_balance_invoiced(*, statement_ids: list[int]) -> dict[int, str]:
    """statement id → number of the invoice that billed its negative balance (for those that have one)."""
    keys = {balance_source_key(pk): pk for pk in statement_ids}
    return {keys[key]: number for key, number in
            Invoice.objects.filter(source_key__in=list(keys)).values_list("source_key", "number")}


def settlement_balance_invoice(*, statement: Statement, actor: Any | None = None) -> Invoice | None:
    """Invoice the negative balance of an approved statement (None when it has none). Idempotent."""
    from ..invoices import InvoiceLineSpec, invoice_issue_for

    if statement.carried_forward >= 0 or statement.status not in SETTLED:
        return None
    owed = -statement.carried_forward
    description = _("Balance owed on settlement statement %(number)s (%(start)s – %(end)s)") % {
        "number": statement.number, "start": statement.period_start.isoformat(),
        "end": statement.period_end.isoformat()}
    return invoice_issue_for(
        merchant=statement.merchant, currency=statement.currency, source_key=balance_source_key(statement.pk),
        contract=statement.contract, actor=actor,
        lines=[InvoiceLineSpec(fee_type=FeeType.SETTLEMENT_BALANCE, description=description,
                               unit_price=Decimal(owed))])


def settlement_balances_invoice_for_run(*, run: SettlementRun, actor: Any | None = None) -> list[Invoice]:
    """Invoice the negative balances of `run`'s statements whose contract has ended (or ends within the period)."""
    statements = (Statement.objects.filter(run=run, status__in=SETTLED, carried_forward__lt=0,
                                           contract__isnull=False)
                  .filter(Q(contract__status__in=ENDED) | Q(contract__ends_on__lte=F("period_end")))
                  .select_related("merchant", "contract").order_by("id"))
    invoices = []
    for statement in statements:
        invoice = settlement_balance_invoice(statement=statement, actor=actor)
        if invoice is not None:
            invoices.append(invoice)
    return invoices


def settlement_balances_invoice_for_contract(*, contract: Any, actor: Any | None = None) -> Invoice | None:
    """The contract has ended (contracts' `contract_terminated`): its merchant's latest settled statement under it,
    when negative and not followed by a later statement, is invoiced."""
    latest = (Statement.objects.filter(merchant_id=contract.merchant_id).select_related("merchant", "contract")
              .order_by("-period_end", "-id").first())
    if latest is None or latest.contract_id != contract.pk:
        return None
    return settlement_balance_invoice(statement=latest, actor=actor)
