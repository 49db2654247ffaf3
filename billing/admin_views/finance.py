"""The finance lists [财务] of the admin (menu "Finance"): deposits, payments, pending bank transfers, deductions
awaiting approval, refunds due, invoices. Each has its filters, the totals of the filtered rows, CSV/XLSX downloads
and a fixed number of queries per page (see `lists.FinanceListView`); rows link to the deposit's page and to the
pages where the other finance areas act (record and confirm a transfer, approve a deduction, send a refund, the
invoice)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.ui.tables import Column, StatusTagColumn, TitleColumn

from portal.money import format_money, round_money

from ..models import Deduction, DepositAccount, Invoice, Payment, PaymentStatus, Refund, RefundStatus
from ..selectors import finance as selectors
from . import finance_filters as filters
from .lists import FinanceListView, Total, url, url_or_none

A = DepositAccount.Status


def _money(field: str):
    def accessor(row):
        value = getattr(row, field)
        return format_money(value, row.currency) if value is not None else "—"
    return accessor


def _day(value) -> str:
    if not value:
        return "—"
    if hasattr(value, "hour"):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    return date_format(value, "SHORT_DATE_FORMAT")


def _user(user) -> str:
    return (user.get_full_name() or user.email) if user else "—"


def deposit_url(account_id) -> str | None:
    return url("deposit", account_id) if account_id else None


class MoneyColumn(Column):
    """An amount, right-aligned, with its currency."""

    def __init__(self, name, *, field=None, **kwargs):
        kwargs.setdefault("classname", "billing-number")
        super().__init__(name, accessor=_money(field or name), **kwargs)


# what most lists sum and show: the row's amount
AMOUNT_TOTAL = Total(_("Amount"), models.Sum("amount"))


def amount_column() -> MoneyColumn:
    return MoneyColumn("amount", label=_("Amount"), sort_key="amount")


def merchant_column() -> Column:
    return Column("merchant", label=_("Merchant"), accessor=lambda row: row.merchant.name, sort_key="merchant__name")


def day_column(name: str, label) -> Column:
    """A date or a moment of the row (local time), sortable, "—" when there is none."""
    return Column(name, label=label, accessor=lambda row: _day(getattr(row, name)), sort_key=name)


class DepositListView(FinanceListView):
    """Every deposit account with what it should hold, what it holds (a sum of its ledger), what is frozen and what
    the merchant still has to pay."""

    model = DepositAccount
    url_name = "deposits"
    page_title = _("Deposits")
    header_icon = "lock"
    filterset_class = filters.DepositFilterSet
    export_filename = "deposits"
    # what finance works on first (awaiting, then held, refund due, top-up requested …), then by name; the sums
    # behind the balance columns, their orderings and the totals are the database's per-account ledger sums
    # (`selectors.finance`), so no page sums the whole ledger
    list_ordering = ("status", "merchant__name", "pk")
    export_columns = {
        "merchant": (_("Merchant"), lambda a, now: a.merchant.name),
        "contract": (_("Contract"), lambda a, now: a.contract.number if a.contract else ""),
        "status": (_("Status"), lambda a, now: str(a.get_status_display())),
        "currency": (_("Currency"), lambda a, now: a.currency),
        "required": (pgettext_lazy("deposit", "Required"), lambda a, now: a.required_amount),
        "balance": (_("Balance"), lambda a, now: round_money(a.balance, a.currency)),
        "frozen": (_("Frozen"), lambda a, now: round_money(a.frozen, a.currency)),
        "available": (_("Available"), lambda a, now: round_money(a.available, a.currency)),
        "outstanding": (_("Outstanding"), lambda a, now: round_money(a.outstanding, a.currency)),
        "updated_at": (_("Last change"), lambda a, now: a.updated_at),
    }

    def get_base_queryset(self):
        return selectors.deposit_accounts_annotated()

    @cached_property
    def totals(self):
        """The totals line: the requirements, and the balances and frozen sums from the kept ledger sums."""
        ledger = selectors.deposit_ledger_totals()
        return {"required_amount": Total(pgettext_lazy("deposit", "Required"), models.Sum("required_amount")),
                "balance": Total(_("Balance"), ledger["balance"]),
                "frozen": Total(_("Frozen"), ledger["frozen"])}

    @cached_property
    def columns(self):
        return [
            TitleColumn("merchant", label=_("Merchant"), accessor=lambda a: a.merchant.name,
                        sort_key="merchant__name", get_url=lambda a: url("deposit", a.pk),
                        get_title_id=lambda a: f"deposit_{a.pk}_title"),
            Column("contract", label=_("Contract"), accessor=lambda a: a.contract.number if a.contract else "—"),
            StatusTagColumn("status", label=_("Status"), accessor="get_status_display", sort_key="status",
                            primary=lambda a: a.status == A.HELD),
            MoneyColumn("required_amount", label=pgettext_lazy("deposit", "Required"), sort_key="required_amount"),
            MoneyColumn("balance", label=_("Balance"), sort_key="balance"),
            MoneyColumn("frozen", label=_("Frozen"), sort_key="frozen"),
            MoneyColumn("outstanding", label=_("Outstanding"), sort_key="outstanding"),
        ]


PAYMENT_EXPORT_COLUMNS = {
    "reference": (_("Reference"), lambda p, now: p.reference),
    "merchant": (_("Merchant"), lambda p, now: p.merchant.name),
    "purpose": (_("For"), lambda p, now: str(p.get_purpose_display())),
    "invoice": (_("Invoice"), lambda p, now: (p.invoice.number or "") if p.invoice else ""),
    "provider": (_("Method"), lambda p, now: str(p.get_provider_display())),
    "status": (_("Status"), lambda p, now: str(p.get_status_display())),
    "currency": (_("Currency"), lambda p, now: p.currency),
    "amount": (_("Amount"), lambda p, now: p.amount),
    "created_at": (_("Started"), lambda p, now: p.created_at),
    "succeeded_at": (_("Paid"), lambda p, now: p.succeeded_at),
    "received_on": (_("Received on"), lambda p, now: p.received_on),
    "bank_reference": (_("Bank transaction reference"), lambda p, now: p.bank_reference),
    "payer": (_("Payer"), lambda p, now: p.payer_name),
    "recorded_by": (_("Recorded by"), lambda p, now: _user(p.recorded_by) if p.recorded_by else ""),
    "confirmed_by": (_("Confirmed by"), lambda p, now: _user(p.confirmed_by) if p.confirmed_by else ""),
    "failure": (_("Failure"), lambda p, now: p.failure_message),
}


def _purpose(payment: Payment) -> str:
    if payment.invoice is not None and payment.invoice.number:
        return f"{payment.get_purpose_display()} {payment.invoice.number}"
    return str(payment.get_purpose_display())


def payment_url(payment: Payment) -> str | None:
    """Where finance works on a payment: the bank transfer's confirmation page, else the deposit or the invoice."""
    if payment.provider == "bank_transfer" and payment.status in (PaymentStatus.CREATED, PaymentStatus.PENDING):
        target = url_or_none("billing_bank:detail", payment.pk)
        if target:
            return target
    if payment.account_id:
        return deposit_url(payment.account_id)
    if payment.invoice_id:
        return url_or_none("billing_invoices:detail", payment.invoice_id)
    return None


def payment_reference_column() -> TitleColumn:
    return TitleColumn("reference", label=_("Reference"), sort_key="reference", get_url=payment_url,
                       get_title_id=lambda p: f"payment_{p.pk}_title")


class PaymentListView(FinanceListView):
    """Every payment attempt, card or bank transfer."""

    model = Payment
    url_name = "payments"
    page_title = _("Payments")
    header_icon = "form"
    filterset_class = filters.PaymentFilterSet
    export_filename = "payments"
    list_ordering = ("-created_at", "-pk")
    totals = {"amount": AMOUNT_TOTAL,
              "succeeded": Total(_("Paid"), models.Sum("amount", filter=models.Q(status=PaymentStatus.SUCCEEDED)))}
    export_columns = PAYMENT_EXPORT_COLUMNS

    def get_base_queryset(self):
        return selectors.payments_for_finance()

    @cached_property
    def columns(self):
        return [
            payment_reference_column(),
            merchant_column(),
            Column("purpose", label=_("For"), accessor=_purpose),
            Column("provider", label=_("Method"), accessor="get_provider_display", sort_key="provider"),
            StatusTagColumn("status", label=_("Status"), accessor="get_status_display", sort_key="status",
                            primary=lambda p: p.status == PaymentStatus.SUCCEEDED),
            amount_column(),
            day_column("created_at", _("Started")),
            day_column("succeeded_at", _("Paid")),
        ]


class BankTransferListView(PaymentListView):
    """Bank transfers still to confirm: awaiting the money, or recorded by finance and awaiting the second
    person's confirmation."""

    url_name = "bank_transfers"
    page_title = _("Pending bank transfers")
    header_icon = "time"
    filterset_class = filters.BankTransferFilterSet
    export_filename = "bank-transfers-pending"
    list_ordering = ("-status", "created_at", "pk")  # recorded (pending) first, then the oldest
    totals = {"amount": AMOUNT_TOTAL}

    def get_base_queryset(self):
        return selectors.bank_transfers_pending()

    @cached_property
    def columns(self):
        return [
            payment_reference_column(),
            merchant_column(),
            Column("purpose", label=_("For"), accessor="get_purpose_display", sort_key="purpose"),
            StatusTagColumn("status", label=_("Status"), sort_key="status", accessor=lambda p: (
                _("Received, awaiting confirmation") if p.status == PaymentStatus.PENDING else _("Awaiting receipt")),
                primary=lambda p: p.status == PaymentStatus.PENDING),
            amount_column(),
            day_column("received_on", _("Received on")),
            Column("recorded_by", label=_("Recorded by"), accessor=lambda p: _user(p.recorded_by)),
            day_column("created_at", _("Started")),
        ]


class DeductionListView(FinanceListView):
    """Deductions proposed and not yet decided (the maker never approves; above the threshold finance and
    management both approve)."""

    model = Deduction
    url_name = "deductions"
    page_title = _("Deductions awaiting approval")
    header_icon = "warning"
    filterset_class = filters.DeductionFilterSet
    export_filename = "deductions-awaiting-approval"
    list_ordering = ("created_at", "pk")
    totals = {"amount": AMOUNT_TOTAL}
    export_columns = {
        "merchant": (_("Merchant"), lambda d, now: d.account.merchant.name),
        "breach": (_("Breach"), lambda d, now: str(d.get_breach_display())),
        "reference": (_("Order or complaint reference"), lambda d, now: d.reference),
        "description": (_("What happened"), lambda d, now: d.description),
        "currency": (_("Currency"), lambda d, now: d.currency),
        "amount": (_("Amount"), lambda d, now: d.amount),
        "created_at": (_("Proposed"), lambda d, now: d.created_at),
        "created_by": (_("Proposed by"), lambda d, now: _user(d.created_by)),
        "first_approved_by": (_("First approval"), lambda d, now: _user(d.first_approved_by)
                              if d.first_approved_by else ""),
    }

    def get_base_queryset(self):
        return selectors.deductions_awaiting_approval()

    @cached_property
    def columns(self):
        return [
            TitleColumn("merchant", label=_("Merchant"), accessor=lambda d: d.account.merchant.name,
                        sort_key="account__merchant__name", get_title_id=lambda d: f"deduction_{d.pk}_title",
                        get_url=lambda d: url_or_none("billing_deductions:detail", d.pk) or deposit_url(d.account_id)),
            Column("breach", label=_("Breach"), accessor="get_breach_display", sort_key="breach"),
            Column("reference", label=_("Order or complaint reference"), sort_key="reference"),
            amount_column(),
            Column("created_by", label=_("Proposed by"), accessor=lambda d: _user(d.created_by)),
            Column("first_approved_by", label=_("First approval"), accessor=lambda d: _user(d.first_approved_by)),
            day_column("created_at", _("Proposed")),
        ]


class RefundListView(FinanceListView):
    """Refunds not yet paid back, with their due date (30 PRC working days after the contract ended) and whether
    they are overdue."""

    model = Refund
    url_name = "refunds"
    page_title = _("Refunds due")
    header_icon = "undo"
    filterset_class = filters.RefundFilterSet
    export_filename = "refunds-due"
    list_ordering = ("due_on", "pk")
    totals = {"amount": AMOUNT_TOTAL,
              "overdue": Total(_("Overdue"), models.Sum("amount", filter=models.Q(overdue=True)))}
    export_columns = {
        "merchant": (_("Merchant"), lambda r, now: r.merchant.name),
        "contract": (_("Contract"), lambda r, now: r.contract.number if r.contract else ""),
        "reason": (_("Reason"), lambda r, now: str(r.get_reason_display())),
        "provider": (_("Method"), lambda r, now: str(r.get_provider_display())),
        "status": (_("Status"), lambda r, now: str(r.get_status_display())),
        "currency": (_("Currency"), lambda r, now: r.currency),
        "amount": (_("Amount"), lambda r, now: r.amount),
        "due_on": (_("Due on"), lambda r, now: r.due_on),
        "overdue": (_("Overdue"), lambda r, now: str(_("Yes") if r.overdue else _("No"))),
        "sent_at": (_("Sent"), lambda r, now: r.sent_at),
    }

    def get_base_queryset(self):
        return selectors.refunds_due(today=timezone.localdate())

    @cached_property
    def columns(self):
        return [
            TitleColumn("merchant", label=_("Merchant"), accessor=lambda r: r.merchant.name,
                        sort_key="merchant__name", get_title_id=lambda r: f"refund_{r.pk}_title",
                        get_url=lambda r: url_or_none("billing_refunds:detail", r.pk) or deposit_url(r.account_id)),
            Column("contract", label=_("Contract"), accessor=lambda r: r.contract.number if r.contract else "—"),
            Column("provider", label=_("Method"), accessor="get_provider_display", sort_key="provider"),
            StatusTagColumn("status", label=_("Status"), accessor="get_status_display", sort_key="status",
                            primary=lambda r: r.status == RefundStatus.PENDING),
            amount_column(),
            day_column("due_on", _("Due on")),
            StatusTagColumn("overdue", label=_("Overdue"), sort_key="overdue",
                            accessor=lambda r: _("Overdue") if r.overdue else "", primary=lambda r: False),
        ]


class InvoiceListView(FinanceListView):
    """Invoices and credit notes, issued or draft, with what has been paid on each."""

    model = Invoice
    url_name = "invoices"
    page_title = _("Invoices")
    header_icon = "doc-full-inverse"
    filterset_class = filters.InvoiceFilterSet
    export_filename = "invoices"
    list_ordering = ("-issued_at", "-pk")
    totals = {"total": Total(_("Total"), models.Sum("total")),
              "paid": Total(_("Paid"), models.Sum("paid_amount"))}
    export_columns = {
        "number": (_("Number"), lambda i, now: i.number or ""),
        "kind": (_("Kind"), lambda i, now: str(i.get_kind_display())),
        "corrects": (_("Corrects"), lambda i, now: (i.corrects.number or "") if i.corrects else ""),
        "merchant": (_("Merchant"), lambda i, now: i.merchant.name),
        "buyer_title": (_("Invoice title"), lambda i, now: i.buyer_title),
        "buyer_tax_id": (_("Taxpayer ID"), lambda i, now: i.buyer_tax_id),
        "status": (_("Status"), lambda i, now: str(i.get_status_display())),
        "currency": (_("Currency"), lambda i, now: i.currency),
        "total": (_("Total"), lambda i, now: i.total),
        "paid": (_("Paid"), lambda i, now: round_money(i.paid_amount, i.currency)),
        "issued_at": (_("Issued"), lambda i, now: i.issued_at),
        "due_on": (_("Due on"), lambda i, now: i.due_on),
        "paid_at": (_("Paid at"), lambda i, now: i.paid_at),
        "fapiao_number": (_("Fapiao number"), lambda i, now: i.fapiao_number),
    }

    def get_base_queryset(self):
        return selectors.invoices_for_finance()

    @cached_property
    def columns(self):
        return [
            TitleColumn("number", label=_("Number"), sort_key="number",
                        accessor=lambda i: i.number or _("Draft"), get_title_id=lambda i: f"invoice_{i.pk}_title",
                        get_url=lambda i: url_or_none("billing_invoices:detail", i.pk)),
            Column("kind", label=_("Kind"), accessor="get_kind_display", sort_key="kind"),
            merchant_column(),
            StatusTagColumn("status", label=_("Status"), accessor="get_status_display", sort_key="status",
                            primary=lambda i: i.status == Invoice.Status.PAID),
            MoneyColumn("total", label=_("Total"), sort_key="total"),
            MoneyColumn("paid_amount", label=_("Paid"), sort_key="paid_amount"),
            day_column("issued_at", _("Issued")),
            day_column("due_on", _("Due on")),
        ]


FINANCE_LISTS = [DepositListView, PaymentListView, BankTransferListView, DeductionListView, RefundListView,
                 InvoiceListView]
