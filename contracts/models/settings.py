from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


@register_setting(icon="doc-full")
class ContractSettings(BaseGenericSetting):
    """The contract defaults staff change in the admin (Settings → Contract settings); operator guide §13.
    A drafted contract copies them into its terms, so a later change never alters an issued contract."""

    term_months = models.PositiveSmallIntegerField(_("term (months)"), default=36,
                                                   validators=[MinValueValidator(1), MaxValueValidator(120)])
    strategic_min_term_months = models.PositiveSmallIntegerField(
        _("strategic partners' shortest term (months)"), default=36,
        help_text=_("A strategic partner's contract runs at least this long."))
    settlement_days = models.PositiveSmallIntegerField(
        _("settlement: payout days after the period ends"), default=15,
        validators=[MinValueValidator(1), MaxValueValidator(90)])
    deposit_top_up_days = models.PositiveSmallIntegerField(_("deposit top-up within (days)"), default=15)
    deposit_refund_working_days = models.PositiveSmallIntegerField(
        _("deposit refund within (working days)"), default=30)
    launch_window_months = models.PositiveSmallIntegerField(
        _("launch window (months from the launch date)"), default=6,
        help_text=_("Contracts signed in this window get the launch offer and have the entry fee waived."))
    acceptance_code_minutes = models.PositiveSmallIntegerField(
        _("acceptance code valid for (minutes)"), default=15,
        validators=[MinValueValidator(1), MaxValueValidator(1440)])
    acceptance_code_attempts = models.PositiveSmallIntegerField(
        _("wrong acceptance codes allowed"), default=5, validators=[MinValueValidator(1), MaxValueValidator(20)])
    renewal_review_days = models.PositiveSmallIntegerField(
        _("renewal review opens (days before expiry)"), default=60)
    renewal_gmv_growth_percent = models.DecimalField(
        _("renewal: GMV growth year on year at least (%)"), max_digits=5, decimal_places=2, default=15)
    export_retention_days = models.PositiveSmallIntegerField(
        _("keep bulk PDF downloads for (days)"), default=7, validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("A zip of contract PDFs is deleted this many days after it was built; the PDFs stay."))
    renewal_satisfaction = models.DecimalField(
        _("renewal: satisfaction at least (of 5)"), max_digits=3, decimal_places=2, default=4.8)

    class Meta:
        verbose_name = _("contract settings")
