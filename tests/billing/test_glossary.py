"""The Chinese for "deduction" is 扣除 (the glossary), in the catalog and the operator guide; 扣款 stays only where
it means charging a card ("nothing was charged", "charged twice")."""

import re
from pathlib import Path

from tests.test_translations import CATALOG, messages, po_parse

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "operator-guide.zh-hans.md"
CHARGE = re.compile(r"charg", re.IGNORECASE)


def test_the_catalog_says_kouchu_for_a_deduction_and_kouk_only_for_a_charge():
    entries = messages(po_parse(CATALOG))
    wrong = [e.label() for e in entries if "扣款" in "".join(e.msgstr.values()) and not CHARGE.search(e.msgid)]
    assert wrong == []
    deductions = [e for e in entries if re.search(r"\bdeduct", e.msgid, re.IGNORECASE)]
    assert len(deductions) > 20 and all("扣款" not in "".join(e.msgstr.values()) for e in deductions)


def test_the_operator_guide_says_kouchu_for_a_deduction():
    lines = [line for line in GUIDE.read_text(encoding="utf-8").splitlines() if "扣款" in line]
    # the card section: one PaymentIntent that can charge, never charged twice
    assert all("PaymentIntent" in line or "重复扣款" in line for line in lines), lines
    assert "## 18. 保证金：保证金标准表、扣除、补缴、退还与银行账户" in GUIDE.read_text(encoding="utf-8")
