"""Forms of the review screens. They parse and check input only; each action view hands the cleaned
data to one service in `onboarding.services`, which re-checks what matters and writes."""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import Squad
from portal.roles import Role

from ..models import DocumentCheckStatus, MerchantGrade, WizardStep
from ..wizard import field_label


def staff_reviewers_queryset():
    """Users who can hold an application: active reviewers and leads."""
    return (get_user_model().objects.filter(is_active=True, groups__name__in=[Role.REVIEWER, Role.LEAD])
            .distinct().order_by("first_name", "last_name", "email"))


class ReviewerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.email


class DocumentCheckForm(forms.Form):
    DECISIONS = [
        (DocumentCheckStatus.ACCEPTED, _("Accept")),
        (DocumentCheckStatus.REJECTED, _("Reject")),
        (DocumentCheckStatus.WAIVED, _("Waive")),
    ]
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Required when rejecting or waiving; the applicant sees it."))

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision in (DocumentCheckStatus.REJECTED, DocumentCheckStatus.WAIVED) and not (
                cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason for rejecting or waiving a document."))
        return cleaned


def info_request_field_choices(*, step_fields: dict[str, list[str]], document_types) -> list:
    """The wizard's fields grouped by step, then the documents (`document:<code>`), for the request form."""
    choices: list = [("", _("Choose a field or document"))]
    for step in WizardStep:
        names = step_fields.get(step.value) or step_fields.get(step) or []
        options = [(name, field_label(name)) for name in names]
        if options:
            choices.append((str(step.label), options))
    documents = [(f"document:{t.code}", t.name) for t in document_types]
    if documents:
        choices.append((str(pgettext_lazy("qualification documents", "Documents")), documents))
    return choices


class InfoRequestItemForm(forms.Form):
    field_name = forms.ChoiceField(label=_("Field or document"), required=False)
    comment = forms.CharField(label=_("Comment for the applicant"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, field_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field_name"].choices = field_choices

    def clean(self):
        cleaned = super().clean()
        field_name, comment = cleaned.get("field_name"), (cleaned.get("comment") or "").strip()
        if field_name and not comment:
            self.add_error("comment", _("Say what is missing or wrong in this field."))
        if comment and not field_name:
            self.add_error("field_name", _("Choose the field or document the comment is about."))
        cleaned["comment"] = comment
        return cleaned


class BaseInfoRequestFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.items():
            raise ValidationError(_("Add at least one field or document with a comment."))

    def items(self) -> list[dict]:
        return [
            {"field_name": f.cleaned_data["field_name"], "comment": f.cleaned_data["comment"]}
            for f in self.forms
            if getattr(f, "cleaned_data", None) and f.cleaned_data.get("field_name")
        ]


InfoRequestFormSet = forms.formset_factory(InfoRequestItemForm, formset=BaseInfoRequestFormSet, extra=3,
                                           max_num=30, absolute_max=30)


class InfoRequestMessageForm(forms.Form):
    message = forms.CharField(label=_("Message to the applicant"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ComplianceSignoffForm(forms.Form):
    note = forms.CharField(label=_("Compliance note"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Licences checked against the public register (source and date), "
                                       "declarations, non-standard clauses."))


class ApproveForm(forms.Form):
    grade = forms.ChoiceField(label=_("Merchant grade"), choices=MerchantGrade.choices)
    deposit_amount = forms.DecimalField(label=_("Deposit"), min_value=Decimal("0"), max_digits=14,
                                        decimal_places=2)
    override_reason = forms.CharField(
        label=_("Reason for a different deposit"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the deposit differs from the grade's default."),
    )
    reasons = forms.CharField(label=_("Decision notes for the applicant"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, default_deposits: dict[str, Decimal] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_deposits = default_deposits or {}
        # approve.js sets the deposit to the chosen grade's default until the lead edits it by hand
        self.fields["grade"].widget.attrs["data-default-deposits"] = json.dumps(
            {grade: str(amount) for grade, amount in self.default_deposits.items()})
        self.fields["deposit_amount"].widget.attrs["data-deposit-follows-grade"] = ""

    def clean(self):
        cleaned = super().clean()
        grade, deposit = cleaned.get("grade"), cleaned.get("deposit_amount")
        default = self.default_deposits.get(grade)
        if default is not None and deposit is not None and deposit != default and not (
                cleaned.get("override_reason") or "").strip():
            self.add_error("override_reason",
                           _("The deposit differs from the grade's default (%(default)s): give a reason.")
                           % {"default": default})
        return cleaned


class RejectForm(forms.Form):
    reasons = forms.CharField(label=_("Reasons for the rejection"), max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("The applicant sees these reasons."))

    def __init__(self, *args, **kwargs):
        # the approve form on the same page has a "reasons" field too: distinct ids keep each label on its field
        kwargs.setdefault("auto_id", "id_reject_%s")
        super().__init__(*args, **kwargs)

    def clean_reasons(self):
        reasons = self.cleaned_data["reasons"].strip()
        if not reasons:
            raise ValidationError(_("Give the reasons for the rejection."))
        return reasons


class ReassignForm(forms.Form):
    reviewer = ReviewerChoiceField(label=_("Reviewer"), queryset=staff_reviewers_queryset())
    squad = forms.ModelChoiceField(label=_("Squad"), queryset=Squad.objects.all(), required=False,
                                   help_text=_("Leave empty to keep the current squad."))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class BulkAssignForm(forms.Form):
    reviewer = ReviewerChoiceField(label=_("Reviewer"), queryset=staff_reviewers_queryset())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
