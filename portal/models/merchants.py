from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Merchant(models.Model):
    """The partner record: one organisation (merchant, supplier or service provider) and its users.

    Created when someone signs up to apply; the application, contract, deposit and statements hang off it.
    A merchant user only ever sees rows of the merchants they are a member of.
    """

    class Kind(models.TextChoices):
        MERCHANT = "merchant", _("Merchant")
        SUPPLIER = "supplier", _("Supplier")
        SERVICE_PROVIDER = "service_provider", _("Service provider")

    name = models.CharField(_("organisation name"), max_length=200)
    kind = models.CharField(_("partner kind"), max_length=20, choices=Kind.choices, default=Kind.MERCHANT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="MerchantMembership", related_name="merchants", verbose_name=_("users")
    )

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MerchantMembership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MEMBER = "member", _("Member")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="merchant_memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
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
