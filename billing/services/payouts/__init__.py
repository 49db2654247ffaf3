"""Approval of a settlement run, its payouts [打款] and the payout file for the bank (BUSINESS_RULES §9 steps 3–5,
§4.3 four-eyes; operator guide §26).

    settlement_run_approve(...)     finance approves an issued run once every statement is confirmed (or its time to
                                    answer has passed: silence confirms); a run whose statements carry adjustments
                                    above the threshold needs finance and management. The final approval approves
                                    the statements, makes one payout per statement with something to pay, and
                                    invoices what merchants whose contract has ended still owe
    payout_file_create(...)         the payouts still to send, to the merchant's default bank account, in one file
    payout_mark_paid(...)           the bank paid one payout (its reference); the statement is paid; the run is
    payout_file_mark_paid(...)      closed when every payout is. Or a whole file at once, with the bank's batch
                                    reference
    payout_return(...)              the bank sent a payout back (it goes into the next file)
    settlement_balance_invoice(...) what a merchant owes at the end of its contract (a negative balance carried
                                    forward) becomes an invoice, once per statement

Each runs in one transaction under the run's (or the payout's) row lock, with its audit entries. The money moves
at the bank: nothing here pays anyone, it records what finance instructed and what the bank did.
"""

from .approval import (
    run_adjustments_largest,
    settlement_run_approval_blockers,
    settlement_run_approval_state,
    settlement_run_approve,
)
from .balances import settlement_balance_invoice, settlement_balances_invoice_for_contract
from .files import payout_file_create, payout_file_rows
from .marking import payout_file_mark_paid, payout_mark_paid, payout_return

__all__ = [
    "payout_file_create", "payout_file_mark_paid", "payout_file_rows", "payout_mark_paid", "payout_return",
    "run_adjustments_largest", "settlement_balance_invoice", "settlement_balances_invoice_for_contract",
    "settlement_run_approval_blockers", "settlement_run_approval_state", "settlement_run_approve",
]
