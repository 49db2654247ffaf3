"""The API clients' tokens in the Wagtail admin (/admin/api-tokens/, in the "Settings" menu): administrators list
every token (clients' and merchants'), make a client token with its scopes (shown once, on the page that made it,
never stored or put in the session) and revoke client tokens. Merchants' tokens are their owners' to revoke."""

from __future__ import annotations

from django import forms
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem

from portal.exceptions import ApplicationError, error_messages
from portal.models import ApiScope, ApiToken
from portal.roles import user_has_any_role

from .services import TOKEN_ADMIN_ROLES, api_client_token_create, api_token_revoke

TEMPLATE = "portal/admin/api/tokens.html"


class ClientTokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           help_text=gettext_lazy("Who uses it, such as “Trading platform (production)”."))
    scopes = forms.MultipleChoiceField(label=gettext_lazy("Scopes"), choices=ApiScope.choices,
                                       widget=forms.CheckboxSelectMultiple)


class _AdminOnly(View):
    def dispatch(self, request, *args, **kwargs):
        if not user_has_any_role(request.user, TOKEN_ADMIN_ROLES):
            return TemplateResponse(request, TEMPLATE, {"page_title": _("API tokens"), "forbidden": True},
                                    status=403)
        return super().dispatch(request, *args, **kwargs)


class TokensView(_AdminOnly):
    def get(self, request):
        return self._page(request, ClientTokenForm())

    def post(self, request):
        form = ClientTokenForm(request.POST)
        if form.is_valid():
            try:
                row, token = api_client_token_create(name=form.cleaned_data["name"],
                                                     scopes=form.cleaned_data["scopes"], actor=request.user)
            except ApplicationError as error:
                form.add_error(None, error_messages(error))
            else:
                return self._page(request, ClientTokenForm(), made=row, token=token)
        return self._page(request, form, status=400)

    def _page(self, request, form, *, made=None, token=None, status=200):
        tokens = ApiToken.objects.select_related("merchant", "created_by", "revoked_by").order_by("-created_at")
        response = TemplateResponse(request, TEMPLATE, {
            "page_title": _("API tokens"), "header_icon": "key", "form": form, "tokens": tokens[:500],
            "made": made, "token": token, "scope_labels": dict(ApiScope.choices)}, status=status)
        # the page with a new token is never cached: the token shows once
        response["Cache-Control"] = "no-store"
        return response


class TokenRevokeView(_AdminOnly):
    def post(self, request, pk: int):
        token = get_object_or_404(ApiToken, pk=pk, kind=ApiToken.Kind.CLIENT)
        try:
            api_token_revoke(token=token, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
        return redirect("api_tokens:list")


@hooks.register("register_admin_urls")
def _api_token_urls():
    from django.urls import include

    return [path("api-tokens/", include(([
        path("", TokensView.as_view(), name="list"),
        path("<int:pk>/revoke/", TokenRevokeView.as_view(), name="revoke"),
    ], "api_tokens")))]


class _TokensMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return user_has_any_role(request.user, TOKEN_ADMIN_ROLES)


@hooks.register("register_settings_menu_item")
def _api_tokens_menu_item():
    return _TokensMenuItem(gettext_lazy("API tokens"), reverse("api_tokens:list"), name="api-tokens",
                           icon_name="key", order=900)
