"""The shared domain every package stands on."""

from .accounts import User
from .audit import AuditEntry
from .categories import Category
from .i18n import LocalizedNameMixin
from .policy import PolicyBlock, PolicyFormula, PolicyItem, PolicyItemVersion, PolicyKind, PolicyRateBand
from .settings import PortalSettings

__all__ = [
    "AuditEntry",
    "Category",
    "LocalizedNameMixin",
    "PolicyBlock",
    "PolicyFormula",
    "PolicyItem",
    "PolicyItemVersion",
    "PolicyKind",
    "PolicyRateBand",
    "PortalSettings",
    "User",
]
