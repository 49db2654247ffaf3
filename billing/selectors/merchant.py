"""Reads for the merchant's billing pages and workspace. Every selector takes the merchant the request works in
and reads only its rows: another merchant's payment, invoice or ledger is simply not found (the views answer
404). Each costs a fixed number of queries whatever the merchant's history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models.functions import Coalesce

from portal.models import Merchant
from portal.money import round_money

from ..models import DepositAccount, Invoice, Payment, PaymentStatus, Refund, RefundStatus, TopUpRequest
from ..services.ledger import Balance, balance_of

ZERO = Decimal("0")
_SUM = models.DecimalField(max_digits=16, decimal_places=2)
OPEN_PAYMENT_STATUSES = [PaymentStatus.CREATED, PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION,
                         PaymentStatus.FAILED]


@dataclass
class BillingOverview:
    """What the merchant owes and is owed, as of now."""

    account: DepositAccount | None
    balance: Balance | None
    outstanding: Decimal  # of the deposit (deposit or top-up) less transfers recorded and awaiting confirmation
    top_ups: list[TopUpRequest] = field(default_factory=list)  # open or overdue
    invoices_unpaid: list[Invoice] = field(default_factory=list)  # each with `paid_amount` and `due_amount`
    refunds: list[Refund] = field(default_factory=list)  # not yet paid back
    transfers_recorded: list[Payment] = field(default_factory=list)  # bank transfers awaiting confirmation
    open_payments: list[Payment] = field(default_factory=list)  # attempts not finished (to resume)

    @property
    def currency(self) -> str:
        return self.account.currency if self.account else ""

    @property
    def deposit_due(self) -> bool:
        return self.outstanding > 0

    @property
    def paying_top_up(self) -> bool:
        return self.account is not None and self.account.status == DepositAccount.Status.SHORTFALL

    @property
    def nothing_due(self) -> bool:
        return not (self.deposit_due or self.invoices_unpaid)


def _paid_subquery() -> Coalesce:
    paid = (Payment.objects.filter(invoice_id=models.OuterRef("pk"), status=PaymentStatus.SUCCEEDED).order_by()
            .values("invoice_id").annotate(total=models.Sum("amount")).values("total"))
    return Coalesce(models.Subquery(paid, output_field=_SUM), models.Value(ZERO), output_field=_SUM)


def invoices_unpaid_for_merchant(*, merchant: Merchant) -> list[Invoice]:
    """Issued, unpaid invoices (credit notes left out), oldest due first, each with `paid_amount` and
    `due_amount`. One query."""
    invoices = list(Invoice.objects.filter(merchant=merchant, kind=Invoice.Kind.INVOICE, status=Invoice.Status.ISSUED)
                    .annotate(paid_amount=_paid_subquery()).order_by(models.F("due_on").asc(nulls_last=True), "id"))
    for invoice in invoices:
        invoice.due_amount = max(round_money(invoice.total - invoice.paid_amount, invoice.currency), ZERO)
    return [invoice for invoice in invoices if invoice.due_amount > 0]


def _transfer_recorded(payment: Payment) -> bool:
    return payment.provider == "bank_transfer" and payment.status == PaymentStatus.PENDING


def billing_overview(*, merchant: Merchant) -> BillingOverview:
    """Six queries whatever the history (account, balance, top-ups, invoices, refunds, open payments)."""
    account = DepositAccount.objects.filter(merchant=merchant).select_related("contract").first()
    balance = balance_of(account) if account is not None else None
    outstanding = ZERO
    if account is not None and account.status not in (DepositAccount.Status.REFUND_DUE, DepositAccount.Status.CLOSED):
        outstanding = max(round_money(account.required_amount - balance.balance, account.currency), ZERO)
    top_ups = list(TopUpRequest.objects.filter(account__merchant=merchant, status__in=[
        TopUpRequest.Status.OPEN, TopUpRequest.Status.OVERDUE]).select_related("deduction").order_by("due_on", "id")) \
        if account is not None else []
    refunds = list(Refund.objects.filter(merchant=merchant, status__in=[
        RefundStatus.CREATED, RefundStatus.PENDING, RefundStatus.FAILED]).order_by("due_on", "id"))
    payments = list(Payment.objects.filter(merchant=merchant, status__in=OPEN_PAYMENT_STATUSES)
                    .select_related("invoice").order_by("-created_at", "-id"))
    recorded = [p for p in payments if _transfer_recorded(p)]
    # a transfer finance has recorded but not yet confirmed is on its way: asking for it again would have the
    # merchant pay twice
    on_its_way = sum((p.amount for p in recorded if p.purpose in (Payment.Purpose.DEPOSIT, Payment.Purpose.TOP_UP)),
                     ZERO)
    outstanding = max(outstanding - on_its_way, ZERO)
    return BillingOverview(
        account=account, balance=balance, outstanding=outstanding, top_ups=top_ups,
        invoices_unpaid=invoices_unpaid_for_merchant(merchant=merchant), refunds=refunds,
        transfers_recorded=recorded,
        open_payments=[p for p in payments if not _transfer_recorded(p)],
    )


def deposit_account_for_merchant(*, merchant: Merchant) -> DepositAccount | None:
    return DepositAccount.objects.filter(merchant=merchant).select_related("contract").first()


def payments_for_merchant(*, merchant: Merchant) -> models.QuerySet[Payment]:
    """The merchant's payment attempts, newest first, with their invoice."""
    return Payment.objects.filter(merchant=merchant).select_related("invoice").order_by("-created_at", "-id")


def payment_for_merchant(*, merchant: Merchant, reference: str) -> Payment | None:
    """The merchant's payment with this reference, or None (another merchant's too)."""
    return (Payment.objects.filter(merchant=merchant, reference=reference.strip().upper())
            .select_related("invoice", "account", "top_up", "merchant", "ledger_entry").first())
