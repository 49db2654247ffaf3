from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .vocabulary import MerchantGrade


class MerchantStatus(models.TextChoices):
    """Where the partner stands with the platform (operator guide §6.1, the merchant's part of the chain).
    The application's states belong to onboarding, the contract's and the deposit's to contracts and
    billing; their services move the merchant through `portal.merchants.services`."""

    APPLICANT = "applicant", pgettext_lazy("merchant status", "Applicant")
    ONBOARDING = "onboarding", pgettext_lazy("merchant status", "Onboarding")
    ACTIVE = "active", pgettext_lazy("merchant status", "Active")
    UNDER_REQUALIFICATION = "under_requalification", pgettext_lazy("merchant status", "Under re-qualification")
    SUSPENDED = "suspended", pgettext_lazy("merchant status", "Suspended")
    TERMINATED = "terminated", pgettext_lazy("merchant status", "Terminated")


_M = MerchantStatus

MERCHANT_TRANSITIONS: dict[str, set[str]] = {
    # approved: contract and deposit to come
    _M.APPLICANT: {_M.ONBOARDING},
    # deposit fully paid, or the contract never came about
    _M.ONBOARDING: {_M.ACTIVE, _M.TERMINATED},
    _M.ACTIVE: {_M.UNDER_REQUALIFICATION, _M.SUSPENDED, _M.TERMINATED},
    # the review's outcome: active (possibly with conditions), suspended, or the end
    _M.UNDER_REQUALIFICATION: {_M.ACTIVE, _M.SUSPENDED, _M.TERMINATED},
    _M.SUSPENDED: {_M.ACTIVE, _M.TERMINATED},
    # the deposit refund and the closing belong to billing and contracts
    _M.TERMINATED: set(),
}


class Merchant(models.Model):
    """The partner record: one organisation (merchant, supplier or service provider) and its users.

    Created when someone signs up to apply; the application, contract, deposit and statements hang off it.
    A merchant user only ever sees rows of the merchants they are a member of.

    `status`, `grade` and the deposit are changed only by `portal.merchants.services`. The grade and the
    deposit are the merchant's current ones (set at approval, moved by re-grading); the application keeps
    what was approved, and billing's ledger what was paid.
    """

    Status = MerchantStatus
    ALLOWED_TRANSITIONS = MERCHANT_TRANSITIONS

    class Kind(models.TextChoices):
        MERCHANT = "merchant", _("Merchant")
        SUPPLIER = "supplier", _("Supplier")
        SERVICE_PROVIDER = "service_provider", _("Service provider")

    name = models.CharField(_("organisation name"), max_length=200)
    kind = models.CharField(_("partner kind"), max_length=20, choices=Kind.choices, default=Kind.MERCHANT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=30, choices=MerchantStatus.choices,
                              default=MerchantStatus.APPLICANT)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    grade = models.CharField(_("merchant grade"), max_length=1, choices=MerchantGrade.choices, blank=True,
                             help_text=_("Empty until the merchant is graded at approval."))
    deposit_amount = models.DecimalField(_("deposit"), max_digits=14, decimal_places=2, null=True, blank=True,
                                         help_text=_("The deposit the merchant must hold for its grade."))
    deposit_currency = models.CharField(_("deposit currency"), max_length=3, blank=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="MerchantMembership", related_name="merchants", verbose_name=_("users")
    )

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["name"]
        indexes = [models.Index(fields=["status"], name="merchant_status_idx")]

    def __str__(self) -> str:
        return self.name


class MerchantMembership(models.Model):
    """A user's place in an organisation. What each role may do is in `portal.accounts.permissions`."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", pgettext_lazy("merchant role", "Admin")
        FINANCE = "finance", pgettext_lazy("merchant role", "Finance")
        OPERATIONS = "operations", pgettext_lazy("merchant role", "Operations")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="merchant_memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.OPERATIONS)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("merchant membership")
        verbose_name_plural = _("merchant memberships")
        constraints = [models.UniqueConstraint(fields=["merchant", "user"], name="merchant_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.merchant} ({self.role})"


class Squad(models.Model):
    """A category squad [专项招商小组]: the reviewers who work the applications of its categories."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    categories = models.ManyToManyField("portal.Category", related_name="squads", blank=True,
                                        verbose_name=_("categories"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="squads", blank=True,
                                     verbose_name=_("reviewers"))
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="led_squads", verbose_name=_("lead"))

    class Meta:
        verbose_name = _("squad")
        verbose_name_plural = _("squads")
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        from .i18n import pick_language

        return pick_language(self.name_zh, self.name_en)
