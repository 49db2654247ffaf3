"""The contracts package's models: template versions, contracts and their terms, documents, acceptance codes."""

from contracts.approval import TwoPersonApprovalTask

from .commission import (
    COMMISSION_OVERRIDE_TRANSITIONS,
    CommissionOverride,
    CommissionOverrideStatus,
    CommissionSchedule,
    CommissionScheduleBand,
    CommissionScheduleRate,
    CommissionTableBand,
    CommissionTableRate,
    CommissionTableVersion,
)
from .contracts import (
    CONTRACT_TRANSITIONS,
    AcceptanceCode,
    Contract,
    ContractDocument,
    ContractKind,
    ContractLadderBand,
    ContractStatus,
    TerminationSide,
)
from .exports import ContractExport, ContractExportStatus
from .numbering import ContractNumberCounter
from .renewals import RenewalDecision, RenewalReview
from .settings import ContractSettings
from .templates import ClauseBlock, ContractTemplate, ContractTemplateVersion

__all__ = [
    "COMMISSION_OVERRIDE_TRANSITIONS",
    "CommissionOverride",
    "CommissionOverrideStatus",
    "CommissionSchedule",
    "CommissionScheduleBand",
    "CommissionScheduleRate",
    "CommissionTableBand",
    "CommissionTableRate",
    "CommissionTableVersion",
    "CONTRACT_TRANSITIONS",
    "AcceptanceCode",
    "Contract",
    "ContractDocument",
    "ContractExport",
    "ContractExportStatus",
    "ContractKind",
    "ContractLadderBand",
    "ContractNumberCounter",
    "ContractSettings",
    "ContractStatus",
    "ClauseBlock",
    "ContractTemplate",
    "ContractTemplateVersion",
    "RenewalDecision",
    "RenewalReview",
    "TerminationSide",
    "TwoPersonApprovalTask",
]
