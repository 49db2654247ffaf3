"""Helpers of the contract PDF tests: a contract with its terms, and the text of a PDF.

The text comes from the PDF itself: pyHanko's reader walks the pages' content streams, and each font's ToUnicode map
(WeasyPrint writes one per font) turns the glyph codes back into characters.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from itertools import count

from portal.models import Category, Merchant

_numbers = count(1)


def contract_make(*, mode: str = "platform", categories: int = 2, ladder: bool = True, name: str = "",
                  **terms):
    from contracts.models import Contract, ContractLadderBand, ContractTemplateVersion
    from portal.bootstrap import reference_data_load

    reference_data_load()  # categories, the commission table and the contract templates, as on every installation
    n = next(_numbers)
    version = ContractTemplateVersion.objects.filter(mode=mode).order_by("-number").first()
    merchant = Merchant.objects.create(name=name or f"测试商贸有限公司{n}")
    fields = {
        "number": f"HT-TEST-{n:05d}", "merchant": merchant, "mode": mode, "template_version": version,
        "merchant_legal_name": merchant.name, "merchant_credit_code": "91310000MA1FL0000X",
        "merchant_representative": "李四", "merchant_address": "上海市黄浦区测试路8号", "grade": "A",
        "regions": ["华东"], "technical_service_fee": Decimal("6000.00"), "advertising_fee_percent": Decimal("3"),
        "deposit_amount": Decimal("50000.00"), "currency": "CNY",
    }
    if mode == "joint":
        fields["revenue_share_percent"] = Decimal("18.5")
    if mode == "franchise":
        fields["franchise_fee"] = Decimal("80000")
    fields.update(terms)
    contract = Contract.objects.create(**fields)
    cats = []
    for i in range(categories):
        cat, _ = Category.objects.get_or_create(code=f"pdf-cat-{i}", defaults={
            "name_zh": f"测试类目{i}", "name_en": f"Test category {i}", "sort_order": i})
        cats.append(cat)
    contract.categories.set(cats)
    if ladder:
        for min_gmv, rate in [("0", "12"), ("1000000", "10"), ("5000000", "8")]:
            ContractLadderBand.objects.create(contract=contract, min_gmv=Decimal(min_gmv), rate_percent=Decimal(rate))
    return contract


def _cmap(stream: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    text = stream.decode("latin-1")
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be", errors="replace")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            base = int(dst, 16)
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                mapping[code] = chr(base + i)
    return mapping


_TOKENS = re.compile(rb"/([A-Za-z0-9_.+-]+)\s+[\d.]+\s+Tf|\[((?:[^\]\\]|\\.)*)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj|(ET)")


def _deref(obj):
    return obj.get_object() if hasattr(obj, "get_object") else obj


def _flat_pages(node) -> list:
    node = _deref(node)
    if "/Kids" in node:
        return [page for kid in node["/Kids"] for page in _flat_pages(kid)]
    return [node]


def pdf_pages_text(data: bytes) -> list[str]:
    """The text of each page (text objects separated by spaces)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    pages = []
    for page in _flat_pages(reader.root["/Pages"]):
        resources = _deref(page.get("/Resources")) or {}
        fonts = {}
        for name, ref in _deref(resources.get("/Font", {})).items():
            to_unicode = _deref(ref).get("/ToUnicode")
            fonts[name.lstrip("/")] = _cmap(_deref(to_unicode).data) if to_unicode is not None else {}
        contents = _deref(page["/Contents"])
        streams = contents if isinstance(contents, list) else [contents]
        raw = b"".join(_deref(s).data for s in streams)
        out: list[str] = []
        current: dict[int, str] = {}
        for font_name, tj, tj_single, et in _TOKENS.findall(raw):
            if font_name:
                current = fonts.get(font_name.decode(), {})
            elif et:
                out.append(" ")
            else:
                for h in (re.findall(rb"<([0-9A-Fa-f]*)>", tj) if tj else [tj_single]):
                    b = bytes.fromhex(h.decode())
                    for i in range(0, len(b) - 1, 2):
                        out.append(current.get(int.from_bytes(b[i:i + 2], "big"), ""))
        pages.append("".join(out))
    return pages


def pdf_text(data: bytes) -> str:
    return "\n".join(pdf_pages_text(data))
