"""Investment-policy items [招商政策] as structured, versioned, effective-dated data.

Pages render these figures, the benefits calculator computes with them, and settlement subsidies will
compute with the same rows, so one number lives in one place. A change is a new version with its own
effective dates; a version that has taken effect is never edited (only closed with an end date).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel

from .i18n import LocalizedNameMixin, pick_language


class PolicyBlock(models.TextChoices):
    ENTRY = "entry", _("Entry incentives")
    OPERATIONS = "operations", _("Operations support")
    TRAINING = "training", _("Training and enablement")


class PolicyKind(models.TextChoices):
    RENT_RELIEF = "rent_relief", _("Rent relief")
    TAX_REBATE = "tax_rebate", _("Tax rebate")
    RENOVATION = "renovation_subsidy", _("Renovation subsidy")
    EQUIPMENT = "equipment_subsidy", _("Equipment subsidy")
    TRAFFIC = "traffic_support", _("Traffic support")
    LOGISTICS = "logistics_subsidy", _("Logistics subsidy")
    FREE_TOOLS = "free_tools", _("Free digital tools")
    BRAND_FUND = "brand_fund", _("Brand incubation fund")
    TRAINING = "training_reimbursement", _("Training reimbursement")
    EXECUTIVE = "executive_class", _("Executive classes")


class PolicyFormula(models.TextChoices):
    PERCENT_OF_BASE = "percent", _("Percentage of a base")
    PER_UNIT = "per_unit", _("Amount per unit")
    YEAR_SCHEDULE = "schedule", _("Percentage of a base, by year")
    IN_KIND = "in_kind", _("In kind (not a cash amount)")


class CalculatorInput(models.TextChoices):
    """The visitor's figures a formula can use as its base or as a band threshold."""

    ANNUAL_RENT = "annual_rent", _("Annual rent of physical space")
    LOCAL_TAX = "local_tax_contribution", _("Local tax contribution a year")
    RENOVATION = "renovation_investment", _("Planned renovation investment")
    EQUIPMENT = "equipment_investment", _("Planned equipment investment (sorting, warehousing)")
    COLD_CHAIN = "cold_chain_investment", _("Planned cold-chain equipment investment")
    ORDERS = "orders_per_year", _("Orders a year")
    TRAINING_FEES = "training_fees", _("Certification training fees a year")
    ANNUAL_REVENUE = "annual_revenue", _("Annual revenue")


class PolicyItem(LocalizedNameMixin, models.Model):
    """The identity of one policy item; its figures live in its versions."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    block = models.CharField(_("block"), max_length=20, choices=PolicyBlock.choices)
    kind = models.CharField(_("kind"), max_length=40, choices=PolicyKind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    summary_zh = models.TextField(_("summary (Chinese)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        verbose_name = _("policy item")
        verbose_name_plural = _("policy items")
        ordering = ["block", "sort_order", "code"]

    @property
    def summary(self) -> str:
        return pick_language(self.summary_zh, self.summary_en)


class PolicyItemVersion(ClusterableModel):
    """The figures of a policy item for a period. Versions of one item must not overlap."""

    item = models.ForeignKey(PolicyItem, verbose_name=_("policy item"), on_delete=models.PROTECT,
                             related_name="versions")
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True,
                                    help_text=_("Last day this version applies; empty means open-ended."))
    formula = models.CharField(_("formula"), max_length=20, choices=PolicyFormula.choices)
    base_input = models.CharField(_("base"), max_length=40, choices=CalculatorInput.choices, blank=True,
                                  help_text=_("The figure the rate applies to."))
    rate = models.DecimalField(_("rate"), max_digits=12, decimal_places=4, default=0,
                               help_text=_("A percentage (20 = 20%) or, per unit, an amount (0.5 = ¥0.50)."))
    band_input = models.CharField(_("bands compare"), max_length=40, choices=CalculatorInput.choices, blank=True,
                                  help_text=_("The figure the bands' thresholds compare against."))
    year_rates = models.CharField(_("rates by year"), max_length=100, blank=True,
                                  help_text=_("Percentages for year 1, 2, 3…, comma separated, e.g. 100,50,50."))
    one_off = models.BooleanField(_("one-off"), default=False,
                                  help_text=_("Paid once (year 1), not every year."))
    cap_per_year = models.DecimalField(_("cap per year"), max_digits=14, decimal_places=2, null=True, blank=True)
    cap_per_project = models.DecimalField(_("cap per project"), max_digits=14, decimal_places=2, null=True,
                                          blank=True)
    fund_total = models.DecimalField(_("fund size"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    duration_years = models.PositiveSmallIntegerField(_("duration in years"), null=True, blank=True,
                                                      help_text=_("Empty: every year."))
    min_annual_revenue = models.DecimalField(_("minimum annual revenue"), max_digits=16, decimal_places=2,
                                             null=True, blank=True)
    requires_heavy_asset = models.BooleanField(_("heavy-asset projects only"), default=False)
    requires_designated_logistics = models.BooleanField(_("designated logistics provider only"), default=False)
    categories = ParentalManyToManyField("portal.Category", verbose_name=_("eligible categories"), blank=True,
                                         help_text=_("Empty: every category."))
    in_kind_zh = models.CharField(_("in-kind benefit (Chinese)"), max_length=255, blank=True)
    in_kind_en = models.CharField(_("in-kind benefit (English)"), max_length=255, blank=True)
    eligibility_zh = models.TextField(_("eligibility (Chinese)"), blank=True)
    eligibility_en = models.TextField(_("eligibility (English)"), blank=True)
    evidence_zh = models.TextField(_("evidence (Chinese)"), blank=True)
    evidence_en = models.TextField(_("evidence (English)"), blank=True)
    change_note = models.CharField(_("reason for this version"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("policy item version")
        verbose_name_plural = _("policy item versions")
        ordering = ["item", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["item", "effective_from"], name="policy_version_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.item} @ {self.effective_from:%Y-%m-%d}"

    @property
    def in_kind(self) -> str:
        return pick_language(self.in_kind_zh, self.in_kind_en)

    @property
    def eligibility(self) -> str:
        return pick_language(self.eligibility_zh, self.eligibility_en)

    @property
    def evidence(self) -> str:
        return pick_language(self.evidence_zh, self.evidence_en)


class PolicyRateBand(models.Model):
    """A rate that replaces the version's rate when every condition it sets holds.

    When several bands hold, the highest rate applies (tax rebate: ≥¥5M → 30%, ≥¥20M → 40%, ≥¥50M → 50%;
    logistics: fresh → ¥1, cross-border → ¥1, otherwise the version's ¥0.5).
    """

    version = ParentalKey(PolicyItemVersion, on_delete=models.CASCADE, related_name="bands")
    min_value = models.DecimalField(_("from (band figure ≥)"), max_digits=16, decimal_places=2, null=True,
                                    blank=True)
    category = models.ForeignKey("portal.Category", verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    cross_border = models.BooleanField(_("cross-border only"), default=False)
    rate = models.DecimalField(_("rate"), max_digits=12, decimal_places=4)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("rate band")
        verbose_name_plural = _("rate bands")
        ordering = ["sort_order", "min_value"]
