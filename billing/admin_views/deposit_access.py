"""Who opens the deposit screens of the admin (deposit table, deductions, refunds, bank accounts): finance and
management (the approvers of money actions); everyone else gets 403 before any work. Each service checks again
who may do what (the maker never approves)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.views.generic import View
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem

from portal.exceptions import ApplicationError, error_messages
from portal.roles import Role, RoleRequiredMixin, user_has_any_role

DEPOSIT_STAFF_ROLES = frozenset({Role.FINANCE.value, Role.MANAGEMENT.value})


def user_is_deposit_staff(user: Any) -> bool:
    return user_has_any_role(user, DEPOSIT_STAFF_ROLES)


class DepositMenuItem(MenuItem):
    """An item of the Finance menu shown to finance and management only (the deposit screens' roles)."""

    def is_shown(self, request) -> bool:
        return user_is_deposit_staff(request.user)


class DepositStaffRequiredMixin(RoleRequiredMixin):
    required_roles = DEPOSIT_STAFF_ROLES


def form_error_messages(form) -> list[str]:
    result = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        result += [f"{label}: {error}" if label else str(error) for error in errors]
    return result


class DepositActionView(DepositStaffRequiredMixin, View):
    """POST only: parse the form, call one service, say what happened, go back (`next_url`)."""

    http_method_names = ["post"]
    form_class: Any = None

    def get_object(self):
        raise NotImplementedError

    def next_url(self, obj) -> str:
        raise NotImplementedError

    def post(self, request, pk: int, **kwargs):
        obj = self.get_object()
        data = {}
        if self.form_class is not None:
            form = self.form_class(request.POST, request.FILES)
            if not form.is_valid():
                for message in form_error_messages(form):
                    messages.error(request, message)
                return redirect(self.next_url(obj))
            data = form.cleaned_data
        try:
            message = self.perform(obj, data)
        except PermissionDenied:
            raise
        except (ValidationError, ApplicationError) as error:
            for text in error_messages(error):
                messages.error(request, text)
        else:
            if message:
                messages.success(request, message)
        return redirect(self.next_url(obj))

    def perform(self, obj, data: dict) -> str:
        raise NotImplementedError
