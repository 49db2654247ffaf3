"""The Wagtail admin's sign-in form with a translated password label.

Wagtail's `LoginForm` declares its password field without a label, so Django falls back to the English
field name ("Password") in every language. `WAGTAILADMIN_USER_LOGIN_FORM` points here.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm


class AdminLoginForm(LoginForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("Password")
