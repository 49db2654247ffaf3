"""The merchants' bank accounts in the admin (namespace `billing_bank_accounts`): masked in the list; staff holding
`billing.unmask_bankaccount` reveal one number with a reason, shown once on the answer page and audited. The full
number is never in a list, an export or a URL."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from portal.exceptions import ApplicationError, errors_onto_form
from portal.roles import Role

from ..models import BankAccount
from ..selectors.timeline import billing_timeline
from ..services.bank_accounts import bank_account_unmask, user_may_unmask
from .deposit_access import DepositStaffRequiredMixin

NAMESPACE = "billing_bank_accounts"


def url(name: str, *args) -> str:
    return reverse(f"{NAMESPACE}:{name}", args=args)


class RevealForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why you need the full number"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))


class _Page(DepositStaffRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    header_icon = "lock"
    # compliance may reveal numbers too (BUSINESS_RULES §1); it reaches these pages only for that
    required_roles = frozenset({Role.FINANCE.value, Role.MANAGEMENT.value, Role.COMPLIANCE.value})


class BankAccountIndexView(_Page):
    template_name = "billing/admin/deposit/bank_account_index.html"
    page_title = gettext_lazy("Merchants' bank accounts")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queryset = BankAccount.objects.select_related("merchant").order_by("merchant__name", "-is_default", "-id")
        merchant = self.request.GET.get("merchant", "")
        if merchant.isdigit():
            queryset = queryset.filter(merchant_id=int(merchant))
        # only the columns a masked list needs: the encrypted number is not even decrypted here
        context.update(accounts=list(queryset.defer("account_number")[:500]))
        return context


class BankAccountDetailView(_Page):
    template_name = "billing/admin/deposit/bank_account_detail.html"

    def get_page_title(self):
        return str(self.account)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": url("index"), "label": gettext_lazy("Merchants' bank accounts")},
                {"url": "", "label": self.get_page_title()}]

    def dispatch(self, request, *args, **kwargs):
        self.account = get_object_or_404(BankAccount.objects.select_related("merchant"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", RevealForm())
        context.update(a=self.account, may_unmask=user_may_unmask(self.request.user),
                       timeline=billing_timeline(target=self.account))
        return context

    def post(self, request, *args, **kwargs):
        form = RevealForm(request.POST)
        revealed = None
        if form.is_valid():
            try:
                revealed = bank_account_unmask(bank_account=self.account, actor=request.user,
                                               reason=form.cleaned_data["reason"],
                                               ip_address=request.META.get("REMOTE_ADDR") or None)
            except (ValidationError, ApplicationError) as error:
                errors_onto_form(form, error)
        response = self.render_to_response(self.get_context_data(form=form, revealed=revealed),
                                           status=200 if revealed else 400)
        response["Cache-Control"] = "private, no-store"
        return response


class BankAccountViewSet(ViewSet):
    name = "billing_bank_accounts"
    url_prefix = "billing/bank-accounts"
    url_namespace = NAMESPACE
    icon = "lock"
    menu_label = gettext_lazy("Merchants' bank accounts")
    add_to_admin_menu = False

    def get_urlpatterns(self):
        return [
            path("", BankAccountIndexView.as_view(), name="index"),
            path("<int:pk>/", BankAccountDetailView.as_view(), name="detail"),
        ]


bank_account_viewset = BankAccountViewSet()
