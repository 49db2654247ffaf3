"""Chinese text reads as Chinese: full-width punctuation and 您, in the catalogs, the demo content and the
words that code puts together.

Half-width marks stay where they belong: inside numbers (1,000), codes, URLs, HTML attributes and
placeholders (%(name)s, {x}).
"""

from __future__ import annotations

import ast
import datetime
import re
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.utils import translation

from tests.test_translations import (  # noqa: F401 (fixtures)
    CATALOG,
    WAGTAIL_GAPS,
    committed,
    compiled_locale,
    messages,
    po_parse,
)

BASE_DIR = Path(settings.BASE_DIR)
WAGTAIL_JS_GAPS = WAGTAIL_GAPS.with_name("djangojs.po")
HAN = "\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef“”"
# a half-width , : ; ( ) ! ? right after or right before a Chinese character or full-width mark
HALF_WIDTH_BESIDE_HAN = re.compile(rf"[{HAN}]\s*[,:;()!?]|[,:;()!?]\s*[{HAN}]")
# what may carry half-width marks: placeholders, HTML tags and their attributes, HTML entities, URLs
EXEMPT = re.compile(r"%\(\w+\)[sdifr]|%[sdif]|\{\w*\}|<[^>]*>|&#?\w+;|https?://\S+")
# source files holding Chinese demo content and reference data
CONTENT_SOURCES = ["cms/demo_content.py", "cms/demo.py", "portal/policy/defaults.py", "onboarding/defaults.py"]


def chinese_text_problems(text: str) -> list[str]:
    """What is wrong with one piece of Chinese text: 你, or a half-width mark beside a Chinese character."""
    problems = []
    if "你" in text:
        problems.append("你 (use 您)")
    bare = EXEMPT.sub("", text)
    problems += [f"half-width {m.group()!r}" for m in HALF_WIDTH_BESIDE_HAN.finditer(bare)]
    return problems


def test_the_check_finds_what_it_should_and_spares_numbers_and_placeholders():
    assert chinese_text_problems("主营类目:") == ["half-width '目:'"]
    assert chinese_text_problems("每单 ¥0.50; 生鲜, 跨境") == ["half-width '; 生'", "half-width '鲜,'"]
    assert chinese_text_problems("以 <code>Bearer &lt;token&gt;</code> 发送") == []
    assert chinese_text_problems("你好") == ["你 (use 您)"]
    assert chinese_text_problems("金额不能超过 1,000,000（一万亿）。例如 100,50,50。") == []
    assert chinese_text_problems("%(label)s：%(value)s，见 <a href=\"https://x.cn/a?b=1,2\">说明</a>") == []


@pytest.mark.parametrize("catalog", [CATALOG, WAGTAIL_GAPS, WAGTAIL_JS_GAPS], ids=["project", "wagtail", "wagtail-js"])
def test_catalog_uses_full_width_punctuation_and_the_polite_you(catalog):
    found = [f"{e.label()}: {', '.join(chinese_text_problems(text))} in {text!r}"
             for e in messages(po_parse(catalog)) for text in e.msgstr.values() if chinese_text_problems(text)]
    assert not found, "\n".join(found)


def _chinese_literals(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(f"[{HAN}]", node.value):
            yield node.lineno, node.value


@pytest.mark.parametrize("source", CONTENT_SOURCES)
def test_chinese_demo_content_and_reference_data_use_full_width_punctuation(source):
    found = [f"{source}:{line}: {', '.join(chinese_text_problems(text))} in {text[:80]!r}"
             for line, text in _chinese_literals(BASE_DIR / source) if chinese_text_problems(text)]
    assert not found, "\n".join(found)


def _library_entries_with_ni():
    """(domain, entry) of every installed app's own zh_Hans catalog entry (and Django's) that says 你."""
    import django

    dirs = [Path(django.__file__).parent / "conf" / "locale"]
    dirs += [Path(app.path) / "locale" for app in apps.get_app_configs() if "site-packages" in app.path]
    for directory in dirs:
        for domain in ("django", "djangojs"):
            path = directory / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"
            if path.exists():
                for entry in messages(po_parse(path)):
                    if any("你" in text for text in entry.msgstr.values()):
                        yield domain, entry


def test_every_wagtail_and_django_string_that_says_ni_is_overridden_with_nin(compiled_locale):  # noqa: F811
    entries = list(_library_entries_with_ni())
    assert len(entries) > 50  # Wagtail's and Django's Chinese say 你 in many places
    ours = {(domain, e.key) for domain, path in (("django", CATALOG), ("django", WAGTAIL_GAPS),
                                                 ("djangojs", WAGTAIL_JS_GAPS))
            for e in messages(po_parse(path))}
    missing = sorted({f"{domain}: {e.msgid!r}" for domain, e in entries if (domain, e.key) not in ours})
    assert not missing, "say 您 for these in locale_wagtail/:\n" + "\n".join(missing)
    with translation.override("zh-hans"):
        for domain, entry in entries:
            if domain != "django":
                continue
            if entry.msgid_plural:
                text = translation.ngettext(entry.msgid, entry.msgid_plural, 2)
            elif entry.msgctxt:
                text = translation.pgettext(entry.msgctxt, entry.msgid)
            else:
                text = translation.gettext(entry.msgid)
            assert "你" not in text, (entry.msgid, text)


def test_the_admin_javascript_catalog_has_the_sidebar_badge_in_chinese(client, compiled_locale):  # noqa: F811
    import json

    response = client.get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    catalog = json.loads(re.search(rb"const newcatalog = (\{.*?\});", response.content, re.S).group(1))
    assert catalog["(%(number)s new items in this menu)"] == "（本菜单中有 %(number)s 个新项目）"
    assert catalog["Are you sure?"] == "您确定吗？"


# --- punctuation that code writes -------------------------------------------------------------------------------


def test_joined_words_follow_the_language(compiled_locale):  # noqa: F811
    from portal.text import colon, join_clauses, join_names, join_phrases, label_value, parenthesised

    with translation.override("zh-hans"):
        assert join_names(["生鲜", "跨境"]) == "生鲜、跨境"
        assert join_phrases(["一次性", "每个项目上限 ¥1.00"]) == "一次性，每个项目上限 ¥1.00"
        assert join_clauses(["每单 ¥0.50", "生鲜、跨境：¥1.00"]) == "每单 ¥0.50；生鲜、跨境：¥1.00"
        assert (colon(), label_value("评分", 80), parenthesised("推荐")) == ("：", "评分：80", "（推荐）")
    with translation.override("en"):
        assert join_names(["Fresh food", "cross-border"]) == "Fresh food, cross-border"
        assert join_clauses(["a", "b"]) == "a; b"
        assert (colon(), label_value("Score", 80), parenthesised("recommended")) == (":", "Score: 80", "(recommended)")


def test_django_form_labels_end_with_a_full_width_colon_in_chinese(compiled_locale):  # noqa: F811
    class Sample(forms.Form):
        category = forms.CharField(label="主营类目")

    with translation.override("zh-hans"):
        assert Sample()["category"].label_tag().endswith(">主营类目：</label>")
    with translation.override("en"):
        assert Sample()["category"].label_tag().endswith(">主营类目:</label>")


@pytest.mark.django_db
def test_policy_figures_in_chinese_have_full_width_punctuation(compiled_locale):  # noqa: F811
    from portal.models.policy import PolicyBlock
    from portal.policy.defaults import policy_defaults_load
    from portal.policy.describe import policy_item_rows
    from portal.policy.selectors import policy_items_current

    policy_defaults_load()
    day = datetime.date(2026, 7, 1)
    with translation.override("zh-hans"):
        rows = [row for block in PolicyBlock.values for row in policy_item_rows(policy_items_current(block=block,
                                                                                                     on_date=day))]
    logistics = next(row for row in rows if row.code == "logistics_subsidy")
    assert logistics.figure == "每单 ¥0.50；生鲜、跨境：¥1.00"
    found = [f"{row.code}: {problem} in {text!r}" for row in rows for text in (row.figure, row.cap, row.duration)
             for problem in chinese_text_problems(text)]
    assert not found, "\n".join(found)


@pytest.mark.django_db
def test_the_admin_sign_in_page_is_chinese_throughout(client, compiled_locale):  # noqa: F811
    page = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    label = re.search(r'<label class="w-field__label" for="id_password"[^>]*>\s*(\S+?)<span', page).group(1)
    assert label == "密码"
    assert 'placeholder="输入您的邮箱地址"' in page
    assert "Password" not in page and "你" not in page
    english = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'for="id_password"[^>]*>\s*Password<span', english)
