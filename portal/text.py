"""Punctuation that code puts between translated words, in the active language.

Chinese text takes full-width marks: an enumeration comma between names (生鲜、跨境), a full-width comma
between phrases, a full-width semicolon between clauses and a full-width colon after a label; English
takes ", ", "; " and ": ". Code that joins words or writes "label: value" goes through these helpers
instead of writing the ASCII marks itself, so no Chinese sentence ends up with half-width punctuation.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext, pgettext


def join_names(items: Iterable[object]) -> str:
    """A list of names: 'Fresh food, cross-border' / '生鲜、跨境'."""
    return pgettext("separator between names in a list", ", ").join(str(item) for item in items)


def join_phrases(items: Iterable[object]) -> str:
    """Phrases of one sentence: 'one-off, capped at ¥1.00' / '一次性，每个项目上限 ¥1.00'."""
    return pgettext("separator between phrases of a sentence", ", ").join(str(item) for item in items)


def clause_separator() -> str:
    return pgettext("separator between clauses", "; ")


def join_clauses(items: Iterable[object]) -> str:
    """Clauses that could each stand alone: '¥0.50 per order; ¥1.00 for …' / '每单 ¥0.50；…'."""
    return clause_separator().join(str(item) for item in items)


def colon() -> str:
    """The mark after a label: ':' / '：'. The same msgid is Django's form label suffix, so the project
    catalog's translation gives every form label the full-width colon in Chinese as well."""
    return gettext(":")


def label_value(label: object, value: object) -> str:
    """'Score: 80' / '评分：80'."""
    return pgettext("a label and its value", "%(label)s: %(value)s") % {"label": label, "value": value}


def parenthesised(value: object) -> str:
    """'(one-off)' / '（一次性）'."""
    return pgettext("text in parentheses", "(%(text)s)") % {"text": value}
