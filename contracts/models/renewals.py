"""Renewal reviews [续约评估]: opened before a contract's term ends, with the proposal computed from the
renewal thresholds (ContractSettings) and the standing decision, which a recruitment lead may override with a
reason. Written only by `contracts.renewals`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RenewalDecision(models.TextChoices):
    RENEW = "renew", _("Renew")
    NON_RENEW = "non_renew", _("Do not renew")


class RenewalReview(models.Model):
    """The review of one contract's term: one per contract and end date (a term extended and ending again
    gets a new review)."""

    Decision = RenewalDecision

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="renewal_reviews",
                                 verbose_name=_("contract"))
    ends_on = models.DateField(_("term ends on"))
    opened_at = models.DateTimeField(_("opened at"))
    proposal = models.CharField(_("proposal"), max_length=10, choices=RenewalDecision.choices)
    # why: [{"code": …, "value": …, "threshold": …}], told in the viewer's language by `contracts.renewals`
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    gmv_yoy = models.DecimalField(_("GMV growth year on year (%)"), max_digits=7, decimal_places=2, null=True,
                                  blank=True)
    satisfaction = models.DecimalField(_("satisfaction (of 5)"), max_digits=3, decimal_places=2, null=True,
                                       blank=True)
    # the rule the proposal used, copied from the settings of the day
    gmv_threshold = models.DecimalField(_("GMV growth needed (%)"), max_digits=5, decimal_places=2)
    satisfaction_threshold = models.DecimalField(_("satisfaction needed"), max_digits=3, decimal_places=2)
    decision = models.CharField(_("decision"), max_length=10, choices=RenewalDecision.choices)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("overridden by"))
    overridden_at = models.DateTimeField(_("overridden at"), null=True, blank=True)
    override_reason = models.TextField(_("override reason"), blank=True)
    # the reminders already sent ("opened", "halfway"), so a rerun of the daily task sends none twice
    reminders_sent = models.JSONField(_("reminders sent"), default=list, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("renewal review")
        verbose_name_plural = _("renewal reviews")
        ordering = ["-opened_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["contract", "ends_on"], name="renewal_review_one_per_term")]

    def __str__(self) -> str:
        return f"{self.contract_id} → {self.ends_on}"

    @property
    def overridden(self) -> bool:
        return self.overridden_by_id is not None
