"""The forms of the contract actions. They parse and require what the action needs; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput

from ..models import RenewalDecision, TerminationSide


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawForm(ReasonForm):
    """Issued → draft, to revise the terms before the merchant accepts."""


class CancelForm(ReasonForm):
    """The contract will not come about."""


class TerminateForm(forms.Form):
    side = forms.ChoiceField(label=_("Ended by"), choices=TerminationSide.choices, widget=forms.RadioSelect)
    effective_on = forms.DateField(label=_("Takes effect on"), widget=AdminDateInput)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class AmendmentForm(forms.Form):
    summary = forms.CharField(label=_("What the amendment changes"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class RenewalDraftForm(forms.Form):
    summary = forms.CharField(label=_("Note on the renewal"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class RenewalOverrideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=RenewalDecision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason for the override"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("An override needs a reason.")})


class ExportRequestForm(forms.Form):
    """Nothing to fill in: the confirmation of a bulk PDF download."""
