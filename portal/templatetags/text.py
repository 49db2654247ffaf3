"""`{% load text %}`: punctuation between translated words in the active language (see `portal.text`)."""

from django import template

from portal import text

register = template.Library()


@register.simple_tag(name="colon")
def colon() -> str:
    """`<strong>{% translate "Score" %}{% colon %}</strong>`: ':' in English, '：' in Chinese."""
    return text.colon()


@register.simple_tag(name="label_value")
def label_value(label, value) -> str:
    """`{% label_value item.field item.comment %}`: 'Licence: expired' / '营业执照：已过期'."""
    return text.label_value(label, value)


@register.simple_tag(name="clause_separator")
def clause_separator() -> str:
    """Between clauses a template writes in a loop: '; ' / '；'."""
    return text.clause_separator()


@register.simple_tag(name="parenthesised")
def parenthesised(value) -> str:
    """`{% parenthesised line.rule %}`: '(…)' / '（…）'."""
    return text.parenthesised(value)


@register.filter(name="join_names")
def join_names(items) -> str:
    """`{{ fields|join_names }}`: 'Brands, Main category' / '品牌、主营类目'."""
    return text.join_names(items)
