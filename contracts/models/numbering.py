from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractNumberCounter(models.Model):
    """The last number given in one year's series of contract numbers (HT-<year>-<6 digits>). Services take
    the next number from this row under a row lock, in the drafting transaction, so numbers are gapless and
    never given twice; `Contract.number` is unique besides."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last = models.PositiveIntegerField(_("last number given"), default=0)

    class Meta:
        verbose_name = _("contract number counter")
        verbose_name_plural = _("contract number counters")

    def __str__(self) -> str:
        return f"HT-{self.year}: {self.last}"
