"""Contract template versions: the wording of one cooperation mode's contract as it was approved.

Editors draft and approve the template itself in the Wagtail admin (a snippet with drafts, revisions and a
two-person workflow); publishing it freezes its content here as a new version that takes effect from its date.
A contract keeps the version it was issued with, so its PDF can be rebuilt and checked years later.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import CooperationMode


class ContractTemplateVersionQuerySet(models.QuerySet):
    def effective_on(self, *, mode: str, on: dt.date) -> ContractTemplateVersion | None:
        """The version of `mode` in effect on `on`: the latest one whose date has come."""
        return self.filter(mode=mode, effective_from__lte=on).order_by("-effective_from", "-number").first()


class ContractTemplateVersion(models.Model):
    """One approved version of a mode's template. Never edited: a change is a new version."""

    mode = models.CharField(_("cooperation mode"), max_length=20, choices=CooperationMode.choices)
    number = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    # the template's wording as published: {"preamble": {"zh": …, "en": …}, "clauses": [{"kind", "heading",
    # "body"} …]}; the renderer reads only this, never the live snippet
    content = models.JSONField(_("content"), default=dict)
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64)
    revision_id = models.PositiveIntegerField(_("revision"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("published by"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("approved by"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    objects = ContractTemplateVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract template version")
        verbose_name_plural = _("contract template versions")
        constraints = [models.UniqueConstraint(fields=["mode", "number"], name="contract_template_version_unique")]
        ordering = ["mode", "-number"]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} v{self.number}"
