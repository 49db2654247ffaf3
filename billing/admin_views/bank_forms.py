"""Finance's forms for bank transfers: record a receipt, reject a recorded one, upload a bank statement."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Merchant
from portal.uploads import upload_limits, upload_validate

from ..models import Invoice, Payment
from ..selectors.bank import payment_by_reference

PURPOSES = [("deposit", gettext_lazy("Deposit or top-up")), ("invoice", gettext_lazy("Invoice"))]


def receipt_validate(file: Any) -> None:
    """A bank receipt is a PDF, JPEG or PNG (by its content, not its name) within the upload limits."""
    max_bytes, max_pixels = upload_limits()
    upload_validate(file, max_bytes=max_bytes, max_pixels=max_pixels)


class ReceiptForm(forms.Form):
    """A transfer found on our bank account: for the payment whose reference the remark gives, or for a merchant
    and what it pays when the remark has none."""

    reference = forms.CharField(label=gettext_lazy("Payment reference (from the remark)"), max_length=20,
                                required=False, help_text=gettext_lazy("ZS-XXXX-XXXX, as the merchant wrote it."))
    merchant = forms.ModelChoiceField(label=gettext_lazy("Merchant"), queryset=Merchant.objects.order_by("name"),
                                      required=False,
                                      help_text=gettext_lazy("Only when the remark has no reference."))
    purpose = forms.ChoiceField(label=gettext_lazy("Pays for"), choices=PURPOSES, required=False,
                                initial="deposit")
    invoice_number = forms.CharField(label=gettext_lazy("Invoice number"), max_length=30, required=False,
                                     help_text=gettext_lazy("When the transfer pays an invoice."))
    amount = forms.DecimalField(label=gettext_lazy("Amount received"), max_digits=14, decimal_places=2,
                                min_value=Decimal("0.01"))
    received_on = forms.DateField(label=gettext_lazy("Received on"),
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    bank_reference = forms.CharField(label=gettext_lazy("Bank transaction reference [流水号]"), max_length=100,
                                     help_text=gettext_lazy("From our bank statement; a transaction is recorded "
                                                            "once."))
    payer_name = forms.CharField(label=gettext_lazy("Payer (as on the statement)"), max_length=200)
    receipt = forms.FileField(label=gettext_lazy("Bank receipt (PDF, JPEG or PNG)"), required=False)
    line = forms.IntegerField(widget=forms.HiddenInput, required=False)
    partial = forms.BooleanField(label=gettext_lazy("Partial payment: record the amount received, the rest stays "
                                                    "due"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
        self.payment: Payment | None = None
        self.invoice: Invoice | None = None

    def clean_reference(self) -> str:
        return (self.cleaned_data.get("reference") or "").strip().upper()

    def clean_receipt(self):
        receipt = self.cleaned_data.get("receipt")
        if receipt:
            receipt_validate(receipt)
        return receipt

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise ValidationError(_("The transfer cannot have been received in the future."))
        return value

    def clean(self):
        data = super().clean()
        reference = data.get("reference")
        if reference:
            self.payment = payment_by_reference(reference=reference)
            if self.payment is None:
                self.add_error("reference", _("No payment has the reference %(ref)s. Check the remark, or leave "
                                              "the reference empty and choose the merchant.") % {"ref": reference})
            return data
        merchant = data.get("merchant")
        if merchant is None:
            self.add_error("merchant", _("Enter the payment's reference, or choose the merchant."))
            return data
        if data.get("purpose") == "invoice":
            number = (data.get("invoice_number") or "").strip()
            self.invoice = Invoice.objects.filter(merchant=merchant, number=number).first() if number else None
            if self.invoice is None:
                self.add_error("invoice_number", _("%(merchant)s has no invoice %(number)s.")
                               % {"merchant": merchant.name, "number": number or "—"})
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why is the recorded transfer rejected?"), max_length=500,
                             help_text=gettext_lazy("The merchant receives this reason by email."),
                             widget=forms.Textarea(attrs={"rows": 2}))


class StatementUploadForm(forms.Form):
    """The statement file, and (only when the bank names its columns differently) the headers to read."""

    file = forms.FileField(label=gettext_lazy("Bank statement (CSV or XLSX)"),
                           help_text=gettext_lazy("The statement of our account as the bank exports it: one row per "
                                                  "transaction, with a header row."))
    col_booked_on = forms.CharField(label=gettext_lazy("Date column"), max_length=60, required=False)
    col_amount = forms.CharField(label=gettext_lazy("Amount column (credits)"), max_length=60, required=False)
    col_currency = forms.CharField(label=gettext_lazy("Currency column"), max_length=60, required=False)
    col_payer_name = forms.CharField(label=gettext_lazy("Payer column"), max_length=60, required=False)
    col_remark = forms.CharField(label=gettext_lazy("Remark [附言] column"), max_length=60, required=False)
    col_bank_reference = forms.CharField(label=gettext_lazy("Bank transaction reference column"), max_length=60,
                                         required=False)

    def clean_file(self):
        file = self.cleaned_data["file"]
        max_bytes, _pixels = upload_limits()
        if file.size > max_bytes:
            from django.template.defaultfilters import filesizeformat

            raise ValidationError(_("“%(name)s” is %(size)s; files can be at most %(max)s."),
                                  params={"name": file.name, "size": filesizeformat(file.size),
                                          "max": filesizeformat(max_bytes)})
        return file

    def columns(self) -> dict[str, str]:
        return {name[4:]: value.strip() for name, value in self.cleaned_data.items()
                if name.startswith("col_") and value and value.strip()}

    def column_fields(self):
        return [self[name] for name in self.fields if name.startswith("col_")]
