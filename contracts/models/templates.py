"""Contract template versions: the wording of one cooperation mode's contract as it was approved.

Editors draft and approve the template itself in the Wagtail admin (a snippet with drafts, revisions and a
two-person workflow); publishing it freezes its content here as a new version that takes effect from its date.
A contract keeps the version it was issued with, so its PDF can be rebuilt and checked years later.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import DraftStateMixin, LockableMixin, PreviewableMixin, RevisionMixin, WorkflowMixin

from portal.models import CooperationMode

from ..clauses import ClauseKind, template_content_problems

_PLACEHOLDER_HELP = _("Name the contract's terms in braces, e.g. {deposit_amount}, {settlement_days}, {categories}; "
                      "the list is in the operator guide. Write a literal brace as {{ or }}.")


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


class ClauseBlock(blocks.StructBlock):
    """One clause of a template: its kind, and heading and wording in both languages. The wording names the
    contract's terms by placeholder (`{deposit_amount}`); the commission clause is followed by the table."""

    kind = blocks.ChoiceBlock(choices=ClauseKind.choices, label=_("kind"))
    heading_zh = blocks.CharBlock(max_length=200, label=_("heading (Chinese)"))
    heading_en = blocks.CharBlock(max_length=200, label=_("heading (English)"))
    body_zh = blocks.TextBlock(label=_("wording (Chinese)"), help_text=_PLACEHOLDER_HELP)
    body_en = blocks.TextBlock(label=_("wording (English)"), help_text=_PLACEHOLDER_HELP)

    class Meta:
        icon = "doc-full"
        label = _("clause")


class ContractTemplate(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, PreviewableMixin,
                       models.Model):
    """The live, editable template of one cooperation mode (a Wagtail snippet). Editors draft a change, preview it
    as a PDF with sample data and submit it to the approval workflow; a second person approves it, which
    publishes it, and publishing freezes it as the next `ContractTemplateVersion`. Contracts never read this
    model, only the frozen versions."""

    mode = models.CharField(_("cooperation mode"), max_length=20, choices=CooperationMode.choices, unique=True)
    effective_from = models.DateField(_("effective from"), default=timezone.localdate,
                                      help_text=_("Contracts drafted from this day on use the new version."))
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    operator_name_zh = models.CharField(_("operator's registered name (Chinese)"), max_length=200)
    operator_name_en = models.CharField(_("operator's registered name (English)"), max_length=200)
    operator_credit_code = models.CharField(_("operator's unified social credit code"), max_length=18, blank=True)
    operator_address_zh = models.CharField(_("operator's address (Chinese)"), max_length=300, blank=True)
    operator_address_en = models.CharField(_("operator's address (English)"), max_length=300, blank=True)
    preamble_zh = models.TextField(_("preamble (Chinese)"), help_text=_PLACEHOLDER_HELP)
    preamble_en = models.TextField(_("preamble (English)"), help_text=_PLACEHOLDER_HELP)
    clauses = StreamField([("clause", ClauseBlock())], verbose_name=_("clauses"), use_json_field=True)

    panels = [
        FieldPanel("mode"),
        FieldPanel("effective_from"),
        MultiFieldPanel([FieldPanel("title_zh"), FieldPanel("title_en")], heading=_("Title")),
        MultiFieldPanel([FieldPanel("operator_name_zh"), FieldPanel("operator_name_en"),
                         FieldPanel("operator_credit_code"), FieldPanel("operator_address_zh"),
                         FieldPanel("operator_address_en")], heading=_("The operator (party A)")),
        MultiFieldPanel([FieldPanel("preamble_zh"), FieldPanel("preamble_en")], heading=_("Preamble")),
        FieldPanel("clauses"),
    ]

    class Meta:
        verbose_name = _("contract template")
        verbose_name_plural = _("contract templates")
        ordering = ["mode"]

    def __str__(self) -> str:
        return f"{self.get_mode_display()}: {self.title_zh}"

    def template_content(self) -> dict:
        """The content as a version freezes it and the renderer reads it (`ContractTemplateVersion.content`)."""
        return {
            "title": {"zh": self.title_zh, "en": self.title_en},
            "operator": {"name": {"zh": self.operator_name_zh, "en": self.operator_name_en},
                         "credit_code": self.operator_credit_code,
                         "address": {"zh": self.operator_address_zh, "en": self.operator_address_en}},
            "preamble": {"zh": self.preamble_zh, "en": self.preamble_en},
            "clauses": [
                {"kind": block.value["kind"],
                 "heading": {"zh": block.value["heading_zh"], "en": block.value["heading_en"]},
                 "body": {"zh": block.value["body_zh"], "en": block.value["body_en"]}}
                for block in self.clauses if block.block_type == "clause"
            ],
        }

    def clean(self) -> None:
        super().clean()
        problems = template_content_problems(mode=self.mode, content=self.template_content())
        if problems:
            raise ValidationError({"clauses": problems})
        if self.pk and type(self).objects.filter(pk=self.pk).exclude(mode=self.mode).exists():
            raise ValidationError({"mode": _("A template keeps its cooperation mode.")})
        latest = ContractTemplateVersion.objects.filter(mode=self.mode).order_by("-number").first()
        if latest is not None and self.effective_from and self.effective_from < latest.effective_from:
            raise ValidationError({"effective_from": _(
                "The new version cannot take effect before the current one (%(date)s).")
                % {"date": latest.effective_from.isoformat()}})

    def publish(self, revision, user=None, **kwargs):
        """Wagtail's publish (the workflow's last approval, or a direct publish), then the frozen version."""
        from ..template_versions import contract_template_version_freeze, template_publish_check

        with transaction.atomic():
            template_publish_check(template=self, revision=revision, user=user)
            result = super().publish(revision, user=user, **kwargs)
            live = type(self).objects.filter(pk=self.pk, live_revision=revision).exists()
            if live:  # not merely scheduled for later
                contract_template_version_freeze(template=self, revision=revision, user=user)
        return result

    # ---- preview: the PDF with sample data
    @property
    def preview_modes(self):
        return [("", _("PDF with sample data"))]

    def serve_preview(self, request, mode_name):
        from django.http import HttpResponse

        from ..documents import template_preview_pdf

        pdf = template_preview_pdf(template=self)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="template-{self.mode}-preview.pdf"'
        return response
