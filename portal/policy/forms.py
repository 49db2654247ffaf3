"""The benefits calculator's form (a GET form: the visitor's figures travel in the query string)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.models import Category
from portal.models.policy import CalculatorInput

from .calculator import CalculatorInputs

MAX_AMOUNT = Decimal(10) ** 12  # ¥1 trillion: well past any real firm, short of overflowing a column
MAX_ORDERS = 10**9

_AMOUNT_ERRORS = {
    "invalid": _("Enter an amount in yuan using digits only, for example 1200000."),
    "min_value": _("Enter zero or a positive amount."),
    "max_value": _("Enter an amount up to 1,000,000,000,000 (one trillion)."),
    "max_decimal_places": _("Enter at most 2 decimal places (fen)."),
}


class AmountField(forms.DecimalField):
    """An amount in yuan: thousands separators, spaces and a leading ¥ are accepted; empty means 0."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", MAX_AMOUNT)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("error_messages", _AMOUNT_ERRORS)
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().lstrip("¥￥").replace(",", "").replace("，", "").replace(" ", "")
        if value in self.empty_values:
            return Decimal(0)
        return super().to_python(value)


class CountField(forms.IntegerField):
    """A whole number of things; thousands separators accepted; empty means 0."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_ORDERS)
        kwargs.setdefault("error_messages", {
            "invalid": _("Enter a whole number of orders using digits only, for example 1200000."),
            "min_value": _("Enter zero or a positive number of orders."),
            "max_value": _("Enter at most 1,000,000,000 orders a year."),
        })
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "numeric")

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "").replace("，", "").replace(" ", "")
        if value in self.empty_values:
            return 0
        return super().to_python(value)


class BenefitsCalculatorForm(forms.Form):
    """The visitor's figures. Bad input gives field errors; `to_inputs()` needs a valid form."""

    category = forms.ModelChoiceField(
        label=_("Main category"), queryset=Category.objects.none(), required=False,
        empty_label=_("Any or not decided"),
        error_messages={"invalid_choice": _("Choose one of the listed categories.")},
    )
    annual_revenue = AmountField(label=CalculatorInput.ANNUAL_REVENUE.label)
    local_tax_contribution = AmountField(label=CalculatorInput.LOCAL_TAX.label)
    annual_rent = AmountField(label=CalculatorInput.ANNUAL_RENT.label,
                              help_text=_("Leave empty if you will not rent physical space."))
    renovation_investment = AmountField(label=CalculatorInput.RENOVATION.label)
    equipment_investment = AmountField(label=CalculatorInput.EQUIPMENT.label)
    cold_chain_investment = AmountField(label=CalculatorInput.COLD_CHAIN.label)
    orders_per_year = CountField(label=CalculatorInput.ORDERS.label)
    training_fees = AmountField(label=CalculatorInput.TRAINING_FEES.label)
    designated_logistics = forms.BooleanField(label=_("We will ship with the designated logistics provider"),
                                              required=False)
    heavy_asset = forms.BooleanField(label=_("Heavy-asset project (such as a live-streaming base or a smart "
                                             "warehouse)"), required=False)
    cross_border = forms.BooleanField(label=_("We sell cross-border"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True).order_by("sort_order", "code")

    def to_inputs(self) -> CalculatorInputs:
        if not self.is_valid():
            raise ValidationError(_("Correct the figures marked below."))
        data = self.cleaned_data
        return CalculatorInputs(
            category=data["category"],
            annual_revenue=data["annual_revenue"],
            local_tax_contribution=data["local_tax_contribution"],
            annual_rent=data["annual_rent"],
            renovation_investment=data["renovation_investment"],
            equipment_investment=data["equipment_investment"],
            cold_chain_investment=data["cold_chain_investment"],
            orders_per_year=data["orders_per_year"],
            training_fees=data["training_fees"],
            designated_logistics=data["designated_logistics"],
            heavy_asset=data["heavy_asset"],
            cross_border=data["cross_border"],
        )
