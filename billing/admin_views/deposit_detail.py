"""One deposit account in the admin: what it should hold and holds, the ledger with the running balance, the
requirements (each change with why), top-up requests, deductions, payments, refunds and the timeline. The pages
where finance acts (record a transfer, propose a deduction, send a refund) are linked when their areas are
installed."""

from __future__ import annotations

from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..models import DepositAccount
from ..selectors.deposit_timeline import deposit_timeline
from ..selectors.finance import deposit_accounts_annotated
from ..selectors.ledger import ledger_rows
from .lists import FinanceRequiredMixin, url, url_or_none


def _with_account(target: str | None, account_id: int) -> str | None:
    return f"{target}?account={account_id}" if target else None


class DepositDetailView(FinanceRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "billing/admin/deposit_detail.html"
    header_icon = "lock"

    @cached_property
    def account(self) -> DepositAccount:
        account = deposit_accounts_annotated().filter(pk=self.kwargs["pk"]).first()
        if account is None:
            raise Http404
        return account

    def get_page_title(self):
        return _("Deposit of %(merchant)s") % {"merchant": self.account.merchant.name}

    def get_page_subtitle(self):
        return self.account.get_status_display()

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": url("deposits"), "label": gettext_lazy("Deposits")},
                {"url": "", "label": self.account.merchant.name}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        account = self.account
        context.update(
            account=account,
            rows=ledger_rows(account),
            requirements=list(account.requirements.select_related("contract").order_by("-id")),
            top_ups=list(account.top_ups.select_related("deduction").order_by("-id")),
            deductions=list(account.deductions.select_related("created_by", "first_approved_by", "decided_by")
                            .order_by("-id")),
            payments=list(account.payments.select_related("recorded_by", "confirmed_by").order_by("-id")),
            refunds=list(account.refunds.order_by("-id")),
            timeline=deposit_timeline(account=account),
            actions=[action for action in (
                (_("Record a bank transfer"), url_or_none("billing_bank:record")),
                (_("Propose a deduction"), _with_account(url_or_none("billing_deductions:propose"), account.pk)),
            ) if action[1]],
        )
        return context
