"""Forms of the invoice pages: the merchant's invoice details (title and tax ID) and finance's admin forms (a
price, an invoice from the price list, a credit note, the fapiao). Forms parse and validate input; the services
in billing.services.invoices and .fees decide and write."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Merchant
from portal.money import format_money

from .models import BillingProfile, BillingSettings, FeeType
from .services.fees import PRICE_LIST_FEES, PRICED_ON_DEMAND, fee_price_in_force
from .tax_ids import tax_id_normalize, validate_tax_id


class BillingProfileForm(forms.ModelForm):
    class Meta:
        model = BillingProfile
        fields = ["invoice_title", "tax_id", "address_phone", "bank_details", "email"]
        help_texts = {
            "invoice_title": _("Your organisation's full registered name, as the fapiao [发票] should show it."),
            "tax_id": _("15, 18 or 20 letters and digits; usually your unified social credit code (18)."),
            "address_phone": _("For a special VAT fapiao [增值税专用发票]: registered address and phone."),
            "bank_details": _("For a special VAT fapiao: bank and account number."),
            "email": _("Where the fapiao is sent; empty: your organisation's contact email."),
        }
        widgets = {"tax_id": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                                    "class": "input-code"})}

    def clean_invoice_title(self) -> str:
        title = " ".join(self.cleaned_data["invoice_title"].split())
        if len(title) < 2:
            raise forms.ValidationError(_("Enter the full invoice title."))
        return title

    def clean_tax_id(self) -> str:
        code = tax_id_normalize(self.cleaned_data["tax_id"])
        validate_tax_id(code)
        return code


class PayForm(forms.Form):
    method = forms.ChoiceField(choices=[("stripe", _("Card")), ("bank_transfer", _("Bank transfer"))])


# ---- finance (Wagtail admin)

class FeePriceForm(forms.Form):
    fee_type = forms.ChoiceField(label=_("Fee"), choices=[(f.value, f.label) for f in PRICE_LIST_FEES])
    amount = forms.DecimalField(label=_("Price"), min_value=Decimal("0"), max_digits=14, decimal_places=2)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial=settings.DEFAULT_CURRENCY)
    effective_from = forms.DateField(label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"}),
                                     help_text=_("The price applies from this day on; earlier bills keep theirs."))

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError(_("Enter a three-letter currency code, e.g. CNY."))
        return currency


def priced_fee_choices(*, on=None, currency: str | None = None) -> list[tuple[str, str]]:
    """The value-added services and memberships that have a price today (in the billing currency), labelled
    with it."""
    on = on or timezone.localdate()
    currency = currency or BillingSettings.load().currency
    out = []
    for fee in PRICED_ON_DEMAND:
        price = fee_price_in_force(fee, on=on, currency=currency)
        if price is not None:
            out.append((fee.value, f"{FeeType(fee).label} · {format_money(price.amount, price.currency)}"))
    return out


class InvoiceLineForm(forms.Form):
    fee_type = forms.ChoiceField(label=_("Fee"), required=False)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2,
                                  required=False, initial=1)

    def __init__(self, *args, fee_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fee_type"].choices = [("", "—"), *fee_choices]

    def clean(self):
        data = super().clean()
        if data.get("fee_type") and not data.get("quantity"):
            self.add_error("quantity", _("Enter the quantity."))
        return data


class InvoiceCreateForm(forms.Form):
    merchant = forms.ModelChoiceField(label=_("Merchant"), queryset=Merchant.objects.order_by("name"))
    notes = forms.CharField(label=_("Notes on the invoice"), required=False, max_length=500,
                            widget=forms.Textarea(attrs={"rows": 2}))


class CreditNoteForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount to credit"), min_value=Decimal("0.01"), max_digits=14,
                                decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=300,
                             help_text=_("Printed on the credit note, e.g. the service was not delivered."))


class FapiaoForm(forms.Form):
    number = forms.CharField(label=_("Fapiao number"), max_length=40,
                             help_text=_("8 to 20 digits, as printed on the fapiao."))
    pdf = forms.FileField(label=_("Fapiao PDF"), help_text=_("The PDF of the fapiao, at most 10 MB."))
