"""Reads for bank transfers: the merchant's own payment by its reference, the receipts recorded for the same
deposit or invoice, and finance's list of transfers awaiting confirmation (a fixed number of queries)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from portal.models import Merchant

from ..models import BankStatementImport, BankStatementLine, Payment, PaymentStatus

BANK = "bank_transfer"
P = Payment.Purpose


def bank_payment_for_merchant(*, merchant: Merchant, reference: str) -> Payment | None:
    """The merchant's bank-transfer payment with this reference; None for another merchant's or a card payment
    (the page answers 404 either way)."""
    return (Payment.objects.select_related("account", "invoice", "top_up")
            .filter(merchant=merchant, provider=BANK, reference=(reference or "").strip().upper()).first())


def bank_receipts_related(*, payment: Payment) -> list[Payment]:
    """Other bank transfers recorded for the same deposit or invoice (partial payments), newest first."""
    rows = Payment.objects.filter(merchant_id=payment.merchant_id, provider=BANK,
                                  status__in=[PaymentStatus.PENDING, PaymentStatus.SUCCEEDED]).exclude(pk=payment.pk)
    if payment.purpose == P.INVOICE:
        rows = rows.filter(invoice_id=payment.invoice_id)
    else:
        rows = rows.filter(account_id=payment.account_id, purpose__in=[P.DEPOSIT, P.TOP_UP])
    return list(rows.order_by("-received_on", "-id"))


def bank_transfers_pending() -> QuerySet[Payment]:
    """Recorded transfers awaiting a second person's confirmation, oldest first (one query with the merchant,
    the invoice and the recording user)."""
    return (Payment.objects.filter(provider=BANK, status=PaymentStatus.PENDING)
            .select_related("merchant", "invoice", "recorded_by").order_by("received_on", "id"))


def bank_transfer_for_staff(*, pk: Any) -> Payment | None:
    return (Payment.objects.select_related("merchant", "invoice", "account", "recorded_by", "confirmed_by",
                                           "created_by")
            .filter(provider=BANK, pk=pk).first())


def payment_by_reference(*, reference: str) -> Payment | None:
    return Payment.objects.select_related("merchant").filter(reference=(reference or "").strip().upper()).first()


def statement_imports() -> QuerySet[BankStatementImport]:
    return BankStatementImport.objects.select_related("uploaded_by").order_by("-uploaded_at", "-id")


def statement_lines(*, statement: BankStatementImport) -> QuerySet[BankStatementLine]:
    return statement.lines.select_related("payment", "payment__merchant").order_by("row_number")
