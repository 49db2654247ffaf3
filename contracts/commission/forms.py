"""Forms of the commission staff page: the "what rate would apply" tool and an override proposal."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import CommissionOverride
from portal.models import MerchantGrade


class WhatRateForm(forms.Form):
    """Which rate would apply to the contract in a category, with a previous-period GMV, on a day."""

    category = forms.ModelChoiceField(label=_("Category"), queryset=None, empty_label=None)
    period_gmv = forms.DecimalField(label=_("Previous period's GMV"), min_value=Decimal(0), max_digits=16,
                                    decimal_places=2, help_text=_("Chooses the ladder band."))
    on = forms.DateField(label=_("On"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    grade = forms.ChoiceField(label=_("Grade at the period start"), required=False,
                              choices=[("", _("The merchant's grade now")), *MerchantGrade.choices])

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories


class OverrideProposeForm(forms.ModelForm):
    class Meta:
        model = CommissionOverride
        fields = ["category", "rate_percent", "effective_from", "effective_to", "reason"]
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "effective_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        self.fields["category"].empty_label = _("Every category")
