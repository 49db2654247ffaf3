"""The public verify page in a real browser, in both languages: the signed copy uploads as intact with its
parties and events, the same file with one byte changed is reported altered, with no CSP violation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from contracts.documents import contract_document_build
from portal.audit import audit_entry_create
from tests.contracts.pdf_support import contract_make

SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "var/screenshots"))


@pytest.fixture
def signed_file(base_data, tmp_path):
    contract = contract_make(name="苏州浏览器验真有限公司")
    contract_document_build(contract=contract, kind="issued")
    audit_entry_create(actor=None, action="contracts.contract.accepted", target=contract, ip_address="203.0.113.9",
                       data={"user_agent": "Mozilla/5.0"})
    audit_entry_create(actor=None, action="contracts.contract.countersigned", target=contract)
    document = contract_document_build(contract=contract, kind="signed")
    data = document.file.open("rb").read()
    good = tmp_path / "signed.pdf"
    good.write_bytes(data)
    changed = bytearray(data)
    changed[data.index(b"stream", 100) + 40] ^= 0x20
    bad = tmp_path / "changed.pdf"
    bad.write_bytes(bytes(changed))
    return contract, good, bad


@pytest.mark.parametrize(("lang", "intact_text", "altered_text"), [
    ("zh-hans", "完好：这是我们出具的合同", "已被改动：不是我们出具的完好合同"),
    ("en", "Intact: this is a contract of ours", "Altered: not an intact contract of ours"),
])
def test_upload_intact_then_altered(live_server, page, signed_file, lang, intact_text, altered_text):
    contract, good, bad = signed_file
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/{lang}/contracts/verify/")
    page.locator("input[type=file]").set_input_files(str(good))
    page.locator("form.verify-form").first.locator("button[type=submit]").click()
    result = page.locator(".verify-result")
    expect(result).to_contain_text(intact_text)
    expect(result).to_contain_text("苏州浏览器验真有限公司")
    expect(result).to_contain_text(contract.number)
    page.screenshot(path=str(SHOTS / f"verify-intact-{lang}.png"), full_page=True)

    page.locator("input[type=file]").set_input_files(str(bad))
    page.locator("form.verify-form").first.locator("button[type=submit]").click()
    expect(result).to_contain_text(altered_text)
    expect(result).not_to_contain_text("苏州浏览器验真有限公司")
    page.screenshot(path=str(SHOTS / f"verify-altered-{lang}.png"), full_page=True)
