from django.db import models
from django.utils.translation import gettext_lazy as _

from .i18n import LocalizedNameMixin


class Category(LocalizedNameMixin, models.Model):
    """A product category merchants sell in. The squads, document matrix, commission base rates and
    policy eligibility all key on it."""

    class RiskClass(models.TextChoices):
        STANDARD = "standard", _("Standard")
        ELEVATED = "elevated", _("Elevated")
        HIGH = "high", _("High")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    risk_class = models.CharField(_("risk class"), max_length=20, choices=RiskClass.choices, default=RiskClass.STANDARD)
    needs_production_licence = models.BooleanField(_("needs a production licence"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "code"]
