"""The applicant's forms: one per wizard step, the document upload, the answer to an information request
and the withdrawal.

Forms only parse and check input; they never save. The views hand `cleaned_data` to `onboarding.services`,
which owns every write (and re-checks what matters). Each step form works on a copy of the application, so an
invalid POST leaves the view's object as it was read.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import Category, PolicyItem, PortalSettings

from .models import Application, CooperationMode, DocumentType, WizardStep
from .validators import credit_code_normalize, validate_credit_code
from .wizard import form_fields

YES_NO_UNANSWERED = (
    ("unknown", _("Not answered")),
    ("true", _("Yes")),
    ("false", _("No")),
)


class YesNoSelect(forms.NullBooleanSelect):
    """A yes/no question that may stay unanswered while the draft is being filled in."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = list(YES_NO_UNANSWERED)


class StepForm(forms.ModelForm):
    """The fields of one wizard step. Subclasses set `step` and `Meta.fields`."""

    step: str = ""

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        self.application = application
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, instance=copy.copy(application), **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.NullBooleanField):
                field.widget = YesNoSelect()
            field.widget.attrs.setdefault("id", f"id_{name}")

    def step_data(self) -> dict[str, Any]:
        """What the service saves for this step: the cleaned value of each field."""
        return {name: self.cleaned_data.get(name) for name in self.fields}


class CompanyForm(StepForm):
    step = WizardStep.COMPANY

    # wider than the stored 18 characters so that a code typed with spaces reaches the validator, which
    # explains what is wrong with it
    credit_code = forms.CharField(
        label=capfirst(Application._meta.get_field("credit_code").verbose_name), max_length=40, required=False,
        help_text=_("The 18-character code on the business licence, e.g. 91350100M000100Y43."),
        validators=[validate_credit_code],
    )

    class Meta:
        model = Application
        fields = form_fields(WizardStep.COMPANY)
        help_texts = {
            "company_name": _("As on the business licence."),
            "legal_representative": _("The legal representative [法定代表人] named on the business licence."),
        }

    def clean_credit_code(self) -> str:
        return credit_code_normalize(self.cleaned_data.get("credit_code", ""))


_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,28}$")


class ContactsForm(StepForm):
    step = WizardStep.CONTACTS

    class Meta:
        model = Application
        fields = form_fields(WizardStep.CONTACTS)
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"address": _("The registered or operating address, with province and city.")}

    def clean_contact_phone(self) -> str:
        phone = " ".join(self.cleaned_data.get("contact_phone", "").split())
        if phone and not _PHONE_RE.match(phone):
            raise ValidationError(_("Enter a phone number with digits only (a leading + and spaces or dashes are "
                                    "fine), for example 138 0013 8000 or +86 21 5555 0000."), code="phone")
        return phone


class CrossBorderField(forms.TypedChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=[("false", _("Domestic only")), ("true", _("Cross-border (import or export)"))],
            coerce=lambda value: value == "true", empty_value=None, required=False,
            widget=forms.RadioSelect, **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        if value is True:
            return "true"
        if value is False:
            return "false"
        return value


class CategoriesForm(StepForm):
    """Main and other categories, cooperation mode and cross-border; the brands come in `BrandFormSet`."""

    step = WizardStep.CATEGORIES

    cross_border = CrossBorderField(label=capfirst(Application._meta.get_field("cross_border").verbose_name))

    class Meta:
        model = Application
        fields = form_fields(WizardStep.CATEGORIES)
        widgets = {
            "other_categories": forms.CheckboxSelectMultiple,
            "cooperation_mode": forms.RadioSelect,
        }
        help_texts = {
            "main_category": _("The category most of your sales come from; it decides which team reviews you."),
            "other_categories": _("Any further categories you want to sell in."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        active = Category.objects.filter(is_active=True).order_by("sort_order", "code")
        self.fields["main_category"].queryset = active
        self.fields["other_categories"].queryset = active
        self.fields["cooperation_mode"].choices = list(CooperationMode.choices)
        self.fields["cooperation_mode"].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        main = cleaned.get("main_category")
        others = cleaned.get("other_categories")
        if main is not None and others is not None:
            cleaned["other_categories"] = [c for c in others if c.pk != main.pk]
        return cleaned


class BrandForm(forms.Form):
    name = forms.CharField(label=_("Brand"), max_length=100, required=False)
    ownership = forms.ChoiceField(
        label=_("Ownership"), required=False,
        choices=[("", _("Choose…")), ("own", _("Own brand")), ("authorised", _("Authorised to sell"))],
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        name = " ".join((cleaned.get("name") or "").split())
        cleaned["name"] = name
        if name and not cleaned.get("ownership"):
            self.add_error("ownership", _("Say whether %(brand)s is your own brand or authorised to you.")
                           % {"brand": name})
        return cleaned


class BaseBrandFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[str] = set()
        for form in self.forms:
            name = form.cleaned_data.get("name", "")
            if not name or form.cleaned_data.get("DELETE"):
                continue
            if name.casefold() in seen:
                raise ValidationError(_("%(brand)s is listed twice.") % {"brand": name}, code="duplicate_brand")
            seen.add(name.casefold())

    def brands(self) -> list[dict[str, str]]:
        """The brands as stored on the application: `[{"name": …, "ownership": "own" | "authorised"}]`."""
        return [
            {"name": form.cleaned_data["name"], "ownership": form.cleaned_data["ownership"]}
            for form in self.forms
            if form.cleaned_data.get("name") and not form.cleaned_data.get("DELETE")
        ]


BrandFormSet = forms.formset_factory(BrandForm, formset=BaseBrandFormSet, extra=2, max_num=50, validate_max=True,
                                     can_delete=True)


def brand_formset(*, application: Application, data: Any = None) -> BaseBrandFormSet:
    initial = [
        {"name": b.get("name", ""), "ownership": b.get("ownership", "")}
        for b in (application.brands or []) if isinstance(b, dict)
    ]
    return BrandFormSet(data=data, initial=initial, prefix="brands")


class ScreeningForm(StepForm):
    step = WizardStep.SCREENING

    class Meta:
        model = Application
        fields = form_fields(WizardStep.SCREENING)
        help_texts = {
            "monthly_gmv": _("Average of the last six months, in yuan."),
            "marketing_commitment": _("What you plan to spend on marketing on the platform each year, in yuan."),
            "term_years": _("How many years you intend to cooperate."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # ranges come from the model's validators; these only catch typing slips the model allows
        self.fields["years_trading"].validators.append(MaxValueValidator(500))
        self.fields["term_years"].validators.append(MaxValueValidator(99))


class CapabilityForm(StepForm):
    step = WizardStep.CAPABILITY

    class Meta:
        model = Application
        fields = form_fields(WizardStep.CAPABILITY)
        help_texts = {
            "peak_capacity_multiple": _("Your peak daily output as a multiple of a normal day, e.g. 3."),
            "erp_integration": _("Whether your ERP can exchange orders and stock with the platform."),
        }


class PolicyItemChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: PolicyItem) -> str:
        return obj.name


class PoliciesForm(StepForm):
    step = WizardStep.POLICIES

    wanted_policy_items = PolicyItemChoiceField(
        label=_("Policies you are interested in"), required=False, widget=forms.CheckboxSelectMultiple,
        queryset=PolicyItem.objects.none(),
        help_text=_("Tick the support you would like to apply for; this does not commit you to anything."),
    )

    class Meta:
        model = Application
        fields = form_fields(WizardStep.POLICIES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wanted_policy_items"].queryset = PolicyItem.objects.filter(is_published=True).order_by(
            "block", "sort_order", "code")
        # a draft may hold an item that has since been unpublished: keep showing it ticked rather than
        # dropping it without a word
        chosen = list(self.application.wanted_policy_items.values_list("pk", flat=True)) if self.application.pk else []
        if chosen:
            self.fields["wanted_policy_items"].queryset = PolicyItem.objects.filter(
                pk__in=set(chosen) | set(self.fields["wanted_policy_items"].queryset.values_list("pk", flat=True))
            ).order_by("block", "sort_order", "code")


STEP_FORMS: dict[str, type[StepForm]] = {
    WizardStep.COMPANY: CompanyForm,
    WizardStep.CONTACTS: ContactsForm,
    WizardStep.CATEGORIES: CategoriesForm,
    WizardStep.SCREENING: ScreeningForm,
    WizardStep.CAPABILITY: CapabilityForm,
    WizardStep.POLICIES: PoliciesForm,
}


# --------------------------------------------------------------------------------------------- documents


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more uploaded files. Their content is checked by `onboarding.services.document_add` (through
    `upload_validate`) before anything is stored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={
            "accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if not files:
            raise ValidationError(_("Choose at least one file."), code="required")
        single = super().clean
        return [single(f, initial) for f in files]


class DocumentForm(forms.Form):
    """One qualification document: its details and one or more files (PDF, JPEG or PNG). The service checks
    the files' content, the number and the dates; its messages come back onto these fields."""

    document_type = forms.ModelChoiceField(label=pgettext_lazy("qualification documents", "Document"),
                                           queryset=DocumentType.objects.none(),
                                           widget=forms.HiddenInput)
    number = forms.CharField(label=_("Number"), max_length=100, required=False,
                             help_text=_("The certificate or licence number."))
    issuer = forms.CharField(label=_("Issuer"), max_length=200, required=False,
                             help_text=_("The authority or company that issued it."))
    issued_on = forms.DateField(label=_("Issued on"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    expires_on = forms.DateField(label=_("Expires on"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                 help_text=_("Leave empty if it never expires."))
    files = MultipleFileField(label=_("Files"))

    def __init__(self, *args: Any, document_type: DocumentType, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_doc{document_type.pk}_%s")
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("initial", {"document_type": document_type.pk})
        super().__init__(*args, **kwargs)
        self.document_type = document_type
        self.fields["document_type"].queryset = DocumentType.objects.filter(pk=document_type.pk)
        self.fields["files"].help_text = _(
            "PDF, JPEG or PNG, at most %(mb)s MB each; you can choose several files at once."
        ) % {"mb": PortalSettings.load().upload_max_mb}
        if not document_type.has_number:
            del self.fields["number"]
        if not document_type.has_expiry:
            del self.fields["expires_on"]


# ------------------------------------------------------------------------------------- answers, withdrawal


class InfoResponseForm(forms.Form):
    """The applicant's note to the reviewers when resubmitting after an information request."""

    response = forms.CharField(
        label=_("Your answer to the recruitment team"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Explain what you changed; the fields and documents themselves are edited on their steps."),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why are you withdrawing? (optional)"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(
        label=_("Yes, withdraw this application. This cannot be undone; you can start a new one later."),
        required=True, error_messages={"required": _("Tick the box to confirm the withdrawal.")},
    )
