"""What billing puts on the merchant workspace (see `portal.workspace`): the deposit to pay (with the amount), the
top-up to pay by its deadline (overdue after it), each invoice to pay, a bank transfer received and awaiting
confirmation, a refund on its way; and the stage "Active merchant, deposit held" once the deposit is held.
Registered from `BillingConfig.ready()`.

Statements (registered below): a statement to check by its time, a dispute awaiting evidence, a dispute decided in
the last week; three more queries.

Cost: the six queries of `billing.selectors.merchant.billing_overview`, read once per workspace page and shared by
the to-dos and the stage through `context.cache`, whatever the merchant's history.
"""

from __future__ import annotations

import datetime as dt

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.permissions import Capability
from portal.money import format_money
from portal.workspace import Stage, Todo, Urgency, WorkspaceContext, nav_link_register, stage_provider, todo_provider

from .models import DepositAccount, TopUpRequest
from .selectors.merchant import BillingOverview, billing_overview

nav_link_register(url_name="billing:overview", label=gettext_lazy("Billing"), order=30)


def workspace_billing(context: WorkspaceContext) -> BillingOverview:
    if "billing.overview" not in context.cache:
        context.cache["billing.overview"] = billing_overview(merchant=context.merchant)
    return context.cache["billing.overview"]


def _day(value) -> str:
    return date_format(value, "DATE_FORMAT")


def _invoice_url(invoice) -> str:
    try:
        return reverse("billing:invoice_detail", kwargs={"pk": invoice.pk})
    except NoReverseMatch:  # the invoice pages are another area's; the overview lists the invoices too
        return reverse("billing:overview")


@todo_provider
def billing_todos(context: WorkspaceContext) -> list[Todo]:
    overview = workspace_billing(context)
    todos: list[Todo] = []
    account = overview.account
    overview_url = reverse("billing:overview")
    if account is not None and overview.deposit_due:
        amount = format_money(overview.outstanding, account.currency)
        if overview.paying_top_up and overview.top_ups:
            top_up = overview.top_ups[0]
            overdue = top_up.status == TopUpRequest.Status.OVERDUE or top_up.due_on < context.today
            soon = (top_up.due_on - context.today).days <= 7
            todos.append(Todo(
                key="billing.top_up",
                title=_("Top up your deposit by %(date)s") % {"date": _day(top_up.due_on)},
                detail=(_("%(amount)s is missing from your deposit; the deadline has passed.") if overdue
                        else _("%(amount)s is missing from your deposit.")) % {"amount": amount},
                url=overview_url, action=_("Pay the top-up"), due=top_up.due_on,
                urgency=Urgency.OVERDUE if overdue else Urgency.SOON if soon else Urgency.ACTION,
                capability=Capability.PAY))
        elif account.status in (DepositAccount.Status.AWAITING, DepositAccount.Status.SHORTFALL):
            todos.append(Todo(
                key="billing.deposit",
                title=_("Pay your deposit of %(amount)s") % {"amount": amount},
                detail=_("By card or by bank transfer. Your contract becomes active once it is paid in full."),
                url=overview_url, action=_("Pay the deposit"), urgency=Urgency.ACTION, capability=Capability.PAY))
    for invoice in overview.invoices_unpaid:
        overdue = invoice.due_on is not None and invoice.due_on < context.today
        todos.append(Todo(
            key="billing.invoice",
            title=_("Pay invoice %(number)s") % {"number": invoice.number},
            detail=_("%(amount)s to pay.") % {"amount": format_money(invoice.due_amount, invoice.currency)},
            url=_invoice_url(invoice), action=_("See the invoice"), due=invoice.due_on,
            urgency=Urgency.OVERDUE if overdue else Urgency.ACTION, capability=Capability.PAY))
    for payment in overview.transfers_recorded:
        todos.append(Todo(
            key="billing.transfer_recorded",
            title=_("Bank transfer recorded, awaiting confirmation"),
            detail=_("%(amount)s with reference %(reference)s: finance confirms it next.")
            % {"amount": format_money(payment.amount, payment.currency), "reference": payment.reference},
            url=reverse("billing:payment_detail", kwargs={"reference": payment.reference}),
            action=_("See the payment"), urgency=Urgency.WAITING))
    for refund in overview.refunds:
        amount = format_money(refund.amount, refund.currency)
        if refund.status == "pending":
            title = _("Refund of %(amount)s sent") % {"amount": amount}
        elif refund.due_on:
            title = _("Refund of %(amount)s due by %(date)s") % {"amount": amount, "date": _day(refund.due_on)}
        else:
            title = _("Refund of %(amount)s due") % {"amount": amount}
        todos.append(Todo(
            key="billing.refund", title=title, url=overview_url, action=_("See billing"), due=refund.due_on,
            detail=_("Your deposit, less deductions and frozen sums, goes back to you."), urgency=Urgency.INFO))
    return todos


@stage_provider
def billing_stage(context: WorkspaceContext) -> Stage | None:
    """Once the deposit is held, the stage says so (above contracts' "Active merchant", rank 40, which it
    completes); a requested top-up is a warning."""
    overview = workspace_billing(context)
    account = overview.account
    if account is None:
        return None
    held = format_money(overview.balance.balance, account.currency)
    if account.status == DepositAccount.Status.HELD and account.contract_id and \
            account.contract.status in ("active", "expiring"):
        return Stage(rank=41, label=_("Active merchant"), tone="ok",
                     detail=_("Contract %(number)s is active; your deposit of %(amount)s is held in full.")
                     % {"number": account.contract.number, "amount": held})
    if account.status == DepositAccount.Status.SHORTFALL and account.contract_id and \
            account.contract.status in ("active", "expiring"):
        return Stage(rank=41, label=_("Active merchant, top-up requested"), tone="warning",
                     detail=_("Your deposit holds %(amount)s, less than required: please top it up.")
                     % {"amount": held})
    return None


# ---- statements: a statement to confirm or dispute, a dispute awaiting evidence, a dispute decided this week
# (three queries, `billing.selectors.statements.statement_todos`)

DECIDED_SHOWN_DAYS = 7


@todo_provider
def statement_todos(context: WorkspaceContext) -> list[Todo]:
    from .selectors.statements import statement_todos as todos_of

    found = todos_of(merchant=context.merchant, since=context.now - dt.timedelta(days=DECIDED_SHOWN_DAYS))
    todos: list[Todo] = []
    for statement in found.to_answer:
        if statement.respond_by is None or statement.respond_by < context.now:
            continue  # counts as confirmed: the daily task records it
        due = timezone.localdate(statement.respond_by)
        todos.append(Todo(
            key="billing.statement_to_answer",
            title=_("Check statement %(number)s by %(date)s") % {"number": statement.number, "date": _day(due)},
            detail=_("Net payable %(amount)s for %(start)s – %(end)s. Confirm it, or dispute the lines that are "
                     "wrong; without an answer it counts as confirmed.")
            % {"amount": format_money(statement.net_payable, statement.currency),
               "start": _day(statement.period_start), "end": _day(statement.period_end)},
            url=reverse("billing:statement_detail", kwargs={"pk": statement.pk}), action=_("Check the statement"),
            due=due, urgency=Urgency.SOON, capability=Capability.RESPOND_STATEMENTS))
    for dispute in found.awaiting_evidence:
        todos.append(Todo(
            key="billing.dispute_evidence",
            title=_("Send evidence for dispute %(number)s") % {"number": dispute.number},
            detail=dispute.evidence_request,
            url=reverse("billing:dispute_detail", kwargs={"pk": dispute.pk}), action=_("Add evidence"),
            urgency=Urgency.ACTION, capability=Capability.RESPOND_STATEMENTS))
    for dispute in found.decided_recently:
        if dispute.released_amount:
            title = _("Dispute %(number)s decided: %(amount)s released, due on %(date)s") % {
                "number": dispute.number, "amount": format_money(dispute.released_amount, dispute.currency),
                "date": _day(dispute.released_due_on)}
        else:
            title = _("Dispute %(number)s decided: the line stands") % {"number": dispute.number}
        todos.append(Todo(key="billing.dispute_decided", title=title, detail=dispute.decision_note,
                          url=reverse("billing:dispute_detail", kwargs={"pk": dispute.pk}),
                          action=_("See the decision"), urgency=Urgency.INFO))
    return todos

# ---- end statements
