"""The public verify page: anyone may check whether a PDF (or a number and hash) is an intact contract of ours.

No login. Uploads are limited in size and counted per IP address (a fixed window in the cache), so the page cannot
be used to hash files at volume. A bad file is an answer ("not a contract of ours"), never an error page.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .verification import contract_hash_verify, contract_pdf_verify
from .verify_forms import VerifyHashForm, VerifyUploadForm, verify_max_bytes

TEMPLATE = "contracts/verify.html"


def _allowed(request: HttpRequest) -> bool:
    """One more check from this IP address; False past CONTRACT_VERIFY_LIMIT per CONTRACT_VERIFY_WINDOW_SECONDS."""
    ip = request.META.get("REMOTE_ADDR") or "unknown"
    key = "throttle:contract-verify:" + hashlib.sha256(ip.encode()).hexdigest()
    window = int(getattr(settings, "CONTRACT_VERIFY_WINDOW_SECONDS", 600))
    cache.add(key, 0, timeout=window)
    try:
        n = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
        n = 1
    return n <= int(getattr(settings, "CONTRACT_VERIFY_LIMIT", 30))


@require_http_methods(["GET", "POST"])
def contract_verify(request: HttpRequest) -> HttpResponse:
    upload_form, hash_form, result, status, page_error = VerifyUploadForm(), VerifyHashForm(), None, 200, ""
    if request.method == "POST":
        if not _allowed(request):
            return render(request, TEMPLATE, {
                "upload_form": upload_form, "hash_form": hash_form,
                "page_error": _("Too many checks from your network. Please wait a few minutes and try again."),
            }, status=429)
        too_big = int(request.META.get("CONTENT_LENGTH") or 0) > verify_max_bytes() + 64 * 1024
        if too_big:
            page_error = _("The file is larger than %(mb)s MB: no contract of ours is that big.") % {
                "mb": getattr(settings, "CONTRACT_VERIFY_MAX_MB", 20)}
            status = 413
        elif "sha256" in request.POST:
            hash_form = VerifyHashForm(request.POST)
            if hash_form.is_valid():
                result = contract_hash_verify(number=hash_form.cleaned_data["number"],
                                              sha256=hash_form.cleaned_data["sha256"])
            else:
                status = 400
        else:
            upload_form = VerifyUploadForm(request.POST, request.FILES)
            if upload_form.is_valid():
                upload = upload_form.cleaned_data["file"]
                result = contract_pdf_verify(upload.read())
            else:
                status = 400
    return render(request, TEMPLATE, {"upload_form": upload_form, "hash_form": hash_form, "result": result,
                                      "page_error": page_error}, status=status)
