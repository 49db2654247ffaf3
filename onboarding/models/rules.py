"""Thresholds that staff can change in the admin (Settings). Code reads them from here, never from constants."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from portal.models import MerchantGrade


@register_setting(icon="list-ul")
class ScreeningRules(BaseGenericSetting):
    """The pre-screen's criteria (operator guide §5.1). The pre-screen flags, it never rejects."""

    # core merchant [核心商家]
    core_top_rank = models.PositiveSmallIntegerField(
        _("vertical TOP-N position that counts"), default=10,
        help_text=_("A position in the category's vertical ranking at or above this counts as a TOP player."),
    )
    core_sku_coverage_min = models.DecimalField(
        _("minimum SKU coverage (%)"), max_digits=5, decimal_places=2, default=Decimal("80"),
    )
    core_monthly_gmv_above = models.DecimalField(
        _("monthly GMV above"), max_digits=16, decimal_places=2, default=Decimal("500000"),
        help_text=_("Six-month average; the amount must be greater than this."),
    )
    # potential merchant [潜力商家]
    potential_growth_min = models.DecimalField(
        _("minimum annual growth (%)"), max_digits=6, decimal_places=2, default=Decimal("30"),
    )
    # strategic partner [战略合作伙伴]
    strategic_term_min_years = models.PositiveSmallIntegerField(_("minimum term (years)"), default=3)
    strategic_marketing_above = models.DecimalField(
        _("annual marketing commitment above"), max_digits=16, decimal_places=2, default=Decimal("0"),
    )
    # supplier capability matrix
    capability_sample_pass_rate_min = models.DecimalField(
        _("minimum sample-inspection pass rate (%)"), max_digits=5, decimal_places=2, default=Decimal("98"),
    )
    capability_peak_multiple_min = models.DecimalField(
        _("minimum peak daily capacity (× normal)"), max_digits=6, decimal_places=2, default=Decimal("3"),
    )
    capability_price_below_min = models.DecimalField(
        _("price below industry average, from (%)"), max_digits=5, decimal_places=2, default=Decimal("10"),
    )
    capability_price_below_max = models.DecimalField(
        _("price below industry average, to (%)"), max_digits=5, decimal_places=2, default=Decimal("15"),
    )
    capability_new_skus_min = models.PositiveIntegerField(_("minimum new SKUs a year"), default=50)
    capability_points_per_indicator = models.PositiveSmallIntegerField(_("points per indicator met"), default=20)
    capability_recommended_min = models.PositiveSmallIntegerField(_("points to recommend a supplier"), default=60)

    class Meta:
        verbose_name = _("screening rules")


@register_setting(icon="form")
class ApprovalDefaults(BaseGenericSetting):
    """What approval proposes: the grade of an unrated merchant and the deposit of each grade
    (operator guide §6). A different deposit is an override: it needs a reason, and above the
    four-eyes threshold (Portal settings) a second approver."""

    default_grade = models.CharField(_("grade of a new merchant"), max_length=1, choices=MerchantGrade.choices,
                                     default=MerchantGrade.C)
    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    deposit_a = models.DecimalField(_("deposit, grade A"), max_digits=14, decimal_places=2, default=Decimal("20000"))
    deposit_b = models.DecimalField(_("deposit, grade B"), max_digits=14, decimal_places=2, default=Decimal("40000"))
    deposit_c = models.DecimalField(_("deposit, grade C"), max_digits=14, decimal_places=2, default=Decimal("60000"))
    deposit_d = models.DecimalField(_("deposit, grade D"), max_digits=14, decimal_places=2, default=Decimal("80000"))
    deposit_e = models.DecimalField(_("deposit, grade E"), max_digits=14, decimal_places=2,
                                    default=Decimal("100000"))

    class Meta:
        verbose_name = _("approval defaults")

    def deposit_for(self, grade: str) -> Decimal:
        return getattr(self, f"deposit_{grade.lower()}")


@register_setting(icon="doc-full")
class DocumentRules(BaseGenericSetting):
    """Expiry tracking of qualification documents (operator guide §5.3)."""

    expiry_reminder_days = models.CharField(
        _("remind before expiry (days)"), max_length=50, default="60,30,7",
        help_text=_("Days before the expiry date on which the merchant is reminded, comma separated."),
    )

    class Meta:
        verbose_name = _("document rules")

    def reminder_days(self) -> list[int]:
        """The reminder thresholds, largest first; unreadable parts are ignored."""
        days = {int(part) for part in self.expiry_reminder_days.split(",") if part.strip().isdigit()}
        return sorted(days, reverse=True)
