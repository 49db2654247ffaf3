"""Commission tables [佣金表] and overrides: the data the commission function computes with (BUSINESS_RULES §7).

Two layers:

- `CommissionSchedule` is the table as staff edit it in the Wagtail admin (a snippet with drafts, revisions, a
  lock and a two-person workflow). It is never read by the commission function.
- Publishing a revision of it (only through the workflow's approval) freezes that revision as a
  `CommissionTableVersion` with the next version number, plus normalised rows (`CommissionTableRate`,
  `CommissionTableBand`) for set-based queries. Version rows are never changed or deleted, so a rate computed
  today can be recomputed years later from the version numbers in its explanation. Which version applies is
  chosen by the date: the latest `effective_from` on or before the day (the higher number on the same day).

`CommissionOverride` replaces the computed rate of one contract (one category, or all) for a date range once a
second person has approved it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    PreviewableMixin,
    RevisionMixin,
    WorkflowMixin,
)

from portal.exceptions import ApplicationError
from portal.models import MerchantGrade

BASE_RATE_MIN = Decimal("5")
BASE_RATE_MAX = Decimal("15")
_BASE_RATE = [MinValueValidator(BASE_RATE_MIN), MaxValueValidator(BASE_RATE_MAX)]
_LADDER_RATE = [MinValueValidator(Decimal("0")), MaxValueValidator(BASE_RATE_MAX)]
_PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
_NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]
_MULTIPLIER = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]
_FLOOR = [MinValueValidator(Decimal("0")), MaxValueValidator(BASE_RATE_MAX)]

GRADE_DISCOUNT_FIELDS = {grade: f"discount_{grade.lower()}" for grade in MerchantGrade.values}


class CommissionFrozen(ApplicationError):
    """A frozen commission table version (or its rows) cannot be changed or deleted."""


def _rate_field(verbose_name, validators, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=4, validators=validators, **kwargs)


class CommissionTerms(models.Model):
    """The scalar figures of a table: launch offer, credit discounts by grade (relative) and the floor."""

    launch_multiplier = models.DecimalField(
        _("launch offer multiplier"), max_digits=5, decimal_places=4, default=Decimal("0.5"), validators=_MULTIPLIER,
        help_text=_("0.5 halves the rate during the launch offer."))
    launch_months = models.PositiveSmallIntegerField(
        _("launch offer months"), default=3, validators=[MaxValueValidator(36)],
        help_text=_("Counted from the day the contract becomes active."))
    discount_a = _rate_field(_("credit discount, grade A (%)"), _PERCENT, default=Decimal("10"))
    discount_b = _rate_field(_("credit discount, grade B (%)"), _PERCENT, default=Decimal("5"))
    discount_c = _rate_field(_("credit discount, grade C (%)"), _PERCENT, default=Decimal("0"))
    discount_d = _rate_field(_("credit discount, grade D (%)"), _PERCENT, default=Decimal("0"))
    discount_e = _rate_field(_("credit discount, grade E (%)"), _PERCENT, default=Decimal("0"))
    floor_percent = _rate_field(_("floor (%)"), _FLOOR, default=Decimal("1"),
                                help_text=_("No rate goes below this."))

    class Meta:
        abstract = True

    def grade_discount(self, grade: str) -> Decimal:
        return getattr(self, GRADE_DISCOUNT_FIELDS[grade])


# ---------------------------------------------------------------------------- the editable table (snippet)


class CommissionSchedule(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, PreviewableMixin,
                         CommissionTerms, ClusterableModel):
    """A commission table as staff draft it. Approved and published, each revision becomes a frozen
    `CommissionTableVersion`; the commission function reads only those."""

    title = models.CharField(_("title"), max_length=200)
    effective_from = models.DateField(_("effective from"),
                                      help_text=_("The first day this table applies. Today or later."))
    change_note = models.CharField(_("reason for the change"), max_length=255)
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="commission_schedule")

    class Meta:
        verbose_name = _("commission table")
        verbose_name_plural = _("commission tables")
        ordering = ["-effective_from", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.effective_from:%Y-%m-%d})" if self.effective_from else self.title

    @property
    def revisions(self):
        return self._revisions

    def approval_refusal(self) -> str | None:
        """Why this revision may not be approved (read by the two-person approval task), or None."""
        from contracts.commission.tables import schedule_refusal

        return schedule_refusal(schedule=self)

    def get_preview_template(self, request, mode_name):
        return "contracts/commission/schedule_preview.html"

    def get_preview_context(self, request, mode_name):
        context = super().get_preview_context(request, mode_name)
        context["rates"] = sorted(self.category_rates.all(), key=lambda r: (r.category.sort_order, r.category.code))
        context["bands"] = sorted(self.ladder_bands.all(),
                                  key=lambda b: (b.category.code if b.category else "", b.min_gmv))
        context["discounts"] = [(grade, self.grade_discount(grade)) for grade in MerchantGrade.values]
        return context


class CommissionScheduleRate(Orderable):
    schedule = ParentalKey(CommissionSchedule, on_delete=models.CASCADE, related_name="category_rates")
    category = models.ForeignKey("portal.Category", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("category"))
    rate_percent = _rate_field(_("base rate (%)"), _BASE_RATE, help_text=_("Between 5% and 15%."))

    class Meta(Orderable.Meta):
        verbose_name = _("category base rate")
        verbose_name_plural = _("category base rates")


class CommissionScheduleBand(Orderable):
    schedule = ParentalKey(CommissionSchedule, on_delete=models.CASCADE, related_name="ladder_bands")
    category = models.ForeignKey("portal.Category", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("category"),
                                 help_text=_("Empty: every category without bands of its own."))
    min_gmv = models.DecimalField(_("from previous-period GMV"), max_digits=16, decimal_places=2,
                                  validators=_NOT_NEGATIVE)
    rate_percent = _rate_field(_("rate (%)"), _LADDER_RATE)

    class Meta(Orderable.Meta):
        verbose_name = _("GMV ladder band")
        verbose_name_plural = _("GMV ladder bands")


# ---------------------------------------------------------------------------- frozen versions


class _Frozen(models.Model):
    """Rows written once, in the publishing transaction, and never again."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise CommissionFrozen(f"{self._meta.label} {self.pk} is frozen")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise CommissionFrozen(f"{self._meta.label} {self.pk} is frozen")


class CommissionTableVersion(CommissionTerms, _Frozen):
    """One published revision of a commission table, frozen. Never edited: a change is a new version."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    effective_from = models.DateField(_("effective from"))
    title = models.CharField(_("title"), max_length=200)
    change_note = models.CharField(_("reason for the change"), max_length=255, blank=True)
    schedule = models.ForeignKey(CommissionSchedule, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="versions", verbose_name=_("commission table"))
    revision_id = models.PositiveIntegerField(_("revision"), null=True, blank=True, unique=True)
    # everything above and the rows below, as published: what the version numbers in an explanation point at
    content = models.JSONField(_("content"), default=dict)
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("submitted by"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("approved by"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        verbose_name = _("commission table version")
        verbose_name_plural = _("commission table versions")
        ordering = ["-effective_from", "-number"]
        indexes = [models.Index(fields=["effective_from", "number"], name="commission_version_date_idx")]

    def __str__(self) -> str:
        return f"v{self.number} ({self.effective_from:%Y-%m-%d})"


class CommissionTableRate(_Frozen):
    version = models.ForeignKey(CommissionTableVersion, on_delete=models.PROTECT, related_name="rates")
    category = models.ForeignKey("portal.Category", on_delete=models.PROTECT, related_name="+")
    rate_percent = _rate_field(_("base rate (%)"), _BASE_RATE)

    class Meta:
        verbose_name = _("commission base rate")
        verbose_name_plural = _("commission base rates")
        constraints = [models.UniqueConstraint(fields=["version", "category"], name="commission_rate_unique")]


class CommissionTableBand(_Frozen):
    version = models.ForeignKey(CommissionTableVersion, on_delete=models.PROTECT, related_name="bands")
    category = models.ForeignKey("portal.Category", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    min_gmv = models.DecimalField(_("from previous-period GMV"), max_digits=16, decimal_places=2)
    rate_percent = _rate_field(_("rate (%)"), _LADDER_RATE)

    class Meta:
        verbose_name = _("commission ladder band")
        verbose_name_plural = _("commission ladder bands")
        ordering = ["version", "category", "min_gmv"]


# ---------------------------------------------------------------------------- overrides


class CommissionOverrideStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


COMMISSION_OVERRIDE_TRANSITIONS: dict[str, set[str]] = {
    CommissionOverrideStatus.PROPOSED: {CommissionOverrideStatus.APPROVED, CommissionOverrideStatus.REJECTED},
    CommissionOverrideStatus.APPROVED: set(),
    CommissionOverrideStatus.REJECTED: set(),
}


class CommissionOverride(models.Model):
    """A rate that replaces the computed one for one contract (one category, or every category) from
    `effective_from` to `effective_to` (inclusive, open-ended when empty). It applies once approved by a
    second person; the floor still applies after it."""

    Status = CommissionOverrideStatus
    ALLOWED_TRANSITIONS = COMMISSION_OVERRIDE_TRANSITIONS

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="commission_overrides",
                                 verbose_name=_("contract"))
    category = models.ForeignKey("portal.Category", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("category"),
                                 help_text=_("Empty: every category of the contract."))
    rate_percent = _rate_field(_("rate (%)"), _PERCENT)
    reason = models.TextField(_("reason"))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True,
                                    help_text=_("Last day it applies; empty means open-ended."))
    status = models.CharField(_("status"), max_length=20, choices=CommissionOverrideStatus.choices,
                              default=CommissionOverrideStatus.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("proposed by"))
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("commission override")
        verbose_name_plural = _("commission overrides")
        ordering = ["contract", "-effective_from", "-id"]
        indexes = [models.Index(fields=["contract", "status"], name="commission_override_status_idx")]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.rate_percent}% ({self.get_status_display()})"
