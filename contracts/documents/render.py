"""HTML → PDF for contracts: one Django template rendered in both languages (Chinese first, English under each
part), laid out by WeasyPrint on A4 with Noto Sans CJK SC, tables whose headers repeat on every page, and a footer
on every page with the contract number, the terms hash and "page x of y".

Only the frozen template version's content and the terms snapshot go in, so the same contract renders the same
text whenever it is rendered; no live snippet, no network (the url_fetcher refuses everything).
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..clauses import CONDITIONAL_CLAUSES, ClauseKind
from .terms import LANGS, placeholder_values

# WeasyPrint tells every layout step at INFO
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

PDF_TEMPLATE = "contracts/pdf/contract.html"
FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans CJK", "WenQuanYi Micro Hei", sans-serif'

LABELS = {
    "party_a": _("Party A (the platform operator)"),
    "party_b": _("Party B (the merchant)"),
    "credit_code": _("Unified social credit code"),
    "representative": _("Legal representative"),
    "address": _("Address"),
    "contract_number": _("Contract number"),
    "template_version": _("Template version"),
    "terms_hash": _("Terms hash (SHA-256)"),
    "amends": _("Amends contract"),
    "amendment_summary": _("What the amendment changes"),
    "commission_table": _("Commission table"),
    "category": _("Category"),
    "base_rate": _("Base rate in force"),
    "applied_rate": _("Rate that applies"),
    "commission_note": _("Rates on the issue day, with the contract's grade, before the launch offer (which halves "
                         "them for the first 3 months after activation where the contract has it)."),
    "rate_source": _("Per the category rate schedule in force"),
    "contract_ladder": _("Contract ladder (replaces the base rate)"),
    "no_ladder": _("No contract ladder: the category base rate and the platform's GMV ladder apply."),
    "from_gmv": _("From previous-period GMV"),
    "rate": _("Rate"),
    "revenue_share": _("Revenue share of net sales"),
    "signatures": _("Signatures"),
    "signature_a": _("Party A: sealed electronically with the operator's certificate"),
    "signature_b": _("Party B: accepted electronically (typed name and a one-time code sent by email)"),
    "signature_note": _("The record of both signatures is the evidence page of the signed copy."),
    "evidence": _("Evidence of signing"),
    "time": _("Time"),
    "event": _("Event"),
    "actor": _("By"),
    "ip": _("IP address"),
    "user_agent": _("Browser"),
    "document_hashes": _("Document hashes"),
    "issued_pdf": _("Issued PDF (SHA-256)"),
    "accepted_pdf": _("PDF the merchant accepted (SHA-256)"),
    "accepted_name": _("Name typed at acceptance"),
    "term_dates": _("Term"),
    "system": _("the system"),
    "draft_mark": _("Draft: not for signing"),
    "sample_mark": _("Preview with sample data"),
}

EVENT_LABELS = {
    "contracts.contract.drafted": _("Contract drafted"),
    "contracts.contract.issued": _("Issued to the merchant"),
    "contracts.contract.withdrawn": _("Withdrawn for revision"),
    "contracts.contract.code_sent": _("Acceptance code sent by email"),
    "contracts.contract.accepted": _("Accepted by the merchant"),
    "contracts.contract.countersigned": _("Countersigned by the operator"),
    "contracts.contract.signed": _("Countersigned by the operator"),
    "contracts.contract.terms_updated": _("Terms changed"),
    "contracts.contract.ladder_set": _("Contract ladder set"),
    "contracts.contract.code_wrong": _("Wrong acceptance code entered"),
    "contracts.contract.cancelled": _("Cancelled"),
    "contracts.contract.activated": _("Became active"),
    "contracts.contract.expiring": _("Expiring"),
    "contracts.contract.expired": _("Expired"),
    "contracts.contract.renewed": _("Renewed"),
    "contracts.contract.terminated": _("Terminated"),
    "contracts.document.rendered": _("PDF rendered"),
}


def bilingual(text) -> dict[str, str]:
    out = {}
    for lang, code in LANGS.items():
        with translation.override(code):
            out[lang] = str(text)
    return out


def page_counter_css() -> str:
    """The CSS `content` value of "page x of y" in both languages, from the translated pattern."""
    parts = []
    for lang in ("zh", "en"):
        pattern = bilingual(_("Page %(page)s of %(pages)s"))[lang]
        pieces = re.split(r"(%\(page\)s|%\(pages\)s)", pattern)
        for piece in pieces:
            if piece == "%(page)s":
                parts.append("counter(page)")
            elif piece == "%(pages)s":
                parts.append("counter(pages)")
            elif piece:
                parts.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"') + '"')
        parts.append('"   "')
    return " ".join(parts[:-1])


_CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (clause numbers up to 99)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[units] if units else "")


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text or "") if p.strip()]


def _fill(text: str, values: dict[str, str]) -> str:
    return text.format_map(values)


@dataclass
class EvidenceRow:
    at: str
    event: dict[str, str]
    actor: str
    ip: str
    user_agent: str


@dataclass
class Evidence:
    """What the evidence page of a signed copy lists."""

    rows: list[EvidenceRow] = field(default_factory=list)
    issued_sha256: str = ""
    accepted_sha256: str = ""
    terms_sha256: str = ""
    accepted_name: str = ""
    term_dates: str = ""


def commission_rows(snapshot: dict) -> list[dict]:
    """Without the engine's figures (a template preview): one row per category, the rate schedule applies."""
    return [{"zh": c["zh"], "en": c["en"], "code": c["code"]} for c in snapshot["categories"]]


def contract_html(*, snapshot: dict, content: dict, terms_sha256: str, mark: str = "",
                  evidence: Evidence | None = None, commission_table: list[dict] | None = None) -> str:
    """The contract as HTML for WeasyPrint."""
    operator = content.get("operator") or {}
    operator_names = operator.get("name") or {"zh": "", "en": ""}
    values = {lang: placeholder_values(snapshot, operator_name=operator_names.get(lang, ""), lang=lang)
              for lang in LANGS}
    clauses = []
    number = 0
    for clause in content.get("clauses", []):
        condition = CONDITIONAL_CLAUSES.get(clause["kind"])
        if condition and not snapshot.get(condition):
            continue
        number += 1
        clauses.append({
            "kind": clause["kind"],
            "number_zh": f"第{chinese_number(number)}条", "number_en": f"Article {number}",
            "heading": clause["heading"],
            "body": {lang: [_fill(p, values[lang]) for p in _paragraphs(clause["body"][lang])] for lang in LANGS},
            "commission_table": clause["kind"] == ClauseKind.COMMISSION,
            "revenue_share": clause["kind"] == ClauseKind.REVENUE_SHARE,
        })
    context = {
        "font_family": FONT_FAMILY,
        "page_counter": page_counter_css(),
        "snapshot": snapshot,
        "title": content.get("title") or {"zh": "", "en": ""},
        "operator": operator,
        "preamble": {lang: [_fill(p, values[lang]) for p in _paragraphs((content.get("preamble") or {}).get(lang, ""))]
                     for lang in LANGS},
        "clauses": clauses,
        "values": values,
        "commission_rows": commission_rows(snapshot),
        "commission_table": commission_table,
        "ladder": [{"min_gmv": {lang: _money_text(b["min_gmv"], snapshot["currency"], lang) for lang in LANGS},
                    "rate": _percent(b["rate_percent"])} for b in snapshot["ladder"]],
        "terms_sha256": terms_sha256,
        "labels": {key: bilingual(text) for key, text in LABELS.items()},
        "mark": bilingual(LABELS[mark]) if mark else None,
        "evidence": evidence,
        "keywords": f"portal-contract:{snapshot['number']}, terms-sha256:{terms_sha256}",
    }
    return render_to_string(PDF_TEMPLATE, context)


def _money_text(value: str, currency: str, lang: str) -> str:
    from .terms import _money

    return _money(value, currency, lang)


def _percent(value: str) -> str:
    from .terms import percent_text

    return percent_text(value)


def _refuse_fetch(url: str, *args, **kwargs):
    raise ValueError(f"contract PDFs load nothing from outside: {url}")


@dataclass
class RenderedPdf:
    data: bytes
    pages: int


_fonts = threading.local()


def _font_config():
    """One WeasyPrint font configuration per thread, kept between documents: building it (fontconfig's view of
    the system fonts, Noto CJK included) is part of every render otherwise."""
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


def html_to_pdf(html: str) -> RenderedPdf:
    from weasyprint import HTML

    document = HTML(string=html, url_fetcher=_refuse_fetch).render(font_config=_font_config())
    return RenderedPdf(data=document.write_pdf(), pages=len(document.pages))
