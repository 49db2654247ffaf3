"""Reads of invoices, for the merchant's pages and finance's admin. Merchant reads are scoped to the merchant:
another merchant's invoice is None (the view answers 404). Lists annotate what is credited and paid with
subqueries, so a page of invoices is a constant number of queries."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from portal.models import Merchant

from .models import Invoice, Payment, PaymentStatus

_SUM = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0")


def _sum_of(queryset, field: str):
    return Coalesce(Subquery(queryset.values(f"{field}__sum")[:1], output_field=_SUM), Value(ZERO),
                    output_field=_SUM)


def invoices_annotated(queryset: QuerySet[Invoice] | None = None) -> QuerySet[Invoice]:
    """Invoices with `credited` (issued credit notes) and `paid` (succeeded payments)."""
    queryset = queryset if queryset is not None else Invoice.objects.all()
    credits = (Invoice.objects.filter(corrects=OuterRef("pk"), kind=Invoice.Kind.CREDIT_NOTE)
               .exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID])
               .order_by().values("corrects").annotate(Sum("total")))
    paid = (Payment.objects.filter(invoice=OuterRef("pk"), status=PaymentStatus.SUCCEEDED)
            .order_by().values("invoice").annotate(Sum("amount")))
    return queryset.annotate(credited=_sum_of(credits, "total"), paid=_sum_of(paid, "amount"))


def invoice_due(invoice: Invoice) -> Decimal:
    """What is still to pay on an annotated invoice (0 unless issued and unpaid)."""
    if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.ISSUED:
        return ZERO
    return max(invoice.total - invoice.credited - invoice.paid, ZERO)


def merchant_invoices(*, merchant: Merchant) -> list[Invoice]:
    """The merchant's issued invoices and credit notes, newest first, each with `.due`."""
    rows = list(invoices_annotated(Invoice.objects.filter(merchant=merchant)
                                   .exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID])
                                   .select_related("corrects").prefetch_related("lines")
                                   .order_by("-issued_at", "-id")))
    for row in rows:
        row.due = invoice_due(row)
    return rows


def invoice_get_for_merchant(*, merchant: Merchant, pk) -> Invoice | None:
    invoice = (invoices_annotated(Invoice.objects.filter(merchant=merchant, pk=pk)
                                  .exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID]))
               .select_related("corrects", "contract").first())
    if invoice is not None:
        invoice.due = invoice_due(invoice)
    return invoice


def invoice_get_for_staff(*, pk) -> Invoice | None:
    invoice = (invoices_annotated(Invoice.objects.filter(pk=pk))
               .select_related("merchant", "corrects", "contract", "issued_by", "fapiao_recorded_by").first())
    if invoice is not None:
        invoice.due = invoice_due(invoice)
    return invoice


def invoice_payments(invoice: Invoice) -> list[Payment]:
    return list(Payment.objects.filter(invoice=invoice).order_by("-created_at", "-id"))


def invoice_credit_notes(invoice: Invoice) -> list[Invoice]:
    return list(Invoice.objects.filter(corrects=invoice, kind=Invoice.Kind.CREDIT_NOTE)
                .exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID]).order_by("issued_at", "id"))
