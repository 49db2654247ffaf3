"""Performance data from the trading platform (BUSINESS_RULES §8–9): order lines, complaints and satisfaction
ratings. They feed the credit rating (`portal.ratings`) and the settlement runs (billing).

Each row is keyed by the platform's own id (`external_id`) and carries a digest of what was sent, so a resend
changes nothing and a changed row is updated with its version raised and the content it had kept in a
`*Version` row (history, append-only). Rows are written set-based by `portal.performance.services` (the API and
the file import share it), never one ORM save at a time.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .categories import Category
from .merchants import Merchant

_AMOUNT = {"max_digits": 14, "decimal_places": 2}


class DataSource(models.TextChoices):
    API = "api", _("API")
    IMPORT = "import", _("File import")
    DEMO = "demo", _("Demo data")


class _Received(models.Model):
    """What every kind of performance row has: the platform's id, the merchant, the digest of the content, the
    version (1 when first received, +1 at each change) and where it came from."""

    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+", verbose_name=_("merchant"))
    digest = models.CharField(_("content digest"), max_length=32)
    version = models.PositiveIntegerField(_("version"), default=1)
    source = models.CharField(_("source"), max_length=10, choices=DataSource.choices, default=DataSource.API)
    received_at = models.DateTimeField(_("received at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        abstract = True


class OrderLine(_Received):
    """One order line as the platform reports it. T (`settleable_on`) is the day it becomes settleable
    (completed and past its return window); a settlement run takes the lines whose T falls in its period."""

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("category"))
    amount = models.DecimalField(_("amount"), **_AMOUNT)
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    completed_on = models.DateField(_("completed on"))
    settleable_on = models.DateField(_("settleable on"))
    refund_amount = models.DecimalField(_("refund amount"), default=0, **_AMOUNT)
    refunded_on = models.DateField(_("refunded on"), null=True, blank=True)
    fulfilled = models.BooleanField(_("fulfilled"), default=True)
    on_time = models.BooleanField(_("delivered on time"), default=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        indexes = [
            models.Index(fields=["merchant", "settleable_on"], name="orderline_merchant_t_idx"),
            models.Index(fields=["merchant", "completed_on"], name="orderline_merchant_done_idx"),
            models.Index(fields=["settleable_on"], name="orderline_t_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="orderline_amount_not_negative"),
            models.CheckConstraint(
                condition=models.Q(refund_amount__gte=0) & models.Q(refund_amount__lte=models.F("amount")),
                name="orderline_refund_within_amount"),
        ]

    def __str__(self) -> str:
        return self.external_id


class Complaint(_Received):
    """A complaint about a merchant (one counts once, on the day it was received)."""

    order_external_id = models.CharField(_("order"), max_length=64, blank=True)
    received_on = models.DateField(_("received on"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [models.Index(fields=["merchant", "received_on"], name="complaint_merchant_day_idx")]

    def __str__(self) -> str:
        return self.external_id


class SatisfactionRating(_Received):
    """A buyer's satisfaction rating of a merchant, 1.0–5.0."""

    order_external_id = models.CharField(_("order"), max_length=64, blank=True)
    rated_on = models.DateField(_("rated on"))
    score = models.DecimalField(_("score"), max_digits=3, decimal_places=2)

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        indexes = [models.Index(fields=["merchant", "rated_on"], name="satisfaction_merchant_day_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=1) & models.Q(score__lte=5),
                                   name="satisfaction_score_1_to_5"),
        ]

    def __str__(self) -> str:
        return self.external_id


class PerformanceRowVersion(models.Model):
    """What a performance row held before a change (append-only): the kind of row, its id, the version it had
    and its content as it was received."""

    class Kind(models.TextChoices):
        ORDER_LINE = "order_line", _("Order line")
        COMPLAINT = "complaint", _("Complaint")
        SATISFACTION = "satisfaction", _("Satisfaction rating")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    row_id = models.BigIntegerField(_("row"))
    version = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("content"))
    superseded_at = models.DateTimeField(_("superseded at"))

    class Meta:
        verbose_name = _("performance row version")
        verbose_name_plural = _("performance row versions")
        constraints = [models.UniqueConstraint(fields=["kind", "row_id", "version"], name="performance_version_once")]
