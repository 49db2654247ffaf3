from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Category, Merchant, MerchantGrade

from ._storage import private_storage

_AMOUNT = {"max_digits": 14, "decimal_places": 2}


class DepositSchedule(models.Model):
    """One effective-dated version of the deposit table (category risk class × grade → amount; operator guide
    §15). A change is a new version, proposed by one person and approved by another; an approved version is
    never edited (PostgreSQL refuses). The version in force on a day is the approved one with the latest
    `effective_from` on or before it."""

    effective_from = models.DateField(_("effective from"))
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    note = models.CharField(_("reason for the change"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("proposed by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("approved by"))

    class Meta:
        verbose_name = _("deposit table")
        verbose_name_plural = _("deposit tables")
        ordering = ["-effective_from", "-id"]

    def __str__(self) -> str:
        return str(_("Deposit table from %(date)s") % {"date": self.effective_from.isoformat()})


class DepositScheduleRow(models.Model):
    schedule = models.ForeignKey(DepositSchedule, on_delete=models.CASCADE, related_name="rows")
    risk_class = models.CharField(_("risk class"), max_length=20, choices=Category.RiskClass.choices)
    grade = models.CharField(_("grade"), max_length=1, choices=MerchantGrade.choices)
    amount = models.DecimalField(_("deposit"), **_AMOUNT)

    class Meta:
        verbose_name = _("deposit table row")
        verbose_name_plural = _("deposit table rows")
        constraints = [
            models.UniqueConstraint(fields=["schedule", "risk_class", "grade"], name="deposit_row_unique"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="deposit_row_amount_not_negative"),
        ]


class DepositAccount(models.Model):
    """A merchant's deposit [保证金]. Its balance is the sum of its ledger, never a stored number; `status`
    says what the merchant owes or is owed (a state machine, `billing.services.deposits`)."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting the deposit")
        HELD = "held", _("Held in full")
        SHORTFALL = "shortfall", _("Top-up requested")
        REFUND_DUE = "refund_due", _("Refund due")
        CLOSED = "closed", _("Closed")

    ALLOWED_TRANSITIONS = {
        Status.AWAITING: {Status.HELD, Status.REFUND_DUE, Status.CLOSED},
        Status.HELD: {Status.SHORTFALL, Status.REFUND_DUE, Status.AWAITING},
        Status.SHORTFALL: {Status.HELD, Status.REFUND_DUE},
        Status.REFUND_DUE: {Status.CLOSED, Status.AWAITING},
        Status.CLOSED: {Status.AWAITING},
    }

    merchant = models.OneToOneField(Merchant, on_delete=models.PROTECT, related_name="deposit_account",
                                    verbose_name=_("merchant"))
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.AWAITING)
    # the requirement in force (mirrors the latest DepositRequirement, kept for lists and filters)
    required_amount = models.DecimalField(_("required deposit"), default=0, **_AMOUNT)
    contract = models.ForeignKey("contracts.Contract", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("contract"),
                                 help_text=_("The contract whose deposit this account holds."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("deposit account")
        verbose_name_plural = _("deposit accounts")
        indexes = [models.Index(fields=["status"], name="deposit_account_status_idx")]

    def __str__(self) -> str:
        return str(_("Deposit of %(merchant)s") % {"merchant": self.merchant})


class DepositRequirement(models.Model):
    """Each change of the required amount, with why (append-only): a countersigned contract, a new grade, a new
    table version, a review that releases surplus."""

    class Source(models.TextChoices):
        CONTRACT = "contract", _("Contract countersigned")
        GRADE = "grade", _("Grade changed")
        SCHEDULE = "schedule", _("Deposit table changed")
        REVIEW = "review", _("Quarterly review")
        CONTRACT_END = "contract_end", _("Contract ended")

    account = models.ForeignKey(DepositAccount, on_delete=models.PROTECT, related_name="requirements")
    amount = models.DecimalField(_("required deposit"), **_AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    source = models.CharField(_("reason"), max_length=20, choices=Source.choices)
    contract = models.ForeignKey("contracts.Contract", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    schedule = models.ForeignKey(DepositSchedule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(_("grade"), max_length=1, choices=MerchantGrade.choices, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deposit requirement")
        verbose_name_plural = _("deposit requirements")
        ordering = ["id"]
        constraints = [
            # a contract's requirement is created once, however often the signal arrives
            models.UniqueConstraint(fields=["account", "contract", "source"], condition=models.Q(source="contract"),
                                    name="deposit_requirement_contract_once"),
        ]


class LedgerEntry(models.Model):
    """One movement of a deposit, append-only (PostgreSQL refuses UPDATE and DELETE, like the audit log).

    `amount` is the signed effect on the balance (payments and top-ups +, deductions and refunds −);
    `frozen_delta` the signed effect on the frozen sum (a freeze +, a release −; the balance is unchanged).
    balance = Σ amount; frozen = Σ frozen_delta; refundable = balance − frozen."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Deposit paid")
        TOP_UP = "top_up", _("Top-up paid")
        DEDUCTION = "deduction", _("Deduction")
        REFUND = "refund", _("Refund")
        FREEZE = "freeze", _("Frozen for a dispute")
        RELEASE = "release", _("Released from a dispute")

    account = models.ForeignKey(DepositAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **_AMOUNT)
    frozen_delta = models.DecimalField(_("frozen"), default=0, **_AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    memo = models.CharField(_("explanation"), max_length=500, blank=True)
    payment = models.OneToOneField("billing.Payment", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="ledger_entry")
    refund = models.OneToOneField("billing.Refund", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="ledger_entry")
    deduction = models.OneToOneField("billing.Deduction", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="ledger_entry")
    # a freeze/release names what it is about (a Stripe dispute id, a settlement dispute)
    hold_reference = models.CharField(_("hold reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("deposit ledger entry")
        verbose_name_plural = _("deposit ledger entries")
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "id"], name="ledger_account_idx")]
        constraints = [
            models.CheckConstraint(
                name="ledger_sign_by_kind",
                condition=(models.Q(kind__in=["payment", "top_up"], amount__gt=0, frozen_delta=0)
                           | models.Q(kind__in=["deduction", "refund"], amount__lt=0, frozen_delta=0)
                           | models.Q(kind="freeze", amount=0, frozen_delta__gt=0)
                           | models.Q(kind="release", amount=0, frozen_delta__lt=0)),
            ),
            models.UniqueConstraint(fields=["hold_reference", "kind"], condition=~models.Q(hold_reference=""),
                                    name="ledger_hold_once"),
        ]


class LedgerSum(models.Model):
    """Σ amount and Σ frozen_delta of one account's ledger, kept by PostgreSQL itself: an AFTER INSERT trigger on
    the ledger adds each statement's new entries in the same transaction, and the table refuses any other write
    (migration 0005). It is derived from the append-only ledger, so it is the ledger's sum by construction, never
    a number code sets; the lists read it instead of summing 1,000,000 entries. SQLite has no such trigger: there
    the table stays empty and the selectors sum the ledger (`billing.selectors.finance`)."""

    account = models.OneToOneField(DepositAccount, on_delete=models.PROTECT, primary_key=True,
                                   related_name="ledger_sum")
    balance = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    frozen = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    entries = models.PositiveIntegerField(default=0)
    last_entry_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("deposit ledger sum")
        verbose_name_plural = _("deposit ledger sums")


class Deduction(models.Model):
    """A deduction from the deposit for a defined breach, with its evidence; the maker never approves, and above
    the threshold finance and management both approve (BUSINESS_RULES §4.3). Never beyond the balance: the excess
    is invoiced."""

    class Breach(models.TextChoices):
        FAKE_SHIPMENT = "fake_shipment", _("Fake shipment")
        COUNTERFEIT = "counterfeit", _("Counterfeit goods")
        OTHER = "other", _("Other breach")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting approval")
        APPROVED = "approved", _("Approved and deducted")
        REJECTED = "rejected", _("Rejected")

    ALLOWED_TRANSITIONS = {Status.PROPOSED: {Status.APPROVED, Status.REJECTED}}

    account = models.ForeignKey(DepositAccount, on_delete=models.PROTECT, related_name="deductions")
    breach = models.CharField(_("breach"), max_length=20, choices=Breach.choices)
    reference = models.CharField(_("order or complaint reference"), max_length=100)
    description = models.TextField(_("what happened"))
    evidence = models.FileField(_("evidence"), upload_to="billing/evidence/%Y/%m/", storage=private_storage,
                                max_length=255)
    amount = models.DecimalField(_("amount"), **_AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("proposed by"))
    first_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name=_("first approver"))
    first_approved_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    # what went beyond the balance is invoiced
    excess_invoice = models.ForeignKey("billing.Invoice", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")

    class Meta:
        verbose_name = _("deposit deduction")
        verbose_name_plural = _("deposit deductions")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="deduction_amount_positive")]


class TopUpRequest(models.Model):
    """The merchant must bring the deposit back to its requirement by `due_on` (after a deduction, or a higher
    requirement); reminders go out before the deadline, and an overdue request opens a suspension review."""

    class Reason(models.TextChoices):
        DEDUCTION = "deduction", _("After a deduction")
        REQUIREMENT = "requirement", _("Higher requirement")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PAID = "paid", _("Paid")
        OVERDUE = "overdue", _("Overdue")
        CANCELLED = "cancelled", _("Cancelled")

    ALLOWED_TRANSITIONS = {
        Status.OPEN: {Status.PAID, Status.OVERDUE, Status.CANCELLED},
        Status.OVERDUE: {Status.PAID, Status.CANCELLED},
    }

    account = models.ForeignKey(DepositAccount, on_delete=models.PROTECT, related_name="top_ups")
    amount = models.DecimalField(_("amount"), **_AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    deduction = models.OneToOneField(Deduction, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="top_up")
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    reminders_sent = models.JSONField(_("reminders sent"), default=list, blank=True,
                                      help_text=_("Days before the deadline for which a reminder went out."))
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("top-up request")
        verbose_name_plural = _("top-up requests")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="top_up_status_due_idx")]
