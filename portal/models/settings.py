import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

# The most the pixel limit can be set to; Pillow's own decompression-bomb ceiling (onboarding.uploads) matches it.
UPLOAD_MEGAPIXELS_CEILING = 100


@register_setting(icon="cogs")
class PortalSettings(BaseGenericSetting):
    """Operator-wide defaults that staff change in the admin (Settings → Portal settings).

    Each field, its default and what a change does are in the operator guide (docs/operator-guide.md §4,
    §5.4, §5.7, §5.8, §7); code reads it from here, never from a constant.
    """

    launch_date = models.DateField(
        _("launch date (D0)"), default=datetime.date(2026, 1, 1),
        help_text=_("Recruitment phases count their months from this day."),
    )
    upload_max_mb = models.PositiveSmallIntegerField(_("largest upload (MB)"), default=20)
    upload_max_megapixels = models.PositiveSmallIntegerField(
        _("largest image upload (megapixels)"), default=40,
        validators=[MinValueValidator(1), MaxValueValidator(UPLOAD_MEGAPIXELS_CEILING)],
        help_text=_("Images with more pixels are refused before they are decoded (an A4 page scanned at 600 dpi "
                    "is about 35 megapixels)."),
    )
    first_touch_hours = models.PositiveSmallIntegerField(_("first touch within (hours)"), default=24)
    decision_working_days = models.PositiveSmallIntegerField(_("decision within (working days)"), default=5)
    escalation_working_days = models.PositiveSmallIntegerField(_("escalate after (working days)"), default=2)
    info_request_timeout_days = models.PositiveSmallIntegerField(
        _("withdraw after an unanswered information request (days)"), default=30
    )
    reapply_after_days = models.PositiveSmallIntegerField(_("re-apply after a rejection (days)"), default=90)
    override_threshold = models.DecimalField(
        _("four-eyes threshold"), max_digits=14, decimal_places=2, default=50000,
        help_text=_("Amounts above this need a second approver."),
    )

    class Meta:
        verbose_name = _("portal settings")
