"""Page types of the public investment-policy site.

The tree is fixed by `parent_page_types` / `subpage_types`:

    (root) └ HomePage (one per locale)
              ├ PolicyIndexPage ─ PolicyPage (one per policy block)
              ├ ProgrammeIndexPage ─ ProgrammePhasePage
              ├ CooperationModeIndexPage ─ CooperationModePage
              ├ CaseStudyIndexPage ─ CaseStudyPage
              ├ FaqPage
              ├ BenefitsCalculatorPage
              └ ApplyPage

Pages hold editorial text only. Policy figures come from `portal` policy items through selectors, and
the calculator computes with the same items, so one number lives in one place.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index

from portal.models import Category, CooperationMode, PolicyBlock, PortalSettings

from . import blocks
from .search import cjk_tokens, searchable_text_of

RICH_FEATURES = ["h3", "bold", "italic", "link", "ol", "ul"]


class SitePage(Page):
    """Common ground of every page type: Chinese-aware search text. Not creatable on its own."""

    # Fields whose text search indexes (besides the title and promote fields).
    text_fields: list[str] = []

    search_fields = [
        *Page.search_fields,
        index.SearchField("search_description"),
        index.SearchField("cjk_search_text"),
    ]

    class Meta:
        abstract = True

    def get_view_restrictions(self):
        """The restrictions on this page and its ancestors in one query (Wagtail's takes two).

        As in Wagtail, an alias page answers to its source page's restrictions: for each path on the way
        down, the restrictions of the page at that path and of the page it is an alias of. A page read by
        the short route (`cms.routing`) already knows whether any apply; with none, no query is needed.
        """
        if getattr(self, "_view_restricted", None) is False:
            return PageViewRestriction.objects.none()
        steplen = self.steplen
        paths = [self.path[:end] for end in range(steplen, len(self.path) + 1, steplen)]
        return PageViewRestriction.objects.filter(
            Q(page__path__in=paths, page__alias_of__isnull=True) | Q(page__aliases__path__in=paths)
        ).distinct()

    def cjk_search_text(self) -> str:
        text = searchable_text_of(self, ["title", "seo_title", "search_description", *self.text_fields])
        return " ".join(cjk_tokens(text))


def _with_text_fields(*names: str) -> list:
    return [*SitePage.search_fields, *(index.SearchField(name) for name in names)]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved forward by whole calendar months (the day of month is clamped to the month's end)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


def localized_pages(pages: list[Page], locale) -> dict[int, Page]:
    """Map each page's id to its live translation in `locale` (or itself), in one query."""
    keys = {page.translation_key for page in pages if page.locale_id != locale.pk}
    translated = {}
    if keys:
        translated = {p.translation_key: p for p in Page.objects.live().filter(translation_key__in=keys, locale=locale)}
    return {page.pk: translated.get(page.translation_key, page) for page in pages}


# ---------------------------------------------------------------- home


class HomePage(SitePage):
    hero_title = models.CharField(_("hero title"), max_length=160)
    hero_text = models.TextField(
        _("hero text"), blank=True,
        help_text=_("Leave out phase offers (such as a waived entry fee): the offers of the phase that is current "
                    "are shown under this text, from the programme phase pages."))
    intro = RichTextField(_("introduction"), features=RICH_FEATURES, blank=True)
    facts = StreamField([("fact", blocks.FactBlock())], verbose_name=_("why join us"), blank=True)
    facts_note = models.CharField(_("note under the facts"), max_length=255, blank=True)
    featured_links = StreamField([("link", blocks.LinkBlock())], verbose_name=_("featured links"), blank=True)

    text_fields = ["hero_title", "hero_text", "intro", "facts"]
    search_fields = _with_text_fields("hero_title", "hero_text", "intro", "facts")

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("hero_title"), FieldPanel("hero_text")], heading=_("Hero")),
        FieldPanel("intro"),
        FieldPanel("facts"),
        FieldPanel("facts_note"),
        FieldPanel("featured_links"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms.PolicyIndexPage",
        "cms.ProgrammeIndexPage",
        "cms.CooperationModeIndexPage",
        "cms.CaseStudyIndexPage",
        "cms.FaqPage",
        "cms.BenefitsCalculatorPage",
        "cms.ApplyPage",
    ]
    # One home per content language (each locale's tree has its own).
    max_count = len(settings.WAGTAIL_CONTENT_LANGUAGES)

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["current_phase"] = programme_phase_current(within=self, request=request)
        links = list(self.featured_links)
        pages = [link.value["page"] for link in links if link.value["page"] is not None]
        translated = localized_pages(pages, self.locale) if pages else {}
        context["featured"] = [
            {
                "title": link.value["title"],
                "text": link.value["text"],
                "page": translated.get(link.value["page"].pk) if link.value["page"] else None,
                "url": link.value["url"],
            }
            for link in links
        ]
        return context


# ---------------------------------------------------------------- policy


class PolicyIndexPage(SitePage):
    intro = RichTextField(_("introduction"), features=RICH_FEATURES, blank=True)

    text_fields = ["intro"]
    search_fields = _with_text_fields("intro")
    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.PolicyPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("policy index page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["blocks"] = PolicyPage.objects.child_of(self).live().order_by("path")
        return context


class PolicyPageForm(WagtailAdminPageForm):
    """Refuses a second page for the same block under one policy index."""

    def clean(self):
        cleaned = super().clean()
        block = cleaned.get("block")
        parent = getattr(self, "parent_page", None)
        if block and parent is not None:
            clash = PolicyPage.objects.child_of(parent).filter(block=block)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("block", _("Another page under this index already shows this block."))
        return cleaned


class PolicyPage(SitePage):
    """One block of the policy package; its figures are the block's current policy items."""

    base_form_class = PolicyPageForm

    block = models.CharField(_("policy block"), max_length=20, choices=PolicyBlock.choices)
    intro = RichTextField(_("introduction"), features=RICH_FEATURES, blank=True)
    body = StreamField(blocks.BodyBlock(), verbose_name=_("notes below the figures"), blank=True)

    text_fields = ["intro", "body"]
    search_fields = [*_with_text_fields("intro", "body"), index.SearchField("policy_search_text")]
    content_panels = [*Page.content_panels, FieldPanel("block"), FieldPanel("intro"), FieldPanel("body")]

    parent_page_types = ["cms.PolicyIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("policy page")

    def policy_items(self, on_date: datetime.date | None = None):
        """The block's current items with what their figures need (bands); eligible categories are not shown."""
        from portal.policy.selectors import policy_items_for_display

        return policy_items_for_display(block=self.block, on_date=on_date)

    def policy_search_text(self) -> str:
        """The names and summaries of this block's items in the page's language, for search."""
        language = self.locale.language_code if self.locale_id else settings.LANGUAGE_CODE
        with translation.override(language):
            parts = [f"{item.name} {item.summary}" for item in self.policy_items()]
        text = " ".join(parts)
        return f"{text} {' '.join(cjk_tokens(text))}"

    def get_context(self, request, *args, **kwargs):
        from portal.policy.describe import policy_item_rows

        context = super().get_context(request, *args, **kwargs)
        context["items"] = self.policy_items()
        context["rows"] = policy_item_rows(context["items"])
        return context


# ---------------------------------------------------------------- programme phases


class ProgrammePhase(models.TextChoices):
    LAUNCH = "launch", _("Launch")
    GROWTH = "growth", _("Growth")
    EXPANSION = "expansion", _("Expansion")
    OPTIMISATION = "optimisation", _("Optimisation")


class ProgrammeIndexPage(SitePage):
    intro = RichTextField(_("introduction"), features=RICH_FEATURES, blank=True)

    text_fields = ["intro"]
    search_fields = _with_text_fields("intro")
    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ProgrammePhasePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("recruitment programme page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        launch_date = PortalSettings.load(request_or_site=request).launch_date
        today = timezone.localdate()
        context["launch_date"] = launch_date
        context["phases"] = [(phase, phase.period(launch_date), phase.is_current(launch_date, today))
                             for phase in programme_phases(within=self)]
        return context


class ProgrammePhasePage(SitePage):
    """A recruitment phase; its months count from the launch date D0 in the portal settings."""

    phase = models.CharField(_("phase"), max_length=20, choices=ProgrammePhase.choices)
    start_month = models.PositiveSmallIntegerField(_("starts at month"), help_text=_("Months after the launch date."))
    end_month = models.PositiveSmallIntegerField(_("ends at month"), null=True, blank=True,
                                                 help_text=_("Empty: the phase has no end."))
    summary = models.TextField(_("summary"), blank=True)
    offers = StreamField([("offer", blocks.OfferBlock())], verbose_name=_("offers"), blank=True)
    targets = StreamField([("target", blocks.TargetBlock())], verbose_name=_("targets"), blank=True)
    body = StreamField(blocks.BodyBlock(), verbose_name=_("more"), blank=True)

    text_fields = ["summary", "offers", "targets", "body"]
    search_fields = _with_text_fields("summary", "offers", "targets", "body")
    content_panels = [
        *Page.content_panels,
        FieldPanel("phase"),
        FieldRowPanel([FieldPanel("start_month"), FieldPanel("end_month")], heading=_("Months")),
        FieldPanel("summary"),
        FieldPanel("offers"),
        FieldPanel("targets"),
        FieldPanel("body"),
    ]

    parent_page_types = ["cms.ProgrammeIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("programme phase page")

    def clean(self):
        super().clean()
        if self.end_month is not None and self.start_month is not None and self.end_month <= self.start_month:
            raise ValidationError({"end_month": _("The phase must end after it starts.")})

    def period(self, launch_date: datetime.date) -> tuple[datetime.date, datetime.date | None]:
        """First day and last day (None: open-ended) of the phase for a launch date."""
        start = add_months(launch_date, self.start_month)
        if self.end_month is None:
            return start, None
        return start, add_months(launch_date, self.end_month) - datetime.timedelta(days=1)

    def is_current(self, launch_date: datetime.date, today: datetime.date) -> bool:
        start, end = self.period(launch_date)
        return start <= today and (end is None or today <= end)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        launch_date = PortalSettings.load(request_or_site=request).launch_date
        context["launch_date"] = launch_date
        context["start_date"], context["end_date"] = self.period(launch_date)
        context["is_current"] = self.is_current(launch_date, timezone.localdate())
        return context


def programme_phases(*, within: Page) -> models.QuerySet:
    """The live phase pages under `within` (a home or the programme page), in the order they run."""
    return ProgrammePhasePage.objects.descendant_of(within).live().order_by("start_month", "path")


def programme_phase_current(*, within: Page, request=None, today: datetime.date | None = None):
    """The phase page that is current on `today` for the launch date D0 in the portal settings, or None.

    The one place that decides which phase's offers the site promises: the home page's hero and the
    programme pages both read it, so they cannot disagree.
    """
    launch_date = PortalSettings.load(request_or_site=request).launch_date
    today = today or timezone.localdate()
    return next((phase for phase in programme_phases(within=within) if phase.is_current(launch_date, today)), None)


# ---------------------------------------------------------------- cooperation modes


class CooperationModeIndexPage(SitePage):
    intro = RichTextField(_("introduction"), features=RICH_FEATURES, blank=True)

    text_fields = ["intro"]
    search_fields = _with_text_fields("intro")
    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.CooperationModePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("cooperation modes page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["modes"] = CooperationModePage.objects.child_of(self).live().order_by("path")
        return context


class CooperationModePage(SitePage):
    mode = models.CharField(_("cooperation mode"), max_length=20, choices=CooperationMode.choices)
    summary = models.TextField(_("summary"), blank=True)
    merchant_does = RichTextField(_("what the merchant does"), features=RICH_FEATURES, blank=True)
    platform_takes = RichTextField(_("what the platform takes"), features=RICH_FEATURES, blank=True)
    fees_text = RichTextField(_("fees"), features=RICH_FEATURES, blank=True)
    suited_to = models.TextField(_("suited to"), blank=True)
    body = StreamField(blocks.BodyBlock(), verbose_name=_("more"), blank=True)

    text_fields = ["summary", "merchant_does", "platform_takes", "fees_text", "suited_to", "body"]
    search_fields = _with_text_fields("summary", "merchant_does", "platform_takes", "fees_text", "suited_to", "body")
    content_panels = [
        *Page.content_panels,
        FieldPanel("mode"),
        FieldPanel("summary"),
        FieldPanel("merchant_does"),
        FieldPanel("platform_takes"),
        FieldPanel("fees_text"),
        FieldPanel("suited_to"),
        FieldPanel("body"),
    ]

    parent_page_types = ["cms.CooperationModeIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("cooperation mode page")


# ---------------------------------------------------------------- case studies


class CaseStudyIndexPage(SitePage):
    intro = RichTextField(_("introduction"), features=RICH_FEATURES, blank=True)

    text_fields = ["intro"]
    search_fields = _with_text_fields("intro")
    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.CaseStudyPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("case studies page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["cases"] = (
            CaseStudyPage.objects.child_of(self).live().select_related("category").order_by("path")
        )
        return context


class CaseStudyPage(SitePage):
    company = models.CharField(_("company"), max_length=160)
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    is_illustrative = models.BooleanField(
        _("illustrative example"), default=True,
        help_text=_("Tick unless the merchant consented and the name passed a fact and trademark check."),
    )
    summary = models.TextField(_("summary"), blank=True)
    quote = models.TextField(_("quote"), blank=True)
    quote_by = models.CharField(_("quote by"), max_length=160, blank=True)
    results = StreamField([("result", blocks.ResultBlock())], verbose_name=_("results"), blank=True)
    body = StreamField(blocks.BodyBlock(), verbose_name=_("story"), blank=True)

    text_fields = ["company", "summary", "quote", "results", "body"]
    search_fields = _with_text_fields("company", "summary", "quote", "results", "body")
    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("company"), FieldPanel("category")]),
        FieldPanel("is_illustrative"),
        FieldPanel("summary"),
        MultiFieldPanel([FieldPanel("quote"), FieldPanel("quote_by")], heading=_("Quote")),
        FieldPanel("results"),
        FieldPanel("body"),
    ]

    parent_page_types = ["cms.CaseStudyIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("case study page")

    @property
    def card_eyebrow(self) -> str:
        """The line above the company name on the case-study cards: category and the illustrative mark."""
        parts = [self.category.name] if self.category else []
        if self.is_illustrative:
            parts.append(str(_("Illustrative example")))
        return " · ".join(parts)


# ---------------------------------------------------------------- knowledge base, calculator, apply


class FaqPage(SitePage):
    """The knowledge base: sections of questions and answers."""

    intro = RichTextField(_("introduction"), features=RICH_FEATURES, blank=True)
    body = StreamField([("section", blocks.FaqSectionBlock())], verbose_name=_("sections"), blank=True)

    text_fields = ["intro", "body"]
    search_fields = _with_text_fields("intro", "body")
    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]

    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("FAQ page")


class BenefitsCalculatorPage(SitePage):
    """Renders the benefits calculator: the visitor's figures in, estimated support out."""

    intro = RichTextField(_("introduction"), features=RICH_FEATURES, blank=True)
    disclaimer = models.TextField(
        _("disclaimer"), blank=True,
        help_text=_("Shown with every result: the figures are an estimate, not a promise of returns."),
    )

    text_fields = ["intro", "disclaimer"]
    search_fields = _with_text_fields("intro", "disclaimer")
    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("disclaimer")]

    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("benefits calculator page")

    def serve(self, request, *args, **kwargs):
        from portal.policy.calculator import benefits_estimate
        from portal.policy.forms import BenefitsCalculatorForm

        # Bind only when the visitor sent calculator figures: tracking parameters alone (utm_*) are no input.
        submitted = any(name in request.GET for name in BenefitsCalculatorForm.base_fields)
        form = BenefitsCalculatorForm(request.GET if submitted else None)
        estimate = benefits_estimate(inputs=form.to_inputs()) if submitted and form.is_valid() else None
        kwargs.update(form=form, estimate=estimate)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, form=None, estimate=None, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if form is None:
            from portal.policy.forms import BenefitsCalculatorForm

            form = BenefitsCalculatorForm()
        context["form"] = form
        context["estimate"] = estimate
        return context


def url_or_path(name: str, fallback: str) -> str:
    """The URL named `name` if the project has it, otherwise `fallback` under the active language's prefix.

    For links into areas that may not be installed (accounts): the page renders either way.
    """
    try:
        return reverse(name)
    except NoReverseMatch:
        return f"/{translation.get_language() or settings.LANGUAGE_CODE}/{fallback.strip('/')}/"


class ApplyPage(SitePage):
    """Starts an application: the steps, the documents to prepare, and the way in."""

    intro = RichTextField(_("introduction"), features=RICH_FEATURES, blank=True)
    steps = StreamField([("step", blocks.StepBlock())], verbose_name=_("steps"), blank=True)
    documents = StreamField([("document", blocks.DocumentRequirementBlock())],
                            verbose_name=pgettext_lazy("qualification documents", "documents"), blank=True)
    call_to_action = models.CharField(_("button text"), max_length=80, blank=True)
    body = StreamField(blocks.BodyBlock(), verbose_name=_("more"), blank=True)

    text_fields = ["intro", "steps", "documents", "body"]
    search_fields = _with_text_fields("intro", "steps", "documents", "body")
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("steps"),
        FieldPanel("documents"),
        FieldPanel("call_to_action"),
        FieldPanel("body"),
    ]

    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("apply page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["signup_url"] = url_or_path("accounts:signup", "accounts/signup")
        return context
