"""Forms of the account pages. They check input and show errors beside the fields; the services do the work."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordMixin
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from portal.models import Merchant, MerchantMembership, User

from . import selectors


def _language_choices() -> list[tuple[str, str]]:
    """Each language in its own name, so a reader finds theirs whatever the page's language."""
    return [(code, translation.get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class SignupForm(SetPasswordMixin, forms.Form):
    organisation_name = forms.CharField(
        label=_("Organisation name"),
        max_length=200,
        help_text=_("The registered name of your company, as on its business licence."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    kind = forms.ChoiceField(label=_("You are a"), choices=Merchant.Kind.choices, initial=Merchant.Kind.MERCHANT,
                             widget=forms.RadioSelect)
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("We send a link to this address to confirm it. You log in with it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1, password2 = SetPasswordMixin.create_password_fields(label1=_("Password"),
                                                                   label2=_("Password (again)"))
    language = forms.ChoiceField(label=_("Language for our emails"), choices=lambda: _language_choices())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = translation.get_language() or settings.LANGUAGE_CODE

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if selectors.user_by_email(email=email) is not None:
            raise forms.ValidationError(
                _("An account with this email address already exists. Log in or reset your password."),
                code="email_taken",
            )
        return email

    def clean(self):
        cleaned = super().clean()
        self.validate_passwords()
        self.validate_password_for_user(User(email=cleaned.get("email") or ""))
        return cleaned


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form; the address is matched case-insensitively, as it is stored in lower case."""

    def clean_username(self) -> str:
        return (self.cleaned_data.get("username") or "").strip().lower()


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset form, except that the email goes out from a task in the user's own language.

    Whether the address has an account changes nothing the visitor sees: the same page follows either way.
    """

    email = forms.EmailField(label=_("Email address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def save(self, **kwargs) -> None:  # the view passes Django's mail options, which the service does not need
        from .services import password_reset_request

        password_reset_request(email=self.cleaned_data["email"])


def _role_choices(*, with_owner: bool) -> list[tuple[str, str]]:
    return [(value, label) for value, label in MerchantMembership.Role.choices
            if with_owner or value != MerchantMembership.Role.OWNER]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's email address"),
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label=_("Role"), initial=MerchantMembership.Role.OPERATIONS, required=False)

    def __init__(self, *args, can_invite_owner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(with_owner=can_invite_owner)

    def clean_role(self) -> str:
        """No role chosen: the least one, operations."""
        return self.cleaned_data.get("role") or MerchantMembership.Role.OPERATIONS


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MerchantMembership.Role.choices)


class InvitationPasswordForm(SetPasswordMixin, forms.Form):
    """A new account for an invited address: only the password is asked, the address comes from the invitation."""

    password1, password2 = SetPasswordMixin.create_password_fields(label1=_("Password"),
                                                                   label2=_("Password (again)"))

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        self.validate_passwords()
        self.validate_password_for_user(User(email=self.email))
        return cleaned
