"""Forms of the merchant's statement pages: disputing a line and adding evidence. They parse the text fields; the
services in billing.services.disputes check the amount, the files (`request.FILES.getlist("files")`) and the
time, and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class DisputeForm(forms.Form):
    amount = forms.CharField(label=_("Amount in dispute"), max_length=20,
                             help_text=_("What the line got wrong in our favour, e.g. the commission charged too "
                                         "much or a refund that did not happen."),
                             widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    reason = forms.CharField(label=_("What is wrong"), max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 5}))


class EvidenceForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
