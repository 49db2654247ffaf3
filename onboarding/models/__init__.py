"""Merchant onboarding: applications, documents, information requests and the screening rules."""

from portal.models import CooperationMode, MerchantGrade  # the shared vocabulary, re-exported for onboarding code

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
from .documents import (
    ApplicationDocument,
    DocumentCheckStatus,
    DocumentFile,
    DocumentRequirement,
    DocumentType,
)
from .rules import ApprovalDefaults, DocumentRules, ScreeningRules

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
