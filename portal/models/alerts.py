"""Alerts on a merchant's credit rating (BUSINESS_RULES §8, §4.3; operator guide §28).

An alert is a record with an owner, a deadline and a status (open → acknowledged → closed, or open → closed);
its owners are emailed when it is raised. The nightly recompute raises them from the ratings it wrote
(`portal.alerts.services.rating_alerts_raise`), the quarterly check raises re-qualification alerts and the annual
tail review tail-review alerts. A merchant holds at most one alert of a kind that is not closed: while one is
open or acknowledged the nightly run raises no second one (the first keeps its owner and deadline).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .merchants import Merchant, Squad
from .ratings import MerchantRating


class AlertKind(models.TextChoices):
    COMPLAINT_RATE = "complaint_rate", _("Complaint rate above the limit")
    SCORE_BELOW = "score_below", _("Score below the warning line")
    RED_LINE = "red_line", _("Red line: a dimension below 60")
    REQUALIFICATION = "requalification", _("Re-qualification review")
    TAIL_REVIEW = "tail_review", _("Tail review: nominated for non-renewal")


class AlertStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("alert status", "Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("alert status", "Acknowledged")
    CLOSED = "closed", pgettext_lazy("alert status", "Closed")


class AlertOutcome(models.TextChoices):
    """What the review an alert asked for decided (recorded when it is closed; `OUTCOMES` says which kind takes
    which). "Active with conditions" leaves the merchant active, with the conditions recorded on the alert and in
    the merchant's audit entry; "suspended" suspends it; "not renewed" nominates it for non-renewal."""

    ACTIVE_WITH_CONDITIONS = "active_with_conditions", pgettext_lazy("alert outcome", "Active with conditions")
    ACTIVE = "active", pgettext_lazy("alert outcome", "Active")
    SUSPENDED = "suspended", pgettext_lazy("alert outcome", "Suspended")
    RENEW = "renew", pgettext_lazy("alert outcome", "Renew")
    NOT_RENEW = "not_renew", pgettext_lazy("alert outcome", "Do not renew (non-renewal nominated)")


# the outcomes a review alert's close records (the other kinds close with a note only)
OUTCOMES: dict[str, list[str]] = {
    AlertKind.REQUALIFICATION: [AlertOutcome.ACTIVE_WITH_CONDITIONS, AlertOutcome.ACTIVE, AlertOutcome.SUSPENDED],
    AlertKind.RED_LINE: [AlertOutcome.ACTIVE, AlertOutcome.SUSPENDED],
    AlertKind.TAIL_REVIEW: [AlertOutcome.RENEW, AlertOutcome.NOT_RENEW],
}


class Alert(models.Model):
    """One alert on a merchant. `rating` is the rating it came from (kept as figures in `as_of`, `score` and
    `data` too: a rerun of the same day replaces the rating rows). `owner` answers for it by `deadline`;
    `squad` is the squad it was routed to (of the merchant's main category). `data` holds what triggered it:
    the complaint rate, the dimensions below the red line with their points, the rank at the tail review.
    `outcome` (and `conditions`) is what a review alert's close decided (re-qualification, red line, tail review)."""

    Kind = AlertKind
    Status = AlertStatus
    Outcome = AlertOutcome
    ALLOWED_TRANSITIONS = {AlertStatus.OPEN: {AlertStatus.ACKNOWLEDGED, AlertStatus.CLOSED},
                           AlertStatus.ACKNOWLEDGED: {AlertStatus.CLOSED}, AlertStatus.CLOSED: set()}

    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="alerts",
                                 verbose_name=_("merchant"))
    rating = models.ForeignKey(MerchantRating, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("rating"))
    as_of = models.DateField(_("rating as of"))
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    squad = models.ForeignKey(Squad, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("squad"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_alerts", verbose_name=_("owner"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=15, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    created_at = models.DateTimeField(_("raised at"))
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name=_("acknowledged by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("closed by"))
    note = models.TextField(_("note"), blank=True)
    outcome = models.CharField(_("outcome of the review"), max_length=30, choices=AlertOutcome.choices, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "kind"], condition=~models.Q(status="closed"),
                                    name="alert_one_unclosed_per_kind"),
        ]
        indexes = [models.Index(fields=["status", "kind"], name="alert_status_kind_idx"),
                   models.Index(fields=["emailed_at"], name="alert_emailed_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.merchant_id} @ {self.as_of:%Y-%m-%d}"
