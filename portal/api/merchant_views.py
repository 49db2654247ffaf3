"""The merchant's own API tokens, under /<language>/portal/api-tokens/: an owner makes a read-only token (shown once,
on the page that made it) and revokes it; other members see the list and who may change it. Every query is scoped
to `request.merchant`: another organisation's token answers 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts.decorators import verified_merchant_required
from portal.accounts.permissions import Capability, membership_can, refusal_message
from portal.exceptions import ApplicationError, error_messages
from portal.models import ApiToken

from .services import api_token_revoke, merchant_token_create


class MerchantTokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           help_text=gettext_lazy("What reads with it, such as “Our ERP”."))


@require_http_methods(["GET", "POST"])
@verified_merchant_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    can_manage = membership_can(request.membership, Capability.MANAGE_API_TOKENS)
    form = MerchantTokenForm(request.POST or None) if can_manage else None
    made = token = None
    status = 200
    if request.method == "POST":
        if form is None:
            messages.error(request, refusal_message(Capability.MANAGE_API_TOKENS))
            return redirect("portal:api_tokens")
        if form.is_valid():
            try:
                made, token = merchant_token_create(merchant=request.merchant, name=form.cleaned_data["name"],
                                                    actor=request.user)
            except ApplicationError as error:
                form.add_error(None, error_messages(error))
                status = 400
            else:
                form = MerchantTokenForm()
        else:
            status = 400
    response = render(request, "portal/api_tokens.html", {
        "merchant": request.merchant, "can_manage": can_manage, "form": form, "made": made, "token": token,
        "tokens": ApiToken.objects.filter(merchant=request.merchant).select_related("created_by", "revoked_by"),
        "refusal": refusal_message(Capability.MANAGE_API_TOKENS),
    }, status=status)
    response["Cache-Control"] = "no-store"  # a new token shows once
    return response


@require_POST
@verified_merchant_required
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=token_id, merchant=request.merchant).first()
    if token is None:
        raise Http404
    try:
        api_token_revoke(token=token, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return redirect("portal:api_tokens")
