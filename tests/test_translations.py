"""The Simplified Chinese catalog keeps up with the source.

`locale/zh_Hans/LC_MESSAGES/django.po` is the one project-wide catalog. These tests fail when a string in the
code or templates has no translation yet, when a translation is fuzzy or empty, when a translation drops a
placeholder, and when the compiled catalog does not turn a page into Chinese.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

BASE_DIR = Path(settings.BASE_DIR)
CATALOG = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Chinese for the Wagtail admin strings Wagtail's own zh_Hans catalog leaves out (second in LOCALE_PATHS)
WAGTAIL_GAPS = BASE_DIR / "locale_wagtail" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# the same arguments as the documented makemessages command
MAKEMESSAGES = ["makemessages", "-l", "zh_Hans", "--ignore=.venv", "--ignore=tests", "--ignore=var",
                "--no-obsolete", "-v", "0"]
# what the source tree copy leaves out: environments, runtime data, uploads
COPY_IGNORE = shutil.ignore_patterns(".venv", "var", "media", "private_media", "static_collected", "node_modules",
                                     ".git", "__pycache__", "*.pyc", "*.mo", "*.sqlite3", "*.egg-info", ".*cache")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdif]|\{\w+\}")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return self.msgctxt, self.msgid

    def label(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt else ""
        return f"line {self.line}: {self.msgid!r}{context}"


def po_parse(path: Path) -> list[Entry]:
    """The entries of a .po file as msgmerge writes it (entries separated by blank lines; the header is the entry
    with an empty msgid): flags, msgctxt, msgid, msgid_plural, msgstr or msgstr[n], continued string lines."""
    entries = []
    lines = path.read_text(encoding="utf-8").splitlines()
    block: list[tuple[int, str]] = []
    for number, raw in enumerate([*lines, ""], start=1):
        if raw.strip():
            block.append((number, raw.strip()))
            continue
        if block:
            entries.append(_entry_parse(block))
            block = []
    return entries


def _entry_parse(block: list[tuple[int, str]]) -> Entry:
    entry = Entry(line=block[0][0])
    target = None
    for _number, line in block:
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].strip()
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        elif line.startswith("#"):
            continue
        if line.startswith('"'):
            keyword, value = None, ast.literal_eval(line)
        else:
            keyword, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
        if keyword is None:
            if target is None:
                continue
            if isinstance(target, int):
                entry.msgstr[target] += value
            else:
                setattr(entry, target, getattr(entry, target) + value)
        elif keyword == "msgctxt":
            entry.msgctxt, target = value, "msgctxt"
        elif keyword in ("msgid", "msgid_plural"):
            setattr(entry, keyword, value)
            target = keyword
        elif keyword == "msgstr":
            entry.msgstr[0], target = value, 0
        elif keyword.startswith("msgstr["):
            target = int(keyword[len("msgstr["):-1])
            entry.msgstr[target] = value
    return entry


def messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e.msgid and not e.obsolete]


@pytest.fixture(scope="module")
def committed() -> list[Entry]:
    assert CATALOG.exists(), f"{CATALOG.relative_to(BASE_DIR)} is missing: run makemessages for zh_Hans"
    return po_parse(CATALOG)


def test_parser_reads_plurals_contexts_and_continued_lines(tmp_path):
    po = tmp_path / "sample.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid "%(n)s file"\nmsgid_plural "%(n)s files"\nmsgstr[0] "%(n)s 个文件"\n\n'
        'msgctxt "menu"\nmsgid ""\n"Open "\n"now"\nmsgstr "立即"\n"打开"\n\n'
        '#, fuzzy\nmsgid "Old"\nmsgstr "旧"\n\n#~ msgid "Gone"\n#~ msgstr "没了"\n',
        encoding="utf-8",
    )
    header, plural, context, fuzzy, gone = po_parse(po)
    assert header.msgid == "" and "Language: zh_Hans" in header.msgstr[0]
    assert (plural.msgid_plural, plural.msgstr, plural.flags) == ("%(n)s files", {0: "%(n)s 个文件"}, {"python-format"})
    assert (context.msgctxt, context.msgid, context.msgstr[0]) == ("menu", "Open now", "立即打开")
    assert "fuzzy" in fuzzy.flags
    assert gone.obsolete and gone.msgid == "Gone"


@pytest.mark.parametrize("catalog", [CATALOG, WAGTAIL_GAPS], ids=["project", "wagtail-gaps"])
def test_catalog_header_is_chinese_with_one_plural_form(catalog):
    header = next(e for e in po_parse(catalog) if not e.msgid)
    assert "fuzzy" not in header.flags, "the header is marked fuzzy: msgfmt would ignore its plural forms"
    assert "Language: zh_Hans" in header.msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstr[0]


@pytest.mark.parametrize("catalog", [CATALOG, WAGTAIL_GAPS], ids=["project", "wagtail-gaps"])
def test_every_entry_is_translated_and_not_fuzzy(catalog):
    committed = po_parse(catalog)
    untranslated = [e.label() for e in messages(committed) if not all(s.strip() for s in e.msgstr.values())
                    or not e.msgstr]
    fuzzy = [e.label() for e in messages(committed) if "fuzzy" in e.flags]
    name = catalog.relative_to(BASE_DIR)
    assert not untranslated, f"untranslated entries in {name}:\n" + "\n".join(untranslated)
    assert not fuzzy, f"fuzzy entries in {name} (check them, then drop the flag):\n" + "\n".join(fuzzy)


@pytest.mark.parametrize("catalog", [CATALOG, WAGTAIL_GAPS], ids=["project", "wagtail-gaps"])
def test_translations_keep_placeholders_and_tags(catalog):
    problems = []
    for entry in messages(po_parse(catalog)):
        sources = {entry.msgid, entry.msgid_plural} - {""}
        wanted = [sorted(PLACEHOLDER.findall(s)) for s in sources]
        tags = sorted(re.findall(r"</?[a-z][a-z0-9]*", entry.msgid))
        for text in entry.msgstr.values():
            if sorted(PLACEHOLDER.findall(text)) not in wanted:
                problems.append(f"{entry.label()}: placeholders {PLACEHOLDER.findall(text)} in {text!r}")
            if sorted(re.findall(r"</?[a-z][a-z0-9]*", text)) != tags:
                problems.append(f"{entry.label()}: HTML tags differ in {text!r}")
    assert not problems, "\n".join(problems)


def test_catalog_knows_every_string_of_the_source(tmp_path, committed):
    """makemessages, run on a copy of the source tree, finds no string that the committed catalog lacks."""
    if not (shutil.which("xgettext") and shutil.which("msgmerge")):
        pytest.fail("GNU gettext (xgettext, msgmerge) is needed to check the catalog: install the gettext package")
    copy = tmp_path / "src"
    shutil.copytree(BASE_DIR, copy, ignore=COPY_IGNORE, symlinks=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    result = subprocess.run([sys.executable, "manage.py", *MAKEMESSAGES], cwd=copy, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    fresh = po_parse(copy / CATALOG.relative_to(BASE_DIR))
    known = {e.key for e in messages(committed)}
    missing = [e.label() for e in messages(fresh) if e.key not in known]
    behind = [e.label() for e in messages(fresh)
              if e.key in known and ("fuzzy" in e.flags or not all(s.strip() for s in e.msgstr.values()))]
    assert not missing, ("strings in the source that the zh_Hans catalog lacks; run makemessages and translate "
                         "them:\n" + "\n".join(missing))
    assert not behind, "entries that makemessages leaves untranslated or fuzzy:\n" + "\n".join(behind)
    stale = sorted({e.msgid for e in messages(committed)} - {e.msgid for e in messages(fresh)})
    assert not stale, "entries no longer in the source; rerun makemessages with --no-obsolete:\n" + "\n".join(stale)


# --- the compiled catalog on real pages ------------------------------------------------------------------------


@pytest.fixture
def compiled_locale(tmp_path, committed):
    """The committed catalog compiled into a temporary locale directory, used in place of the project's, so the
    checks below do not depend on whether `make install` compiled it since the last change."""
    if not shutil.which("msgfmt"):
        pytest.fail("GNU gettext (msgfmt) is needed to compile the catalog: install the gettext package")
    paths = []
    for catalog in (CATALOG, WAGTAIL_GAPS):
        locale_dir = tmp_path / catalog.parents[2].name
        (locale_dir / "zh_Hans" / "LC_MESSAGES").mkdir(parents=True)
        for source in (catalog, catalog.with_name("djangojs.po")):
            if source.exists():
                subprocess.run(["msgfmt", "--check-format", "-o",
                                str(locale_dir / "zh_Hans" / "LC_MESSAGES" / source.with_suffix(".mo").name),
                                str(source)], check=True)
        paths.append(str(locale_dir))
    assert [Path(p).name for p in settings.LOCALE_PATHS] == [Path(p).name for p in paths]
    with override_settings(LOCALE_PATHS=paths):
        yield {e.msgid: e.msgstr[0] for e in messages(committed)}
    translation.activate(settings.LANGUAGE_CODE)


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path,msgids", [
    ("accounts/login/", ["Log in to your merchant account", "Forgot your password?", "Merchant Recruitment Portal"]),
    ("accounts/signup/", ["Create your merchant account", "Organisation name", "Password (again)"]),
])
def test_pages_render_in_chinese_and_english(client, compiled_locale, path, msgids):
    chinese = _text(client.get(f"/zh-hans/{path}"))
    english = _text(client.get(f"/en/{path}"))
    for msgid in msgids:
        assert compiled_locale[msgid] in chinese, msgid
        assert msgid in english
        assert compiled_locale[msgid] not in english
    assert '<html lang="zh-hans">' in chinese
    assert "招商平台" in chinese


def test_model_choices_and_lazy_strings_follow_the_language(compiled_locale):
    from onboarding.models import ApplicationStatus

    with translation.override("zh-hans"):
        assert str(ApplicationStatus.INFO_REQUESTED.label) == "待补充资料"
        assert str(ApplicationStatus.REJECTED.label) == "已驳回"
    with translation.override("en"):
        assert str(ApplicationStatus.INFO_REQUESTED.label) == "Information requested"


def test_wagtail_admin_gaps_are_filled_without_overriding_the_project(compiled_locale):
    with translation.override("zh-hans"):
        assert translation.gettext("Show keyboard shortcuts") == "显示键盘快捷键"  # absent from Wagtail's catalog
        assert translation.gettext("Actions") == compiled_locale["Actions"]  # the project catalog comes first
        assert translation.gettext("Documents") == "文档"  # Wagtail's own word for its document library


def test_plural_forms_use_the_single_chinese_form(compiled_locale):
    from django.utils.translation import ngettext

    with translation.override("zh-hans"):
        one = ngettext("%(n)s year", "%(n)s years", 1) % {"n": 1}
        many = ngettext("%(n)s year", "%(n)s years", 5) % {"n": 5}
    assert (one, many) == ("1 年", "5 年")
