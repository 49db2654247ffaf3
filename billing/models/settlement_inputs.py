"""What a settlement run takes besides the order lines (BUSINESS_RULES §9): fees and deductions finance approves
for the next statement, the merchants enrolled for a per-order subsidy, and the subsidy used per year against
its annual cap (tracked across runs).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import Merchant
from portal.models.policy import PolicyItem, PolicyItemVersion

_AMOUNT = {"max_digits": 16, "decimal_places": 2}


class SettlementAdjustment(models.Model):
    """A fee or a deduction to be taken from a merchant's next statement. Proposed by one finance user and
    approved by another (never the maker); the first run built after the approval puts it on the merchant's
    statement as one line (`statement_line`), once. A deduction from the deposit is not this: that is a
    `Deduction` on the deposit ledger."""

    class Kind(models.TextChoices):
        FEE = "fee", pgettext_lazy("settlement adjustment", "Fee")
        DEDUCTION = "deduction", pgettext_lazy("settlement adjustment", "Deduction")

    class Status(models.TextChoices):
        PROPOSED = "proposed", pgettext_lazy("settlement adjustment", "Awaiting approval")
        APPROVED = "approved", pgettext_lazy("settlement adjustment", "Approved, for the next statement")
        REJECTED = "rejected", pgettext_lazy("settlement adjustment", "Rejected")
        SETTLED = "settled", pgettext_lazy("settlement adjustment", "On a statement")

    ALLOWED_TRANSITIONS = {
        Status.PROPOSED: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: {Status.SETTLED},
        Status.REJECTED: set(),
        Status.SETTLED: set(),
    }

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+", verbose_name=_("merchant"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **_AMOUNT)
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    description = models.CharField(_("description"), max_length=300)
    reference = models.CharField(_("reference"), max_length=64, blank=True,
                                 help_text=_("An order, a complaint or a contract clause the line refers to."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("proposed by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    statement_line = models.OneToOneField("billing.StatementLine", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="adjustment", verbose_name=_("statement line"))

    class Meta:
        verbose_name = _("settlement adjustment")
        verbose_name_plural = _("settlement adjustments")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "merchant"], name="settlement_adj_status_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="settlement_adj_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class SubsidyEnrolment(models.Model):
    """A merchant enrolled for a per-order settlement subsidy (the logistics subsidy: it ships with the designated
    provider), from `starts_on` to `ends_on` (inclusive, open-ended when empty). `cross_border` is what the
    policy item's cross-border band asks."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+", verbose_name=_("merchant"))
    item = models.ForeignKey(PolicyItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("policy item"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    cross_border = models.BooleanField(_("cross-border"), default=False)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("subsidy enrolment")
        verbose_name_plural = _("subsidy enrolments")
        indexes = [models.Index(fields=["merchant", "item"], name="subsidy_enrolment_idx")]


class SubsidyUsage(models.Model):
    """A subsidy paid on a statement, counted against the policy version's cap per year: the cap left for a
    merchant, an item and a year is the cap minus the sum of these rows (append-only)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+", verbose_name=_("merchant"))
    item = models.ForeignKey(PolicyItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("policy item"))
    version = models.ForeignKey(PolicyItemVersion, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("policy version"))
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount"), **_AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    orders = models.PositiveIntegerField(_("orders"))
    capped = models.BooleanField(_("cap reached"), default=False)
    statement_line = models.OneToOneField("billing.StatementLine", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("subsidy used")
        verbose_name_plural = _("subsidies used")
        indexes = [models.Index(fields=["merchant", "item", "year"], name="subsidy_usage_year_idx")]
