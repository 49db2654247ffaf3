"""Chinese-aware full-text search over the site's pages.

The database search backends split words on spaces, so a run of Chinese characters would be one long
"word" and a visitor's query for a term inside it would never match. Pages therefore also index their
Chinese text as overlapping character pairs (bigrams, plus single characters), and a query is
segmented the same way before it reaches the backend. Latin text is indexed and searched as usual.

A visitor's query reaches the backends only as plain words: the SQLite backend hands its terms to FTS5's
query syntax, where a lone `"` is an error, and PostgreSQL refuses a NUL byte in any text, so quotes,
operators, control characters and other punctuation are dropped before the search (the backends'
tokenisers drop them from the indexed text anyway).
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Model
from wagtail.models import Locale, Page

# CJK Unified Ideographs (with extension A) and the compatibility block.
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# A searchable word: letters and digits of any script (underscore counts as a separator here).
_WORD = re.compile(r"[^\W_]+")


def cjk_tokens(text: str, *, unigrams: bool = True) -> list[str]:
    """The bigrams (and, if asked, single characters) of every run of Chinese characters in `text`."""
    tokens: list[str] = []
    for run in _CJK_RUN.findall(text or ""):
        if unigrams or len(run) == 1:
            tokens.extend(run)
        tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def search_query_clean(raw: str, *, max_length: int) -> str:
    """The visitor's query as the page shows it again: control characters (NUL included) become spaces,
    runs of spaces collapse, and it is cut to `max_length` characters."""
    text = "".join(" " if unicodedata.category(char).startswith("C") else char for char in raw or "")
    return " ".join(text.split())[:max_length].strip()


def search_query_prepare(query: str) -> str:
    """The query as the backend should see it: Chinese runs become their bigrams, other words stay.

    Only letters and digits survive, so the result is safe to hand to either backend's query syntax.
    """
    query = query or ""
    latin = _CJK_RUN.sub(" ", query)
    words = _WORD.findall(latin) + cjk_tokens(query, unigrams=False)
    return " ".join(words)


def searchable_text_of(obj: Model, field_names: list[str]) -> str:
    """The plain text of the named fields (rich text stripped, StreamField blocks flattened)."""
    parts: list[str] = []
    for name in field_names:
        field = obj._meta.get_field(name)
        value = field.value_from_object(obj)
        if value in (None, ""):
            continue
        extract = getattr(field, "get_searchable_content", None)
        parts.extend(extract(value) if extract else [str(value)])
    return " ".join(str(part) for part in parts)


def pages_search(*, query: str, locale: Locale):
    """Live, public pages of `locale` that match `query`, best first (a lazy search result)."""
    prepared = search_query_prepare(query)
    if not prepared:
        return Page.objects.none()
    pages = Page.objects.live().public().filter(locale=locale).exclude(depth=1)
    return pages.search(prepared, operator="and")
