from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """An exception to the normal week in the PRC working-day calendar.

    Monday to Friday are working days and Saturday and Sunday are not, unless a row says otherwise:
    a `holiday` is a public holiday (no work), an `adjusted_workday` [调休] is a weekend day worked
    in exchange. Admins load each year's rows from the State Council notice.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        ADJUSTED_WORKDAY = "adjusted_workday", _("Adjusted working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("working-day calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()
