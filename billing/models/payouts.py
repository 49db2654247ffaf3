"""Payouts [打款] of an approved settlement run (BUSINESS_RULES §9, flow steps 3–6).

Finance's approval of a run makes one `Payout` per statement with something to pay (net payable > 0). A payout
file for the bank (`PayoutFile`, one line per payout, CSV or XLSX) takes the payouts still to send; finance marks
them paid with the bank's reference once the bank has paid them, or returned when the bank sent one back (a wrong
account: it goes into the next file with the merchant's account as it then stands). The file's lines keep what was
sent (amount, account), so the reconciliation report can tie statements, the file and the payouts out.

A bank account's number is never copied here: a line keeps the account (a reference to `BankAccount`, whose number
is encrypted) and its last four digits; the full number is read only when a user holding
`billing.unmask_bankaccount` downloads the file.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import Merchant

from .bank import BankAccount
from .settlements import SettlementRun, Statement

_AMOUNT = {"max_digits": 16, "decimal_places": 2}


class PayoutStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("payout", "To send to the bank")
    IN_FILE = "in_file", pgettext_lazy("payout", "Awaiting the bank")
    PAID = "paid", pgettext_lazy("payout", "Paid")
    RETURNED = "returned", pgettext_lazy("payout", "Returned by the bank")


class Payout(models.Model):
    """What one statement pays the merchant. `amount` is the statement's net payable when the run was approved
    (the reconciliation report flags it if the two ever differ)."""

    Status = PayoutStatus
    ALLOWED_TRANSITIONS = {
        PayoutStatus.PENDING: {PayoutStatus.IN_FILE},
        PayoutStatus.IN_FILE: {PayoutStatus.PAID, PayoutStatus.RETURNED},
        PayoutStatus.RETURNED: {PayoutStatus.IN_FILE},
        PayoutStatus.PAID: set(),
    }

    run = models.ForeignKey(SettlementRun, on_delete=models.PROTECT, related_name="payouts")
    statement = models.OneToOneField(Statement, on_delete=models.PROTECT, related_name="payout",
                                     verbose_name=_("statement"))
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+", verbose_name=_("merchant"))
    reference = models.CharField(_("payout reference"), max_length=50, unique=True)
    amount = models.DecimalField(_("amount"), **_AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=20, choices=PayoutStatus.choices,
                              default=PayoutStatus.PENDING)
    # the account of the last file it went into (the merchant's default account then)
    bank_account = models.ForeignKey(BankAccount, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("bank account"))
    last_file = models.ForeignKey("billing.PayoutFile", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("payout file"))
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_at = models.DateTimeField(_("marked paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("marked paid by"))
    returned_reason = models.CharField(_("why the bank returned it"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["run", "merchant_id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="payout_amount_positive")]
        indexes = [models.Index(fields=["run", "status"], name="payout_run_status_idx"),
                   models.Index(fields=["merchant", "-id"], name="payout_merchant_idx")]

    def __str__(self) -> str:
        return self.reference


class PayoutFile(models.Model):
    """One file of payment instructions for the bank: the run's payouts that were still to send when it was made.
    Its lines are fixed; downloading it again (CSV or XLSX) gives the same rows."""

    run = models.ForeignKey(SettlementRun, on_delete=models.PROTECT, related_name="payout_files")
    number = models.PositiveIntegerField(_("file"))
    reference = models.CharField(_("file reference"), max_length=50, unique=True)
    currency = models.CharField(_("currency"), max_length=3)
    payout_count = models.PositiveIntegerField(_("payouts"), default=0)
    total = models.DecimalField(_("total"), default=0, **_AMOUNT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        verbose_name = _("payout file")
        verbose_name_plural = _("payout files")
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="payout_file_once")]

    def __str__(self) -> str:
        return self.reference


class PayoutFileLine(models.Model):
    """One payment instruction of a file: what was sent for one payout and to which account."""

    file = models.ForeignKey(PayoutFile, on_delete=models.PROTECT, related_name="lines")
    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="file_lines")
    amount = models.DecimalField(_("amount"), **_AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="+")
    holder_name = models.CharField(_("account holder"), max_length=200)
    bank_name = models.CharField(_("bank"), max_length=200)
    branch = models.CharField(_("branch"), max_length=200, blank=True)
    last4 = models.CharField(max_length=4)

    class Meta:
        verbose_name = _("payout file line")
        verbose_name_plural = _("payout file lines")
        ordering = ["file", "id"]
        constraints = [models.UniqueConstraint(fields=["file", "payout"], name="payout_file_line_once")]
