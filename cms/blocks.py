"""StreamField blocks of the policy site. Editorial text only: policy figures come from policy items."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail import blocks


class FactBlock(blocks.StructBlock):
    """A "why join us" fact: a headline figure, what it measures and where it comes from."""

    figure = blocks.CharBlock(label=_("figure"), max_length=40, help_text=_("e.g. ¥10 trillion, 98%"))
    label = blocks.CharBlock(label=_("what it measures"), max_length=200)
    source = blocks.CharBlock(label=_("source"), max_length=200, required=False,
                              help_text=_("Shown under the figure, e.g. the statistics office's report."))
    editor_note = blocks.CharBlock(label=_("note for editors"), max_length=255, required=False,
                                   help_text=_("Seen in the admin only, never on the site: e.g. check the official "
                                               "source before publishing."))

    class Meta:
        icon = "pick"
        label = _("Fact")
        template = "cms/blocks/fact.html"


class LinkBlock(blocks.StructBlock):
    """A featured link: an internal page (preferred) or an external address."""

    title = blocks.CharBlock(label=_("title"), max_length=120)
    text = blocks.TextBlock(label=_("short description"), required=False)
    page = blocks.PageChooserBlock(label=_("page"), required=False)
    url = blocks.URLBlock(label=_("or an external address"), required=False)

    class Meta:
        icon = "link"
        label = _("Link")


class OfferBlock(blocks.StructBlock):
    """What a merchant gets in a recruitment phase."""

    title = blocks.CharBlock(label=_("offer"), max_length=160)
    text = blocks.TextBlock(label=_("details"), required=False)

    class Meta:
        icon = "tick-inverse"
        label = _("Offer")
        template = "cms/blocks/offer.html"


class TargetBlock(blocks.StructBlock):
    """A recruitment target of a phase: a figure and what it counts."""

    figure = blocks.CharBlock(label=_("figure"), max_length=40)
    label = blocks.CharBlock(label=_("what it counts"), max_length=200)

    class Meta:
        icon = "site"
        label = _("Target")
        template = "cms/blocks/target.html"


class ResultBlock(blocks.StructBlock):
    """A result of a case study."""

    figure = blocks.CharBlock(label=_("figure"), max_length=40)
    label = blocks.CharBlock(label=_("what changed"), max_length=200)

    class Meta:
        icon = "doc-full"
        label = _("Result")
        template = "cms/blocks/target.html"


class QuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("question"), max_length=255)
    answer = blocks.RichTextBlock(label=_("answer"), features=["bold", "italic", "link", "ol", "ul"])

    class Meta:
        icon = "help"
        label = _("Question")


class FaqSectionBlock(blocks.StructBlock):
    """A section of the knowledge base: a heading and its questions."""

    heading = blocks.CharBlock(label=_("heading"), max_length=120)
    questions = blocks.ListBlock(QuestionBlock(), label=_("questions"))

    class Meta:
        icon = "list-ul"
        label = _("Section")
        template = "cms/blocks/faq_section.html"


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("step"), max_length=160)
    text = blocks.TextBlock(label=_("details"), required=False)

    class Meta:
        icon = "arrow-right"
        label = _("Step")


class DocumentRequirementBlock(blocks.StructBlock):
    name = blocks.CharBlock(label=pgettext_lazy("qualification documents", "document"), max_length=160)
    note = blocks.TextBlock(label=_("note"), required=False)
    required = blocks.BooleanBlock(label=_("always required"), required=False, default=True)

    class Meta:
        icon = "doc-full"
        label = pgettext_lazy("qualification documents", "Document")


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), max_length=160)
    text = blocks.RichTextBlock(label=_("text"), features=["bold", "italic", "link", "ol", "ul"])

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "cms/blocks/callout.html"


class BodyBlock(blocks.StreamBlock):
    """Free editorial content for pages that need a body below their structured fields."""

    heading = blocks.CharBlock(label=_("heading"), max_length=160, form_classname="title",
                               template="cms/blocks/heading.html")
    paragraph = blocks.RichTextBlock(label=_("paragraph"), features=["h3", "bold", "italic", "link", "ol", "ul"])
    callout = CalloutBlock()

    class Meta:
        label = _("Body")
