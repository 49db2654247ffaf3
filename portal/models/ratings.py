"""The credit rating [信用评级] (BUSINESS_RULES §8, §4.4; operator guide §20).

- `RatingModelVersion` is one effective-dated version of the rating model: the weights of the five dimensions,
  where each dimension gives 100 and 0 points, the grade cut-offs, the minimum number of orders and the
  window. A change is a new version, proposed by one person and approved by another; an approved version
  never changes (PostgreSQL refuses) and is never deleted. The version in force on a day is the approved one
  with the latest `effective_from` on or before it (the higher number on the same day).
  `RatingReturnsThreshold` overrides the returns dimension's 100-at / 0-at for one category.
- `MerchantRating` is the merchant's rating as of a day (one row per merchant and day, history kept): the
  window, the order count, rated or not rated (N/R, fewer orders than the minimum), the score and grade, and
  for every dimension its rate, its points and the weight it counted with — the breakdown shown to staff and
  to the merchant. Written set-based by `portal.ratings.services` (nightly, in chunks of merchant ids).
- `RatingRun` and `RatingChunk`: one recompute for a day, split into merchant id ranges that several Celery
  workers share; the admin shows their progress.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .categories import Category
from .merchants import Merchant
from .vocabulary import MerchantGrade

_RATE = {"max_digits": 9, "decimal_places": 4}
_POINTS = {"max_digits": 6, "decimal_places": 2}
_WEIGHT = {"max_digits": 6, "decimal_places": 2}


class RatingDimension(models.TextChoices):
    """The five dimensions, in the order they are shown. Fulfilment, on-time and returns are shares of the
    window's order lines (percent); complaints are complaints per order line (percent); satisfaction is the
    average of the buyers' ratings (1–5)."""

    FULFILMENT = "fulfilment", _("Fulfilment")
    ON_TIME = "on_time", _("On-time delivery")
    RETURNS = "returns", _("Returns")
    COMPLAINTS = "complaints", _("Complaints")
    SATISFACTION = "satisfaction", _("Satisfaction")


DIMENSIONS: list[str] = list(RatingDimension.values)


class RatingModelVersion(models.Model):
    """One version of the rating model (defaults from BUSINESS_RULES §8). For every dimension: its weight and
    the rate at which it gives 100 points (`*_full_at`) and 0 points (`*_zero_at`), linear and clamped between
    them. For returns and complaints the 100-at rate is the lower one."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("reason for the change"), max_length=500, blank=True)

    fulfilment_weight = models.DecimalField(_("fulfilment weight"), default=30, **_WEIGHT)
    fulfilment_full_at = models.DecimalField(_("fulfilment: 100 points at (%)"), default=100, **_RATE)
    fulfilment_zero_at = models.DecimalField(_("fulfilment: 0 points at (%)"), default=90, **_RATE)
    on_time_weight = models.DecimalField(_("on-time weight"), default=20, **_WEIGHT)
    on_time_full_at = models.DecimalField(_("on-time: 100 points at (%)"), default=100, **_RATE)
    on_time_zero_at = models.DecimalField(_("on-time: 0 points at (%)"), default=85, **_RATE)
    returns_weight = models.DecimalField(_("returns weight"), default=20, **_WEIGHT)
    returns_full_at = models.DecimalField(_("returns: 100 points at (%)"), default=3, **_RATE)
    returns_zero_at = models.DecimalField(_("returns: 0 points at (%)"), default=15, **_RATE)
    complaints_weight = models.DecimalField(_("complaints weight"), default=20, **_WEIGHT)
    complaints_full_at = models.DecimalField(_("complaints: 100 points at (%)"), default=1, **_RATE)
    complaints_zero_at = models.DecimalField(_("complaints: 0 points at (%)"), default=12, **_RATE)
    satisfaction_weight = models.DecimalField(_("satisfaction weight"), default=10, **_WEIGHT)
    satisfaction_full_at = models.DecimalField(_("satisfaction: 100 points at"), default=5, **_RATE)
    satisfaction_zero_at = models.DecimalField(_("satisfaction: 0 points at"), default=3, **_RATE)

    grade_a_min = models.DecimalField(_("grade A from score"), default=90, **_POINTS)
    grade_b_min = models.DecimalField(_("grade B from score"), default=80, **_POINTS)
    grade_c_min = models.DecimalField(_("grade C from score"), default=60, **_POINTS)
    min_orders = models.PositiveIntegerField(_("minimum orders to be rated"), default=30)
    window_days = models.PositiveSmallIntegerField(_("window (days)"), default=90,
                                                   validators=[MinValueValidator(1), MaxValueValidator(3660)])

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("proposed by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("approved by"))

    class Meta:
        verbose_name = _("rating model version")
        verbose_name_plural = _("rating model versions")
        ordering = ["-effective_from", "-number"]
        indexes = [models.Index(fields=["approved_at", "effective_from"], name="rating_model_in_force_idx")]

    def __str__(self) -> str:
        return str(_("Rating model v%(number)s from %(date)s") % {
            "number": self.number, "date": self.effective_from.isoformat()})

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    def weight(self, dimension: str) -> Decimal:
        return getattr(self, f"{dimension}_weight")

    def full_at(self, dimension: str) -> Decimal:
        return getattr(self, f"{dimension}_full_at")

    def zero_at(self, dimension: str) -> Decimal:
        return getattr(self, f"{dimension}_zero_at")


class RatingReturnsThreshold(models.Model):
    """The returns dimension's 100-at / 0-at for one category (BUSINESS_RULES §8: returns override per
    category). A merchant selling in several categories is measured against the average of its order lines'
    thresholds (each line with its category's, or the version's own), shown with its rating."""

    version = models.ForeignKey(RatingModelVersion, on_delete=models.CASCADE, related_name="returns_thresholds",
                                verbose_name=_("rating model version"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("category"))
    full_at = models.DecimalField(_("returns: 100 points at (%)"), **_RATE)
    zero_at = models.DecimalField(_("returns: 0 points at (%)"), **_RATE)

    class Meta:
        verbose_name = _("returns threshold for a category")
        verbose_name_plural = _("returns thresholds for categories")
        constraints = [
            models.UniqueConstraint(fields=["version", "category"], name="rating_returns_threshold_once"),
        ]


class MerchantRating(models.Model):
    """The merchant's rating as of a day. `rated` is False (N/R) when the window holds fewer order lines than
    the model's minimum: then score, grade and points are empty, and the grade in effect is C
    (`portal.ratings.selectors.rating_grade_on`). A dimension without data in the window (satisfaction without
    any buyer rating) has no rate and no points and weight 0: the other weights count in its place. Rates are
    percentages (satisfaction: the average score); points 0–100; the score is Σ points × weight ÷ Σ weight."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="ratings",
                                 verbose_name=_("merchant"))
    as_of = models.DateField(_("as of"))
    model_version = models.ForeignKey(RatingModelVersion, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("rating model version"))
    run = models.ForeignKey("portal.RatingRun", null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+", verbose_name=_("recompute"))
    window_start = models.DateField(_("window from"))
    window_end = models.DateField(_("window to"))
    order_count = models.PositiveIntegerField(_("orders"))
    rated = models.BooleanField(_("rated"))
    score = models.DecimalField(_("score"), null=True, blank=True, **_POINTS)
    grade = models.CharField(_("grade"), max_length=1, choices=MerchantGrade.choices, blank=True)

    fulfilled_count = models.PositiveIntegerField(_("fulfilled orders"), default=0)
    on_time_count = models.PositiveIntegerField(_("orders delivered on time"), default=0)
    returned_count = models.PositiveIntegerField(_("orders returned"), default=0)
    complaint_count = models.PositiveIntegerField(_("complaints"), default=0)
    satisfaction_count = models.PositiveIntegerField(_("buyer ratings"), default=0)
    returns_full_at = models.DecimalField(_("returns: 100 points at (%)"), null=True, blank=True, **_RATE)
    returns_zero_at = models.DecimalField(_("returns: 0 points at (%)"), null=True, blank=True, **_RATE)

    fulfilment_rate = models.DecimalField(_("fulfilment rate (%)"), null=True, blank=True, **_RATE)
    fulfilment_points = models.DecimalField(_("fulfilment points"), null=True, blank=True, **_POINTS)
    fulfilment_weight = models.DecimalField(_("fulfilment weight"), default=0, **_WEIGHT)
    on_time_rate = models.DecimalField(_("on-time rate (%)"), null=True, blank=True, **_RATE)
    on_time_points = models.DecimalField(_("on-time points"), null=True, blank=True, **_POINTS)
    on_time_weight = models.DecimalField(_("on-time weight"), default=0, **_WEIGHT)
    returns_rate = models.DecimalField(_("return rate (%)"), null=True, blank=True, **_RATE)
    returns_points = models.DecimalField(_("returns points"), null=True, blank=True, **_POINTS)
    returns_weight = models.DecimalField(_("returns weight"), default=0, **_WEIGHT)
    complaints_rate = models.DecimalField(_("complaint rate (%)"), null=True, blank=True, **_RATE)
    complaints_points = models.DecimalField(_("complaints points"), null=True, blank=True, **_POINTS)
    complaints_weight = models.DecimalField(_("complaints weight"), default=0, **_WEIGHT)
    satisfaction_rate = models.DecimalField(_("average satisfaction"), null=True, blank=True, **_RATE)
    satisfaction_points = models.DecimalField(_("satisfaction points"), null=True, blank=True, **_POINTS)
    satisfaction_weight = models.DecimalField(_("satisfaction weight"), default=0, **_WEIGHT)

    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("merchant rating")
        verbose_name_plural = _("merchant ratings")
        ordering = ["merchant", "-as_of"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "as_of"], name="merchant_rating_once_a_day"),
            models.CheckConstraint(
                condition=(models.Q(rated=True, score__isnull=False) & ~models.Q(grade=""))
                | models.Q(rated=False, score__isnull=True, grade=""),
                name="merchant_rating_rated_has_grade"),
        ]
        indexes = [models.Index(fields=["as_of", "score"], name="merchant_rating_day_score_idx")]

    def __str__(self) -> str:
        return f"{self.merchant_id} @ {self.as_of:%Y-%m-%d}: {self.grade or 'N/R'}"

    def dimension(self, name: str) -> dict:
        return {"dimension": name, "label": RatingDimension(name).label,
                "rate": getattr(self, f"{name}_rate"), "points": getattr(self, f"{name}_points"),
                "weight": getattr(self, f"{name}_weight")}

    @property
    def breakdown(self) -> list[dict]:
        return [self.dimension(name) for name in DIMENSIONS]


class RatingRun(models.Model):
    """One recompute of every rated merchant as of a day (nightly, or started by staff). Its chunks are merchant
    id ranges; a chunk writes its merchants' ratings in one statement and one transaction, so a chunk that
    failed or was killed is simply computed again."""

    class Status(models.TextChoices):
        RUNNING = "running", pgettext_lazy("rating run", "Running")
        DONE = "done", pgettext_lazy("rating run", "Done")
        FAILED = "failed", pgettext_lazy("rating run", "Failed")

    ALLOWED_TRANSITIONS = {Status.RUNNING: {Status.DONE, Status.FAILED}, Status.FAILED: {Status.RUNNING, Status.DONE},
                           Status.DONE: set()}

    as_of = models.DateField(_("as of"))
    model_version = models.ForeignKey(RatingModelVersion, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("rating model version"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    chunk_size = models.PositiveIntegerField(_("merchants per chunk"))
    merchant_count = models.PositiveIntegerField(_("merchants"), default=0)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("started by"))

    class Meta:
        verbose_name = _("rating recompute")
        verbose_name_plural = _("rating recomputes")
        ordering = ["-as_of", "-id"]

    def __str__(self) -> str:
        return str(_("Ratings as of %(date)s") % {"date": self.as_of.isoformat()})


class RatingChunk(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("rating chunk", "Pending")
        RUNNING = "running", pgettext_lazy("rating chunk", "Running")
        DONE = "done", pgettext_lazy("rating chunk", "Done")
        FAILED = "failed", pgettext_lazy("rating chunk", "Failed")

    run = models.ForeignKey(RatingRun, on_delete=models.CASCADE, related_name="chunks", verbose_name=_("recompute"))
    number = models.PositiveIntegerField(_("chunk"))
    merchant_id_from = models.BigIntegerField(_("merchant id from"))
    merchant_id_to = models.BigIntegerField(_("merchant id to"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    rated_count = models.PositiveIntegerField(_("rated"), default=0)
    unrated_count = models.PositiveIntegerField(_("not rated"), default=0)
    error = models.TextField(_("error"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rating recompute chunk")
        verbose_name_plural = _("rating recompute chunks")
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="rating_chunk_once")]
