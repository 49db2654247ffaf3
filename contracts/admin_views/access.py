"""Who may open the contract screens: a staff role (the Django group of `portal.roles.Role`) to enter, then
per action the checks of `contracts.permissions` inside the services. Merchant users and staff of other
areas (editors, system administrators) get 403 before any work."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from portal.roles import Role, RoleRequiredMixin, staff_roles, user_has_any_role

from ..models import Contract

# roles that work with contracts in the admin: recruitment leads (draft, issue, countersign, renewals),
# compliance (checks the clauses), administrators (as `contracts.permissions` lets them act) and finance
# (reads them: deposits, fees, the money of a termination)
CONTRACT_STAFF_ROLES = frozenset({Role.LEAD.value, Role.COMPLIANCE.value, Role.ADMIN.value, Role.FINANCE.value})
# who decides on renewals (BUSINESS_RULES §6: the non-renewal proposal may be overridden with a reason)
RENEWAL_OVERRIDE_ROLES = frozenset({Role.LEAD.value})


def user_is_contract_staff(user: Any) -> bool:
    return user_has_any_role(user, CONTRACT_STAFF_ROLES)


def user_may_override_renewal(user: Any) -> bool:
    return bool(staff_roles(user) & RENEWAL_OVERRIDE_ROLES)


class ContractStaffRequiredMixin(RoleRequiredMixin):
    """403 (a page saying who works with contracts, with the 403 status rather than the admin's redirect to
    its dashboard, so that a download or a status request is refused as such) for anyone without a contract
    role."""

    required_roles = CONTRACT_STAFF_ROLES

    def dispatch(self, request, *args, **kwargs):
        if not user_has_any_role(request.user, self.required_roles):
            return TemplateResponse(request, "contracts/admin/forbidden.html", {
                "page_title": _("No access to contracts"), "header_icon": "warning"}, status=403)
        return super().dispatch(request, *args, **kwargs)


def contract_for_staff(user: Any, pk: Any) -> Contract:
    """The contract for the admin, or 404 (the role was checked on entry)."""
    contract = (Contract.objects.select_related("merchant", "template_version", "parent", "created_by",
                                                "issued_by", "accepted_by", "countersigned_by")
                .filter(pk=pk).first())
    if contract is None or not user_is_contract_staff(user):
        raise Http404
    return contract
