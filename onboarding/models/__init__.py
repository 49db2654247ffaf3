"""Merchant onboarding: applications, documents, information requests and the screening rules."""

from .applications import (
    APPLICATION_TRANSITIONS,
    EDITABLE_STATUSES,
    OPEN_REVIEW_STATUSES,
    TERMINAL_STATUSES,
    Application,
    ApplicationGroupObjectPermission,
    ApplicationStatus,
    ApplicationUserObjectPermission,
    InfoRequest,
    InfoRequestItem,
    Profile,
    WizardStep,
)
from .choices import CooperationMode
from .documents import (
    ApplicationDocument,
    DocumentCheckStatus,
    DocumentFile,
    DocumentRequirement,
    DocumentType,
)
from .rules import ApprovalDefaults, DocumentRules, MerchantGrade, ScreeningRules

__all__ = [
    "APPLICATION_TRANSITIONS",
    "EDITABLE_STATUSES",
    "OPEN_REVIEW_STATUSES",
    "TERMINAL_STATUSES",
    "Application",
    "ApplicationDocument",
    "ApplicationGroupObjectPermission",
    "ApplicationStatus",
    "ApplicationUserObjectPermission",
    "ApprovalDefaults",
    "CooperationMode",
    "DocumentCheckStatus",
    "DocumentFile",
    "DocumentRules",
    "DocumentRequirement",
    "DocumentType",
    "InfoRequest",
    "InfoRequestItem",
    "MerchantGrade",
    "Profile",
    "ScreeningRules",
    "WizardStep",
]
