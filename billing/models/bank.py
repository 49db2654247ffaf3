from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.fields import SM4EncryptedCharField
from portal.models import Merchant

from ._storage import private_storage

_AMOUNT = {"max_digits": 14, "decimal_places": 2}


class BankAccount(models.Model):
    """A merchant's bank account for refunds (and, next, payouts). The number is stored encrypted (SM4) and shown
    masked; revealing it is a permission (`billing.unmask_bankaccount`) and every reveal is audited."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="bank_accounts")
    holder_name = models.CharField(_("account holder"), max_length=200)
    bank_name = models.CharField(_("bank"), max_length=200)
    branch = models.CharField(_("branch"), max_length=200, blank=True)
    account_number = SM4EncryptedCharField(_("account number"), max_length=64)
    last4 = models.CharField(max_length=4, editable=False)
    is_default = models.BooleanField(_("use for refunds and payouts"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        permissions = [("unmask_bankaccount", "Can reveal full bank account numbers")]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.masked_number}"

    def save(self, *args, **kwargs):
        digits = "".join(ch for ch in (self.account_number or "") if ch.isalnum())
        self.last4 = digits[-4:]
        if kwargs.get("update_fields") is not None and "account_number" in kwargs["update_fields"]:
            kwargs["update_fields"] = list({*kwargs["update_fields"], "last4"})
        super().save(*args, **kwargs)

    @property
    def masked_number(self) -> str:
        return f"**** **** {self.last4}" if self.last4 else ""


class BankStatementImport(models.Model):
    """A bank statement file finance uploaded (CSV/XLSX); its rows are matched to payments by reference."""

    file = models.FileField(_("statement file"), upload_to="billing/statements/%Y/%m/", storage=private_storage,
                            max_length=255)
    file_sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rows_total = models.PositiveIntegerField(default=0)
    rows_matched = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    rows_unmatched = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("bank statement import")
        verbose_name_plural = _("bank statement imports")
        ordering = ["-uploaded_at"]


class BankStatementLine(models.Model):
    """One credit line of a bank statement. `fingerprint` (bank reference, or date + amount + payer + remark)
    is unique: the same line in a second file is a duplicate and changes nothing."""

    class Outcome(models.TextChoices):
        MATCHED = "matched", _("Matched")
        UNMATCHED = "unmatched", _("No payment with this reference")
        AMOUNT_MISMATCH = "amount_mismatch", _("Amount differs")
        IGNORED = "ignored", _("Ignored")

    statement = models.ForeignKey(BankStatementImport, on_delete=models.PROTECT, related_name="lines")
    fingerprint = models.CharField(max_length=64, unique=True)
    row_number = models.PositiveIntegerField()
    booked_on = models.DateField(_("booked on"))
    amount = models.DecimalField(_("amount"), **_AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    payer_name = models.CharField(_("payer"), max_length=200, blank=True)
    remark = models.CharField(_("remark"), max_length=300, blank=True)
    bank_reference = models.CharField(_("bank transaction reference"), max_length=100, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    payment = models.ForeignKey("billing.Payment", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="statement_lines")

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        ordering = ["statement", "row_number"]
