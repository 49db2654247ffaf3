"""Settlements [结算] (BUSINESS_RULES §9): a run per period builds one statement per active merchant from the order
lines whose T (settleable day) falls in the period, set-based and in chunks that Celery workers share.

A run is unique per period: running a period again resumes or rebuilds the same run and never counts a line
twice (a line is on at most one statement as an order line: `StatementLine` is unique per order line and
version). A statement is immutable once issued (PostgreSQL refuses changes to its figures and lines); a
correction is a line on a later statement.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import Category, Merchant, OrderLine

from ._storage import private_storage

_AMOUNT = {"max_digits": 16, "decimal_places": 2}


class SettlementRun(models.Model):
    """One period's settlement. Its chunks are built by workers; it is built when every chunk is done."""

    class Status(models.TextChoices):
        BUILDING = "building", pgettext_lazy("settlement run", "Building")
        BUILT = "built", pgettext_lazy("settlement run", "Built, not issued")
        ISSUED = "issued", pgettext_lazy("settlement run", "Issued to merchants")
        APPROVED = "approved", pgettext_lazy("settlement run", "Approved")
        CLOSED = "closed", pgettext_lazy("settlement run", "Paid out")

    ALLOWED_TRANSITIONS = {
        Status.BUILDING: {Status.BUILT},
        Status.BUILT: {Status.BUILDING, Status.ISSUED},
        Status.ISSUED: {Status.APPROVED},
        Status.APPROVED: {Status.CLOSED},
        Status.CLOSED: set(),
    }

    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    payout_due_on = models.DateField(_("payout due on"))
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.BUILDING)
    chunk_size = models.PositiveIntegerField(_("merchants per chunk"), default=500)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("started by"))
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("approved by"))
    second_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+",
                                           verbose_name=_("second approver"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("settlement run")
        verbose_name_plural = _("settlement runs")
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["period_start", "period_end"], name="settlement_run_period_once"),
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="settlement_run_period_order"),
        ]

    def __str__(self) -> str:
        return str(_("Settlement %(start)s – %(end)s") % {"start": self.period_start.isoformat(),
                                                            "end": self.period_end.isoformat()})


class SettlementChunk(models.Model):
    """A slice of a run's merchants (by id range) that one worker builds in one transaction. A chunk that
    crashed is pending or running again with `attempts` > 1; a done chunk is never built twice."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("settlement chunk", "Pending")
        RUNNING = "running", pgettext_lazy("settlement chunk", "Running")
        DONE = "done", pgettext_lazy("settlement chunk", "Done")
        FAILED = "failed", pgettext_lazy("settlement chunk", "Failed")

    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField(_("chunk"))
    first_merchant_id = models.BigIntegerField(_("first merchant id"))
    last_merchant_id = models.BigIntegerField(_("last merchant id"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    statements = models.PositiveIntegerField(_("statements"), default=0)
    lines = models.PositiveIntegerField(_("lines"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("settlement chunk")
        verbose_name_plural = _("settlement chunks")
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="settlement_chunk_once")]


class CommissionExplanation(models.Model):
    """A commission rate with its explanation step by step (`contracts.commission.RateResult.as_dict()`), stored
    once per distinct explanation and referenced by every statement line it explains."""

    digest = models.CharField(_("digest"), max_length=64, unique=True)
    rate = models.DecimalField(_("rate (%)"), max_digits=8, decimal_places=4)
    data = models.JSONField(_("explanation"))

    class Meta:
        verbose_name = _("commission explanation")
        verbose_name_plural = _("commission explanations")


class StatementStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("statement", "Draft")
    ISSUED = "issued", pgettext_lazy("statement", "Awaiting your confirmation")
    CONFIRMED = "confirmed", pgettext_lazy("statement", "Confirmed")
    DISPUTED = "disputed", pgettext_lazy("statement", "Confirmed with disputed lines")
    APPROVED = "approved", pgettext_lazy("statement", "Approved for payout")
    PAID = "paid", pgettext_lazy("statement", "Paid")


class Statement(models.Model):
    """A merchant's statement [结算单] for one run. The totals are the sums of its lines (written once, when the
    chunk is built; the reconciliation report checks they tie out).

    net_payable = carried_in + gmv − refunds − commission + subsidies − fees − deductions + released (frozen
    disputed amounts are shown but excluded); when negative, `net_payable` is 0 and `carried_forward` is what
    the next statement starts with."""

    Status = StatementStatus
    ALLOWED_TRANSITIONS = {
        StatementStatus.DRAFT: {StatementStatus.ISSUED},
        StatementStatus.ISSUED: {StatementStatus.CONFIRMED, StatementStatus.DISPUTED},
        StatementStatus.DISPUTED: {StatementStatus.CONFIRMED, StatementStatus.APPROVED},
        StatementStatus.CONFIRMED: {StatementStatus.APPROVED},
        StatementStatus.APPROVED: {StatementStatus.PAID},
        StatementStatus.PAID: set(),
    }

    run = models.ForeignKey(SettlementRun, on_delete=models.PROTECT, related_name="statements")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+", verbose_name=_("merchant"))
    contract = models.ForeignKey("contracts.Contract", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("contract"))
    number = models.CharField(_("statement number"), max_length=40, unique=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=20, choices=StatementStatus.choices,
                              default=StatementStatus.DRAFT)
    order_count = models.PositiveIntegerField(_("orders"), default=0)
    gmv = models.DecimalField(_("GMV"), default=0, **_AMOUNT)
    refunds = models.DecimalField(_("refunds"), default=0, **_AMOUNT)
    commission = models.DecimalField(_("commission"), default=0, **_AMOUNT)
    subsidies = models.DecimalField(_("subsidies"), default=0, **_AMOUNT)
    fees = models.DecimalField(_("fees"), default=0, **_AMOUNT)
    deductions = models.DecimalField(_("deductions"), default=0, **_AMOUNT)
    frozen = models.DecimalField(_("frozen (disputed)"), default=0, **_AMOUNT)
    released = models.DecimalField(_("released"), default=0, **_AMOUNT)
    carried_in = models.DecimalField(_("carried in"), default=0, **_AMOUNT)
    net_payable = models.DecimalField(_("net payable"), default=0, **_AMOUNT)
    carried_forward = models.DecimalField(_("carried forward"), default=0, **_AMOUNT)
    payout_due_on = models.DateField(_("payout due on"))
    respond_by = models.DateTimeField(_("confirm or dispute by"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("confirmed by"))
    confirmed_silently = models.BooleanField(_("confirmed by silence"), default=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    pdf = models.FileField(_("PDF"), storage=private_storage, upload_to="statements/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-period_start", "merchant_id"]
        constraints = [models.UniqueConstraint(fields=["run", "merchant"], name="statement_once_per_run")]
        indexes = [
            models.Index(fields=["merchant", "period_start"], name="statement_merchant_period_idx"),
            models.Index(fields=["run", "status"], name="statement_run_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class StatementLine(models.Model):
    """One line of a statement. An order line's settlement (`kind` order): its GMV, refund, the commission rate
    the contracts function gave with its explanation, the commission; the other kinds carry only `amount`.
    `amount` is the line's signed effect on the net payable (order: gmv − refund − commission; subsidy and
    released +; fee and deduction −; frozen lines are shown with the amount frozen and count 0)."""

    class Kind(models.TextChoices):
        ORDER = "order", pgettext_lazy("statement line", "Order")
        ORDER_CHANGE = "order_change", pgettext_lazy("statement line", "Correction of a settled order")
        SUBSIDY = "subsidy", pgettext_lazy("statement line", "Subsidy")
        FEE = "fee", pgettext_lazy("statement line", "Fee")
        DEDUCTION = "deduction", pgettext_lazy("statement line", "Deduction")
        FROZEN = "frozen", pgettext_lazy("statement line", "Frozen (disputed)")
        RELEASED = "released", pgettext_lazy("statement line", "Released from a dispute")
        CARRIED_IN = "carried_in", pgettext_lazy("statement line", "Carried in from the last statement")

    # `statement_line_kind_idx` (statement, kind) serves the lookups by statement. The references to the
    # statement, the order line, the category and the explanation are checked by PostgreSQL once per INSERT or
    # UPDATE statement, not per row, and deleting a referenced row is refused (migrations 0011, 0012): a
    # settlement chunk writes 50,000 lines in one statement, and per-row foreign key checks were a third of its
    # time.
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines", db_index=False,
                                  db_constraint=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    order_line = models.ForeignKey(OrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   db_constraint=False)
    order_version = models.PositiveIntegerField(_("order version"), null=True, blank=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 db_constraint=False)
    day = models.DateField(_("date"), null=True, blank=True)
    gmv = models.DecimalField(_("GMV"), default=0, **_AMOUNT)
    refund = models.DecimalField(_("refund"), default=0, **_AMOUNT)
    commission_rate = models.DecimalField(_("commission rate (%)"), max_digits=8, decimal_places=4, null=True,
                                          blank=True)
    commission = models.DecimalField(_("commission"), default=0, **_AMOUNT)
    explanation = models.ForeignKey(CommissionExplanation, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", db_constraint=False, db_index=False)
    amount = models.DecimalField(_("amount"), default=0, **_AMOUNT)
    description = models.CharField(_("description"), max_length=300, blank=True)
    reference = models.CharField(_("reference"), max_length=64, blank=True,
                                 help_text=_("What the line comes from: a deduction, a fee invoice, a dispute."))

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement", "id"]
        constraints = [
            # an order line's content is settled once: a rerun of the period never counts it again
            models.UniqueConstraint(fields=["order_line", "order_version"], condition=models.Q(kind="order"),
                                    name="statement_line_order_once"),
            # a dispute's released amount is paid on one statement only (`reference` is the dispute's number)
            models.UniqueConstraint(fields=["reference"], condition=models.Q(kind="released"),
                                    name="statement_line_release_once"),
            # a change of a settled order line (a late refund) is settled once per version it reached
            models.UniqueConstraint(fields=["order_line", "order_version"], condition=models.Q(kind="order_change"),
                                    name="statement_line_order_change_once"),
        ]
        indexes = [models.Index(fields=["statement", "kind"], name="statement_line_kind_idx")]
