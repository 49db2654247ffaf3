"""The words of every billing audit action, for the admin timelines (portal.timeline): a deduction, a refund, a
version of the deposit table, a bank account, a deposit, a bank transfer. `ACTION_LABELS` is keyed by the action
without its `billing.` prefix; a new action gets its label here (tests/billing/test_timeline_labels.py finds every
action the package writes and fails on one without a label)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy, pgettext_lazy

from portal.money import format_money
from portal.timeline import Describer, TimelineEntry, text_details, timeline_build, when_display

ACTION_PREFIX = "billing."
# the finance lists whose downloads are audited (`billing.finance.<list>.exported`, admin_views/finance.py)
FINANCE_LISTS = ("deposits", "payments", "bank_transfers", "deductions", "refunds", "invoices")
# the settlement lists of the Finance menu (admin_views/payouts.py)
PAYOUT_LISTS = ("statements", "payouts")

ACTION_LABELS: dict[str, Any] = {
    # deposits and their ledger
    "deposit.held": gettext_lazy("Deposit held in full"),
    "deposit.shortfall": gettext_lazy("Top-up requested"),
    "deposit.topped_up": gettext_lazy("Deposit topped up"),
    "deposit.refund_due": gettext_lazy("Refund due: the contract ended"),
    "deposit.closed": gettext_lazy("Deposit closed"),
    "deposit.reopened": gettext_lazy("Deposit reopened for a new contract"),
    "deposit.requirement_raised": gettext_lazy("Required deposit raised"),
    "deposit.requirement_lowered": gettext_lazy("Required deposit lowered"),
    "deposit.suspension_review_opened": gettext_lazy("Suspension review opened: the top-up is overdue"),
    "ledger.payment": gettext_lazy("Deposit payment recorded"),
    "ledger.top_up": gettext_lazy("Top-up recorded"),
    "ledger.deduction": gettext_lazy("Deduction recorded"),
    "ledger.refund": gettext_lazy("Refund recorded"),
    "ledger.freeze": gettext_lazy("Sum frozen"),
    "ledger.release": gettext_lazy("Frozen sum released"),
    "top_up.reminded": gettext_lazy("Top-up reminder sent"),
    "top_up.overdue": gettext_lazy("Top-up overdue"),
    "top_up.superseded": gettext_lazy("Top-up request replaced by a new one"),
    "deposit_table.proposed": gettext_lazy("Deposit table proposed"),
    "deposit_table.approved": gettext_lazy("Deposit table approved"),
    "deposit_table.discarded": gettext_lazy("Deposit table proposal discarded"),
    "subsidy_enrolment.created": gettext_lazy("Enrolled for the subsidy"),
    "subsidy_enrolment.changed": gettext_lazy("Subsidy enrolment changed"),
    # deductions
    "deduction.proposed": gettext_lazy("Deduction proposed"),
    "deduction.first_approved": gettext_lazy("First approval of the deduction"),
    "deduction.approved": gettext_lazy("Deduction approved and deducted"),
    "deduction.rejected": gettext_lazy("Deduction rejected"),
    "deduction.evidence_viewed": gettext_lazy("Evidence viewed"),
    # refunds
    "refund.due": gettext_lazy("Refund due: a credit note on a paid invoice"),
    "refund.first_approved": gettext_lazy("First approval of the refund"),
    "refund.approved": gettext_lazy("Refund approved"),
    "refund.pending": gettext_lazy("Refund sent"),
    "refund.succeeded": gettext_lazy("Refund paid back"),
    "refund.failed": gettext_lazy("Refund failed"),
    "refund.amount_recomputed": gettext_lazy("Refund amount recomputed"),
    "refund.bank_transfer_recorded": gettext_lazy("Refund recorded as paid by bank transfer"),
    "refund.method_switched": gettext_lazy("Refund method changed"),
    "refund.overdue_alerted": gettext_lazy("Finance alerted: the refund is overdue"),
    "refund.dashboard_recorded": gettext_lazy("Refund made in the Stripe dashboard recorded"),
    "refund.dispute_lost": gettext_lazy("Card dispute lost: the money went back to the cardholder"),
    # payments and bank transfers
    "payment.created": gettext_lazy("Payment started"),
    "payment.intent_created": gettext_lazy("Card payment opened with Stripe"),
    "payment.amount_updated": gettext_lazy("Amount brought to what is due"),
    "payment.pending": gettext_lazy("Payment pending"),
    "payment.requires_action": gettext_lazy("Awaiting card authentication"),
    "payment.succeeded": gettext_lazy("Payment succeeded"),
    "payment.failed": gettext_lazy("Payment failed"),
    "payment.canceled": gettext_lazy("Payment canceled"),
    "bank_transfer.recorded": gettext_lazy("Transfer recorded"),
    "bank_transfer.rejected": gettext_lazy("Recorded transfer rejected"),
    "bank_transfer.receipt_downloaded": gettext_lazy("Bank receipt downloaded"),
    "bank_statement.imported": gettext_lazy("Bank statement imported"),
    "bank_account.added": gettext_lazy("Bank account added"),
    "bank_account.updated": gettext_lazy("Bank account details changed"),
    "bank_account.unmasked": gettext_lazy("Full account number revealed"),
    "stripe.event_received": gettext_lazy("Stripe event received"),
    # fees and invoices
    "fee_price.added": gettext_lazy("Fee price added"),
    "billing_profile.saved": gettext_lazy("Invoicing details saved"),
    "invoice.issued": gettext_lazy("Invoice issued"),
    "invoice.paid": gettext_lazy("Invoice paid"),
    "invoice.credited": gettext_lazy("Invoice credited in full"),
    "invoice.partly_credited": gettext_lazy("Invoice partly credited"),
    "invoice.fapiao_recorded": gettext_lazy("Fapiao number recorded"),
    "credit_note.issued": gettext_lazy("Credit note issued"),
    # settlement statements and their disputes
    "settlement_run.started": gettext_lazy("Settlement run started"),
    "settlement_run.built": gettext_lazy("Settlement run built"),
    "settlement_run.issued": gettext_lazy("Settlement run issued"),
    "settlement_chunk.started": gettext_lazy("Settlement chunk started"),
    "settlement_chunk.built": gettext_lazy("Settlement chunk built"),
    "settlement_chunk.failed": gettext_lazy("Settlement chunk failed"),
    "settlement_adjustment.proposed": gettext_lazy("Settlement adjustment proposed"),
    "settlement_adjustment.approved": gettext_lazy("Settlement adjustment approved"),
    "settlement_adjustment.rejected": gettext_lazy("Settlement adjustment rejected"),
    "settlement_adjustment.settled": gettext_lazy("Settlement adjustment settled on a statement"),
    "statement.issued": gettext_lazy("Settlement statement issued"),
    "statement.confirmed": gettext_lazy("Settlement statement confirmed by the merchant"),
    "statement.confirmed_silently": gettext_lazy("Settlement statement confirmed: no answer within the period"),
    "statement.disputed": gettext_lazy("Settlement statement disputed"),
    "dispute.opened": gettext_lazy("Dispute opened"),
    "dispute.under_review": gettext_lazy("Dispute under review"),
    "dispute.evidence_requested": gettext_lazy("Evidence requested for the dispute"),
    "dispute.evidence_added": gettext_lazy("Evidence added to the dispute"),
    "dispute.decided": gettext_lazy("Dispute decided"),
    "dispute.withdrawn": gettext_lazy("Dispute withdrawn"),
    "dispute.evidence_viewed": gettext_lazy("Dispute evidence viewed"),
    **dict.fromkeys((f"finance.{name}.exported" for name in FINANCE_LISTS), gettext_lazy("Finance list downloaded")),
    # approval of a settlement run, payouts and payout files
    "settlement_run.first_approved": gettext_lazy("First approval of the settlement run"),
    "settlement_run.approved": gettext_lazy("Settlement run approved: payouts made"),
    "settlement_run.balances_invoiced": gettext_lazy("Balances owed at the end of contracts invoiced"),
    "settlement_run.closed": gettext_lazy("Settlement run paid out and closed"),
    "statement.paid": gettext_lazy("Statement paid out"),
    "payout.paid": gettext_lazy("Payout marked paid"),
    "payout.returned": gettext_lazy("Payout returned by the bank"),
    "payout_file.created": gettext_lazy("Payout file made"),
    "payout_file.downloaded": gettext_lazy("Payout file downloaded"),
    "payout_file.paid": gettext_lazy("Payout file marked paid"),
    "reconciliation.exported": gettext_lazy("Reconciliation exceptions downloaded"),
    **dict.fromkeys((f"finance.{name}.exported" for name in PAYOUT_LISTS), gettext_lazy("Finance list downloaded")),
}

_DETAIL_LABELS = {
    "amount": gettext_lazy("Amount"), "threshold": gettext_lazy("Threshold"), "deducted": gettext_lazy("Deducted"),
    "excess": gettext_lazy("Invoiced beyond the deposit"), "approved": gettext_lazy("Approved"),
    "sent": gettext_lazy("Sent"), "due_on": gettext_lazy("Due on"), "paid_on": gettext_lazy("Paid on"),
    "effective_from": gettext_lazy("Takes effect on"), "bank_reference": gettext_lazy("Bank transaction reference"),
    "invoice": gettext_lazy("Invoice"), "credit_note": gettext_lazy("Credit note"),
    "required": pgettext_lazy("deposit", "Required"),
}
_MONEY_KEYS = ("amount", "deducted", "excess", "approved", "sent", "threshold")
_DAY_KEYS = ("due_on", "paid_on", "effective_from")
_TEXT_KEYS = ("bank_reference", "invoice", "credit_note")


def money_or_none(value: Any, currency: str) -> str | None:
    try:
        return format_money(Decimal(str(value)), currency)
    except (InvalidOperation, ValueError, TypeError, ArithmeticError):
        return None


def _nothing(value: Any) -> bool:
    try:
        return Decimal(str(value)) == 0
    except (InvalidOperation, ValueError, TypeError, ArithmeticError):
        return False


def describe_common(entry: TimelineEntry, target: Any) -> None:
    """The amounts, dates, references and the note or reason an entry carries, each with its label (a sum beside
    the amount only when it is not zero)."""
    data = entry.data
    currency = data.get("currency") or getattr(target, "currency", "") or "CNY"
    for key in (*_MONEY_KEYS, *_DAY_KEYS, *_TEXT_KEYS):
        value = data.get(key)
        if value in (None, "") or isinstance(value, dict | list) or (key != "amount" and _nothing(value)):
            continue
        if key in _MONEY_KEYS:
            shown = money_or_none(value, currency)
        else:
            shown = when_display(value) if key in _DAY_KEYS else str(value)
        if shown:
            entry.details.append(f"{_DETAIL_LABELS[key]}: {shown}")
    entry.details += text_details(data, "note", "reason", "message")


_FIELD_LABELS = {"holder_name": gettext_lazy("Account holder"), "bank_name": gettext_lazy("Bank"),
                 "branch": gettext_lazy("Branch")}


def describe_changes(entry: TimelineEntry, target: Any) -> None:
    """Each field an edit changed, before → after (`data["changed"]`: field → [before, after])."""
    for field, values in (entry.data.get("changed") or {}).items():
        if isinstance(values, list) and len(values) == 2:
            before, after = (value or "—" for value in values)
            entry.details.append(f"{_FIELD_LABELS.get(field, field)}: {before} → {after}")


DESCRIBERS: dict[str, Describer] = {"bank_account.updated": describe_changes}


def billing_timeline(*, target: models.Model, sentences: Mapping[str, Any] | None = None,
                     describers: Mapping[str, Describer] | None = None,
                     context: Callable[[list[TimelineEntry]], Any] | None = None) -> list[TimelineEntry]:
    """The timeline of a billing object in words: `ACTION_LABELS` (a page may word some events its own way with
    `sentences`), the common details of each entry, or a page's own `describers` for some events. Reads only."""
    chosen = {**DESCRIBERS, **(describers or {})}
    return timeline_build(target=target, action_prefix=ACTION_PREFIX, sentences={**ACTION_LABELS, **(sentences or {})},
                          describers={event: chosen.get(event, describe_common) for event in ACTION_LABELS | chosen},
                          context=context or (lambda entries: target))
