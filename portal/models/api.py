"""Tokens of the REST API (`portal.api`): one per API client (the trading platform, with write scopes) or per
merchant (read-only, made and revoked by the merchant's owner, reading only that merchant's data).

A token is shown once, when it is made; the portal keeps only its SHA-256 (a token is 256 random bits, so a
fast hash is enough) and a short prefix to find it by. A revoked token is kept (who, when) and never works again.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .merchants import Merchant


class ApiScope(models.TextChoices):
    ORDERS_WRITE = "orders:write", _("Write order lines")
    COMPLAINTS_WRITE = "complaints:write", _("Write complaints")
    RATINGS_WRITE = "ratings:write", _("Write satisfaction ratings")
    READ = "read", _("Read")


class ApiToken(models.Model):
    class Kind(models.TextChoices):
        CLIENT = "client", _("API client")
        MERCHANT = "merchant", _("Merchant (read only)")

    Scope = ApiScope

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    merchant = models.ForeignKey(Merchant, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens",
                                 verbose_name=_("merchant"))
    scopes = models.JSONField(_("scopes"), default=list)
    prefix = models.CharField(_("token prefix"), max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("revoked by"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="client", merchant__isnull=True)
                           | models.Q(kind="merchant", merchant__isnull=False)),
                name="apitoken_merchant_only_for_merchant_tokens"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
