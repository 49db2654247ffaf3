"""The shared domain every package stands on."""

from .accounts import User
from .audit import AuditEntry
from .calendar import CalendarDay
from .categories import Category
from .i18n import LocalizedNameMixin
from .merchants import MERCHANT_TRANSITIONS, Merchant, MerchantMembership, MerchantStatus, Squad
from .policy import PolicyBlock, PolicyFormula, PolicyItem, PolicyItemVersion, PolicyKind, PolicyRateBand
from .settings import PortalSettings
from .vocabulary import CooperationMode, MerchantGrade

__all__ = [
    "MERCHANT_TRANSITIONS",
    "AuditEntry",
    "CalendarDay",
    "Category",
    "CooperationMode",
    "LocalizedNameMixin",
    "Merchant",
    "MerchantGrade",
    "MerchantMembership",
    "MerchantStatus",
    "PolicyBlock",
    "PolicyFormula",
    "PolicyItem",
    "PolicyItemVersion",
    "PolicyKind",
    "PolicyRateBand",
    "PortalSettings",
    "Squad",
    "User",
]
