"""Statement disputes [结算争议] (BUSINESS_RULES §9; operator guide §25).

Within the response time of an issued statement (3 days by default) an owner, admin or finance user of the merchant
disputes a line: the amount in dispute is what the merchant says the line got wrong in the platform's favour (a
commission too high, a refund that did not happen, a fee or a deduction that is not due), at most the line's GMV or
its amount. That amount is frozen: it is not in the statement's net payable (the rest of the statement counts as
confirmed and is paid out as usual), and every statement built while the dispute is undecided shows it as a
`frozen` line that counts 0.

    open ──▶ awaiting evidence ──▶ under review ──▶ decided (released / upheld / partly released)
      └──────────────┴─────────────────┴──────▶ withdrawn (by the merchant, before the decision)

Finance decides: released (the merchant is right: the whole amount), upheld (the line stands: nothing), or partly
released. What is released appears as a `released` line on the next statement built after the decision, and is
due on the disputed statement's payout date plus the days the amount was frozen (the day the dispute was opened to
the day it was decided): frozen days do not count against the merchant.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import Merchant

from ._storage import private_storage
from .settlements import Statement, StatementLine

_AMOUNT = {"max_digits": 16, "decimal_places": 2}


class DisputeStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("dispute", "Open")
    AWAITING_EVIDENCE = "awaiting_evidence", pgettext_lazy("dispute", "Awaiting evidence")
    UNDER_REVIEW = "under_review", pgettext_lazy("dispute", "Under review")
    DECIDED = "decided", pgettext_lazy("dispute", "Decided")
    WITHDRAWN = "withdrawn", pgettext_lazy("dispute", "Withdrawn")


class DisputeOutcome(models.TextChoices):
    RELEASED = "released", pgettext_lazy("dispute outcome", "Released")
    UPHELD = "upheld", pgettext_lazy("dispute outcome", "Statement upheld")
    PARTIAL = "partial", pgettext_lazy("dispute outcome", "Partly released")


class Dispute(models.Model):
    """A merchant's dispute of one statement line, with its own workflow; freezes `amount` until decided."""

    Status = DisputeStatus
    Outcome = DisputeOutcome
    LIVE = (DisputeStatus.OPEN, DisputeStatus.AWAITING_EVIDENCE, DisputeStatus.UNDER_REVIEW)
    ALLOWED_TRANSITIONS = {
        DisputeStatus.OPEN: {DisputeStatus.AWAITING_EVIDENCE, DisputeStatus.UNDER_REVIEW, DisputeStatus.DECIDED,
                             DisputeStatus.WITHDRAWN},
        DisputeStatus.AWAITING_EVIDENCE: {DisputeStatus.UNDER_REVIEW, DisputeStatus.DECIDED,
                                          DisputeStatus.WITHDRAWN},
        DisputeStatus.UNDER_REVIEW: {DisputeStatus.AWAITING_EVIDENCE, DisputeStatus.DECIDED,
                                     DisputeStatus.WITHDRAWN},
        DisputeStatus.DECIDED: set(),
        DisputeStatus.WITHDRAWN: set(),
    }

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="disputes",
                                  verbose_name=_("statement"))
    line = models.ForeignKey(StatementLine, on_delete=models.PROTECT, related_name="disputes",
                             verbose_name=_("statement line"))
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+", verbose_name=_("merchant"))
    number = models.CharField(_("dispute number"), max_length=50, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    amount = models.DecimalField(_("amount in dispute"), **_AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.TextField(_("what is wrong"))
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("opened by"))
    evidence_requested_at = models.DateTimeField(_("evidence requested at"), null=True, blank=True)
    evidence_request = models.TextField(_("evidence asked for"), blank=True)
    outcome = models.CharField(_("decision"), max_length=20, choices=DisputeOutcome.choices, blank=True)
    released_amount = models.DecimalField(_("amount released"), default=0, **_AMOUNT)
    decision_note = models.TextField(_("reasons for the decision"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True,
                                     help_text=_("When it was decided or withdrawn: the amount is frozen until then."))
    frozen_days = models.PositiveIntegerField(_("days frozen"), null=True, blank=True)
    released_due_on = models.DateField(_("released amount due on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("statement dispute")
        verbose_name_plural = _("statement disputes")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="dispute_amount_positive"),
            models.CheckConstraint(condition=models.Q(released_amount__gte=0)
                                   & models.Q(released_amount__lte=models.F("amount")),
                                   name="dispute_released_within_amount"),
            # a line is disputed once at a time (a withdrawn dispute may be raised again within the time)
            models.UniqueConstraint(fields=["line"], condition=~models.Q(status="withdrawn"),
                                    name="dispute_line_once"),
        ]
        indexes = [
            models.Index(fields=["merchant", "status"], name="dispute_merchant_status_idx"),
            models.Index(fields=["status", "opened_at"], name="dispute_status_opened_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE


class DisputeEvidence(models.Model):
    """What one side added to a dispute: a note and optionally a file (PDF, JPEG or PNG, checked like an
    applicant's documents). Never changed or removed."""

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="evidence")
    note = models.TextField(_("note"), blank=True)
    file = models.FileField(_("file"), upload_to="billing/disputes/%Y/%m/", storage=private_storage, max_length=255,
                            blank=True)
    content_type = models.CharField(_("content type"), max_length=50, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    by_staff = models.BooleanField(_("added by staff"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("added by"))
    uploaded_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dispute evidence")
        verbose_name_plural = _("dispute evidence")
        ordering = ["dispute", "uploaded_at", "id"]
