from django.db import models
from django.utils.translation import gettext_lazy as _


class CooperationMode(models.TextChoices):
    """The three cooperation modes [平台入驻/联营/特许加盟] (BUSINESS_RULES §6)."""

    PLATFORM = "platform", _("Platform entry")
    JOINT = "joint", _("Joint operation")
    FRANCHISE = "franchise", _("Franchise")
