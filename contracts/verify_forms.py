"""Forms of the public verify page: upload a PDF, or enter a contract number and a SHA-256."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .verification import SHA256_RE


def verify_max_bytes() -> int:
    return int(getattr(settings, "CONTRACT_VERIFY_MAX_MB", 20)) * 1024 * 1024


class VerifyUploadForm(forms.Form):
    file = forms.FileField(label=_("Contract PDF"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # in the request's language, with the limit in force
        self.fields["file"].help_text = _("The PDF as you received it, up to %(mb)s MB.") % {
            "mb": getattr(settings, "CONTRACT_VERIFY_MAX_MB", 20)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > verify_max_bytes():
            raise forms.ValidationError(_("The file is larger than %(mb)s MB: no contract of ours is that big.")
                                        % {"mb": getattr(settings, "CONTRACT_VERIFY_MAX_MB", 20)})
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


class VerifyHashForm(forms.Form):
    number = forms.CharField(label=_("Contract number"), max_length=30)
    sha256 = forms.CharField(label=_("SHA-256 of the file"), max_length=80,
                             help_text=_("64 hexadecimal characters, e.g. from sha256sum or certutil -hashfile."))

    def clean_sha256(self):
        value = self.cleaned_data["sha256"].strip().lower().replace(" ", "")
        if not SHA256_RE.match(value):
            raise forms.ValidationError(_("A SHA-256 is 64 characters of 0–9 and a–f."))
        return value
