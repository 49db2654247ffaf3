"""The contracts package's models: template versions, contracts and their terms, documents, acceptance codes."""

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
from .settings import ContractSettings
from .templates import ContractTemplateVersion

__all__ = [
    "CONTRACT_TRANSITIONS",
    "AcceptanceCode",
    "Contract",
    "ContractDocument",
    "ContractKind",
    "ContractLadderBand",
    "ContractSettings",
    "ContractStatus",
    "ContractTemplateVersion",
    "TerminationSide",
]
