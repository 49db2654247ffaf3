"""The contract's structured terms in the admin: shown grouped as the PDF has them, and edited (while the
contract is a draft) through a form whose fields follow the model's own types, limits and labels. The form
only parses; `contracts.services.contract_terms_update` checks and writes, and its messages land on the
fields they are about."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import fields_for_model
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Category
from portal.money import format_money
from portal.text import join_names

from ..models import Contract

# the terms in the order and groups of the contract
TERM_SECTIONS: list[tuple[Any, list[str]]] = [
    (gettext_lazy("Parties"), ["merchant_legal_name", "merchant_credit_code", "merchant_representative",
                               "merchant_address"]),
    (gettext_lazy("Scope"), ["grade", "categories", "regions", "exclusive"]),
    (gettext_lazy("Fees and commission"), ["technical_service_fee", "advertising_fee_percent",
                                           "revenue_share_percent", "share_adjustments_apply", "franchise_fee",
                                           "liquidated_damages_percent", "liquidated_damages_minimum",
                                           "currency"]),
    (gettext_lazy("Settlement and deposit"), ["settlement_days", "deposit_amount", "deposit_top_up_days",
                                              "deposit_refund_working_days"]),
    (gettext_lazy("Term"), ["strategic", "min_annual_marketing", "term_months", "starts_on", "ends_on",
                            "launch_offer"]),
]
# set by the lifecycle at countersigning, never edited
_FIXED_TERMS = {"starts_on", "ends_on", "launch_offer"}
EDITABLE_TERMS = [name for _heading, names in TERM_SECTIONS for name in names if name not in _FIXED_TERMS]
MONEY_TERMS = {"technical_service_fee", "franchise_fee", "liquidated_damages_minimum", "deposit_amount",
               "min_annual_marketing"}
PERCENT_TERMS = {"advertising_fee_percent", "revenue_share_percent", "liquidated_damages_percent"}


def _label(name: str) -> str:
    label = str(Contract._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def term_display(contract: Contract, name: str) -> str:
    """One term as the contract states it, in the viewer's language ("—" when not set)."""
    value = getattr(contract, name)
    if name == "categories":
        return join_names(c.name for c in contract.categories.all()) or "—"
    if name == "regions":
        return join_names(value) if value else _("Nationwide")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if value is None or value == "":
        return "—"
    if name in MONEY_TERMS:
        return format_money(value, contract.currency)
    if name in PERCENT_TERMS:
        return f"{number_format(value)}%"
    if name == "grade":
        return contract.get_grade_display()
    if isinstance(value, Decimal | int):
        return number_format(value)
    if hasattr(value, "isoformat"):
        from django.utils.formats import date_format

        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def term_sections(contract: Contract) -> list[dict]:
    return [{"title": title, "rows": [{"name": name, "label": _label(name), "value": term_display(contract, name)}
                                      for name in names]}
            for title, names in TERM_SECTIONS]


class RegionsField(forms.CharField):
    """Sales regions, one per line (or separated by commas); empty means nationwide."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        parts = [part.strip() for line in text.splitlines() for part in line.replace("，", ",").split(",")]
        return [part for part in parts if part]


class TermsForm(forms.Form):
    """Every editable term with the model field's type, limits and label."""

    def __init__(self, *args, contract: Contract, **kwargs):
        initial = {name: getattr(contract, name) for name in EDITABLE_TERMS if name != "categories"}
        initial["categories"] = list(contract.categories.values_list("pk", flat=True))
        super().__init__(*args, initial=initial, **kwargs)
        self.fields.update(fields_for_model(Contract, fields=EDITABLE_TERMS))
        self.fields["regions"] = RegionsField(label=_label("regions"), required=False,
                                              help_text=Contract._meta.get_field("regions").help_text)
        self.fields["categories"] = forms.ModelMultipleChoiceField(
            label=_label("categories"), queryset=Category.objects.all(), required=False,
            widget=forms.CheckboxSelectMultiple)
        for name, field in self.fields.items():
            if name in EDITABLE_TERMS:
                field.label = _label(name)
            if name not in ("categories", "regions"):
                # the model's own limits (0–100 for a percentage, not negative for money) on the form too
                field.validators = [*field.validators, *Contract._meta.get_field(name)._validators]
        self.order_fields(EDITABLE_TERMS)

    def sections(self) -> list[dict]:
        return [{"title": title, "fields": [self[name] for name in names if name in self.fields]}
                for title, names in TERM_SECTIONS]

    def terms(self) -> dict[str, Any]:
        """The cleaned terms as `contract_terms_update` takes them (categories as ids)."""
        data = dict(self.cleaned_data)
        data["categories"] = [c.pk for c in data.get("categories") or []]
        return data

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's messages on the fields they name (the others above the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields and field != NON_FIELD_ERRORS else None, messages)


class LadderBandForm(forms.Form):
    min_gmv = forms.DecimalField(label=gettext_lazy("From previous-period GMV"), min_value=0, max_digits=16,
                                 decimal_places=2)
    rate_percent = forms.DecimalField(label=gettext_lazy("Rate (%)"), min_value=0, max_value=100, max_digits=5,
                                      decimal_places=2)


LadderFormSet = forms.formset_factory(LadderBandForm, extra=2, can_delete=True, max_num=20, validate_max=True)


def ladder_bands_from(formset) -> list[dict]:
    return sorted(
        ({"min_gmv": f.cleaned_data["min_gmv"], "rate_percent": f.cleaned_data["rate_percent"]}
         for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")),
        key=lambda band: band["min_gmv"])


def ladder_labels() -> dict[str, str]:
    return {name: str(field.label) for name, field in LadderBandForm.base_fields.items()}
