"""The words more than one package speaks: the merchant grade and the cooperation mode.

They live in the shared domain so that cms, onboarding, contracts and billing use one definition and none
of them imports another for it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MerchantGrade(models.TextChoices):
    """The merchant's grade, which sets its deposit grade and commission discount (operator guide §6,
    §9): A–D follow the credit rating; E is for merchants back from suspension or new in high-risk
    categories. An unrated merchant starts at C (ApprovalDefaults.default_grade)."""

    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
    E = "E", "E"


class CooperationMode(models.TextChoices):
    """The three cooperation modes [平台入驻/联营/特许加盟] (operator guide §12, §13)."""

    PLATFORM = "platform", _("Platform entry")
    JOINT = "joint", _("Joint operation")
    FRANCHISE = "franchise", _("Franchise")
