"""The merchant's forms: asking for the acceptance code and accepting the contract. They only parse input;
the rules (who may accept, the code, the name) are in `contracts.services.acceptance`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AcceptanceCodeRequestForm(forms.Form):
    """"Send me a code": carries the SHA-256 of the PDF the page showed."""

    pdf_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)


class AcceptanceForm(forms.Form):
    typed_name = forms.CharField(
        label=_("Your full name"), max_length=100,
        help_text=_("As on your account: it stands for your signature."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Type your full name.")})
    code = forms.CharField(
        label=_("Code from the email"), max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9 ]*"}),
        error_messages={"required": _("Enter the six-digit code from the email.")})
    confirm = forms.BooleanField(
        label=_("I have read the whole contract and accept it on behalf of my organisation."),
        error_messages={"required": _("Confirm that you have read the contract and accept it.")})
    pdf_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
