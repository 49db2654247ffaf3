from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


@register_setting(icon="doc-full")
class BillingSettings(BaseGenericSetting):
    """What finance changes in the admin (Settings → Billing settings); operator guide §15. The four-eyes
    thresholds are per action type (BUSINESS_RULES §4.3)."""

    currency = models.CharField(_("currency"), max_length=3, default=settings.DEFAULT_CURRENCY)
    # bank transfers: what the merchant is shown
    payee_name = models.CharField(_("payee (account holder)"), max_length=200, default="招商平台运营有限公司")
    payee_bank = models.CharField(_("bank"), max_length=200, default="中国工商银行上海分行营业部")
    payee_account_number = models.CharField(_("account number"), max_length=64, default="1001 2345 6789 0123 456")
    payee_swift = models.CharField(_("SWIFT/BIC"), max_length=20, blank=True, default="ICBKCNBJSHI")
    transfer_confirm_threshold = models.DecimalField(
        _("bank transfers: a second person confirms above"), max_digits=14, decimal_places=2,
        default=Decimal("50000"), validators=[MinValueValidator(0)],
        help_text=_("A transfer recorded by one finance user above this amount is confirmed by another."))
    deduction_approval_threshold = models.DecimalField(
        _("deductions: finance and management approve above"), max_digits=14, decimal_places=2,
        default=Decimal("50000"), validators=[MinValueValidator(0)])
    refund_approval_threshold = models.DecimalField(
        _("refunds: finance and management approve above"), max_digits=14, decimal_places=2,
        default=Decimal("50000"), validators=[MinValueValidator(0)])
    settlement_approval_threshold = models.DecimalField(
        _("settlement runs: finance and management approve when a statement's adjustments exceed"),
        max_digits=14, decimal_places=2, default=Decimal("50000"), validators=[MinValueValidator(0)],
        help_text=_("Adjustments are a statement's subsidies, fees, deductions, released amounts and corrections of "
                    "settled orders, counted without their sign."))
    top_up_days = models.PositiveSmallIntegerField(_("top-up within (days)"), default=15,
                                                   validators=[MinValueValidator(1), MaxValueValidator(90)])
    top_up_reminder_days = models.CharField(
        _("remind before the top-up deadline (days)"), max_length=50, default="7,3,1",
        help_text=_("Days before the deadline on which the merchant is reminded, comma separated."))
    refund_working_days = models.PositiveSmallIntegerField(
        _("deposit refund within (working days)"), default=30,
        help_text=_("Counted on the PRC working-day calendar from the day the contract ends."))
    statement_respond_days = models.PositiveSmallIntegerField(
        _("statements: confirm or dispute within (days)"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("From the moment a statement is issued; a statement not answered by then counts as confirmed."))
    invoice_due_days = models.PositiveSmallIntegerField(_("invoices due within (days)"), default=15)
    invoice_series = models.CharField(_("invoice number series"), max_length=10, default="INV")
    credit_note_series = models.CharField(_("credit note number series"), max_length=10, default="CN")
    settlement_payout_days = models.PositiveSmallIntegerField(
        _("settlement: payout due (days after the period ends)"), default=15,
        validators=[MinValueValidator(0), MaxValueValidator(90)],
        help_text=_("The run's payout day; each statement follows its contract's own settlement days."))
    settlement_chunk_size = models.PositiveIntegerField(
        _("settlement: merchants per chunk"), default=500, validators=[MinValueValidator(1), MaxValueValidator(5000)],
        help_text=_("A run is built in chunks of this many merchants, one transaction each, shared by the workers."))
    settlement_late_days = models.PositiveSmallIntegerField(
        _("settlement: order lines reported late are taken up to (days)"), default=35,
        validators=[MaxValueValidator(366)],
        help_text=_("An order line not yet settled whose settleable day is at most this many days before the "
                    "period is settled with the period."))
    reconcile_after_minutes = models.PositiveSmallIntegerField(
        _("read back payments still pending after (minutes)"), default=5,
        help_text=_("A payment or refund Stripe has not confirmed by webhook is read back from Stripe."))

    class Meta:
        verbose_name = _("billing settings")
