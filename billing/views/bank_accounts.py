"""The merchant's bank accounts for refunds, under /<language>/portal/billing/bank-accounts/ (operator guide §18).
Owners, admins and finance users add one and correct its holder, bank or branch (another number is another
account); every member who may read statements sees them, masked. The page reads
through `request.merchant`: another merchant's accounts are never listed."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from portal.accounts.decorators import verified_merchant_required
from portal.accounts.permissions import Capability, membership_can, refusal_message
from portal.exceptions import ApplicationError, errors_onto_form

from ..models import BankAccount
from ..services.bank_accounts import bank_account_add, bank_account_update


class BankAccountEditForm(forms.Form):
    holder_name = forms.CharField(label=gettext_lazy("Account holder"), max_length=200,
                                  help_text=gettext_lazy("Your organisation's name as the bank has it."))
    bank_name = forms.CharField(label=gettext_lazy("Bank"), max_length=200)
    branch = forms.CharField(label=gettext_lazy("Branch"), max_length=200, required=False)


class BankAccountForm(BankAccountEditForm):
    account_number = forms.CharField(label=gettext_lazy("Account number"), max_length=64,
                                     widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))
    is_default = forms.BooleanField(label=gettext_lazy("Use it for refunds"), required=False, initial=True)


@require_http_methods(["GET", "POST"])
@verified_merchant_required
def bank_accounts(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    can_read = membership_can(membership, Capability.READ_STATEMENTS)
    can_add = membership_can(membership, Capability.PAY)
    if not can_read:
        return render(request, "billing/deposit/bank_accounts.html", {
            "refusal": refusal_message(Capability.READ_STATEMENTS), "accounts": [], "form": None}, status=403)
    form = BankAccountForm()
    status = 200
    if request.method == "POST":
        if not can_add:
            messages.error(request, refusal_message(Capability.PAY))
            return redirect("billing:bank_accounts")
        form = BankAccountForm(request.POST)
        if form.is_valid():
            try:
                account = bank_account_add(merchant=request.merchant, actor=request.user,
                                           ip_address=request.META.get("REMOTE_ADDR") or None, **form.cleaned_data)
            except (ValidationError, ApplicationError) as error:
                errors_onto_form(form, error)
            else:
                messages.success(request, _("Bank account %(number)s added.") % {"number": account.masked_number})
                return redirect("billing:bank_accounts")
        status = 400
    accounts = list(BankAccount.objects.filter(merchant=request.merchant).order_by("-is_default", "-created_at"))
    return render(request, "billing/deposit/bank_accounts.html", {
        "accounts": accounts, "form": form if can_add else None, "can_add": can_add}, status=status)


@require_http_methods(["GET", "POST"])
@verified_merchant_required
def bank_account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the holder, bank or branch of one of the merchant's own accounts (another merchant's: 404)."""
    account = get_object_or_404(BankAccount, pk=pk, merchant=request.merchant)
    if not membership_can(request.membership, Capability.PAY):
        return render(request, "billing/deposit/bank_accounts.html", {
            "refusal": refusal_message(Capability.PAY), "accounts": [], "form": None}, status=403)
    initial = {"holder_name": account.holder_name, "bank_name": account.bank_name, "branch": account.branch}
    form = BankAccountEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                bank_account_update(bank_account=account, actor=request.user,
                                    ip_address=request.META.get("REMOTE_ADDR") or None, **form.cleaned_data)
            except (ValidationError, ApplicationError) as error:
                errors_onto_form(form, error)
            else:
                messages.success(request, _("Bank account %(number)s saved.") % {"number": account.masked_number})
                return redirect("billing:bank_accounts")
        status = 400
    return render(request, "billing/deposit/bank_account_edit.html", {"account": account, "form": form},
                  status=status)
