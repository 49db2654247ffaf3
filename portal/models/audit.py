from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit entries are never updated")

    def delete(self):
        raise AppendOnlyError("audit entries are never deleted")


class AuditEntry(models.Model):
    """One line of the append-only, hash-chained audit log.

    Written only by `portal.audit.audit_entry_create` (or `audit_entries_create`, several at once), in the same
    transaction as the change it records. Each entry stores the hash of the one before it, so removing or editing
    a row breaks the chain (`portal.audit.audit_chain_verify`). On PostgreSQL a trigger also refuses UPDATE and
    DELETE.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    actor_repr = models.CharField(_("actor"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(_("object"), max_length=255, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit entries are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are never deleted")
