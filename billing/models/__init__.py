"""billing's models: the deposit account and its append-only ledger, payments and refunds with their state
machines, fees and invoices with gapless numbers, bank transfers and statements, Stripe's events."""

from .bank import BankAccount, BankStatementImport, BankStatementLine
from .deposits import (
    Deduction,
    DepositAccount,
    DepositRequirement,
    DepositSchedule,
    DepositScheduleRow,
    LedgerEntry,
    LedgerSum,
    TopUpRequest,
)
from .disputes import Dispute, DisputeEvidence, DisputeOutcome, DisputeStatus
from .invoices import BillingProfile, FeePrice, FeeType, Invoice, InvoiceCounter, InvoiceLine
from .payments import Payment, PaymentStatus, Refund, RefundStatus, StripeEvent
from .payouts import Payout, PayoutFile, PayoutFileLine, PayoutStatus
from .settings import BillingSettings
from .settlement_inputs import SettlementAdjustment, SubsidyEnrolment, SubsidyUsage
from .settlements import (
    CommissionExplanation,
    SettlementChunk,
    SettlementRun,
    Statement,
    StatementLine,
    StatementStatus,
)

__all__ = [
    "BankAccount", "BankStatementImport", "BankStatementLine", "BillingProfile", "BillingSettings",
    "CommissionExplanation", "Deduction", "DepositAccount", "DepositRequirement", "DepositSchedule",
    "DepositScheduleRow", "FeePrice", "FeeType", "Invoice", "InvoiceCounter", "InvoiceLine", "LedgerEntry",
    "LedgerSum", "Payment", "PaymentStatus", "Payout", "PayoutFile", "PayoutFileLine", "PayoutStatus",
    "Refund", "RefundStatus", "SettlementAdjustment", "SettlementChunk",
    "SettlementRun", "Statement", "StatementLine", "StatementStatus", "StripeEvent", "SubsidyEnrolment",
    "SubsidyUsage", "TopUpRequest",
    "Dispute", "DisputeEvidence", "DisputeOutcome", "DisputeStatus",
]
