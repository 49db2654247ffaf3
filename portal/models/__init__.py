"""The shared domain every package stands on."""

from .accounts import User
from .alerts import OUTCOMES, Alert, AlertKind, AlertOutcome, AlertStatus
from .api import ApiScope, ApiToken
from .audit import AuditEntry
from .calendar import CalendarDay
from .categories import Category
from .i18n import LocalizedNameMixin
from .imports import PerformanceImport, PerformanceImportRejection
from .merchants import MERCHANT_TRANSITIONS, Merchant, MerchantMembership, MerchantStatus, Squad
from .performance import Complaint, DataSource, OrderLine, PerformanceRowVersion, SatisfactionRating
from .policy import PolicyBlock, PolicyFormula, PolicyItem, PolicyItemVersion, PolicyKind, PolicyRateBand
from .ratings import (
    DIMENSIONS,
    MerchantRating,
    RatingChunk,
    RatingDimension,
    RatingModelVersion,
    RatingReturnsThreshold,
    RatingRun,
)
from .settings import PortalSettings
from .vocabulary import CooperationMode, MerchantGrade

__all__ = [
    "Alert",
    "OUTCOMES",
    "AlertKind",
    "AlertOutcome",
    "AlertStatus",
    "ApiScope",
    "ApiToken",
    "DIMENSIONS",
    "MERCHANT_TRANSITIONS",
    "AuditEntry",
    "CalendarDay",
    "Category",
    "Complaint",
    "CooperationMode",
    "DataSource",
    "LocalizedNameMixin",
    "Merchant",
    "MerchantGrade",
    "MerchantMembership",
    "MerchantRating",
    "MerchantStatus",
    "OrderLine",
    "PerformanceImport",
    "PerformanceImportRejection",
    "PerformanceRowVersion",
    "PolicyBlock",
    "PolicyFormula",
    "PolicyItem",
    "PolicyItemVersion",
    "PolicyKind",
    "PolicyRateBand",
    "PortalSettings",
    "RatingChunk",
    "RatingDimension",
    "RatingModelVersion",
    "RatingReturnsThreshold",
    "RatingRun",
    "SatisfactionRating",
    "Squad",
    "User",
]
