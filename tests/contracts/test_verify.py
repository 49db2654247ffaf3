"""Verification: the public page and `manage.py verify_contract` for an intact signed copy, one byte changed,
garbage, and a number + hash entered by hand; the page reveals parties and events only for an intact match."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from contracts.documents import contract_document_build
from contracts.verification import contract_hash_verify, contract_pdf_verify
from portal.audit import audit_entry_create
from tests.contracts.pdf_support import contract_make
from tests.factories.portal import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed():
    contract = contract_make(name="深圳验真电子有限公司")
    issued = contract_document_build(contract=contract, kind="issued")
    owner = UserFactory(email="owner@example.com")
    audit_entry_create(actor=owner, action="contracts.contract.accepted", target=contract, ip_address="203.0.113.9",
                       data={"user_agent": "Mozilla/5.0"})
    audit_entry_create(actor=None, action="contracts.contract.countersigned", target=contract)
    document = contract_document_build(contract=contract, kind="signed")
    data = document.file.read()
    document.file.close()
    return contract, issued, data


def one_byte_changed(data: bytes) -> bytes:
    changed = bytearray(data)
    at = data.index(b"stream", 100) + 40
    changed[at] ^= 0x20
    return bytes(changed)


def url(lang: str) -> str:
    with translation.override(lang):
        return reverse("contract_verify:verify")


def test_the_signed_copy_is_intact_and_shows_its_contract(signed):
    contract, issued, data = signed
    result = contract_pdf_verify(data)
    assert result.status == "intact" and result.contract == contract and result.document.kind == "signed"
    assert result.signature.ok
    assert [e.action for e in result.events] == ["contracts.contract.accepted", "contracts.contract.countersigned"]
    issued_data = issued.file.read()
    assert contract_pdf_verify(issued_data).status == "intact"


def test_one_changed_byte_is_altered_and_names_the_contract(signed):
    contract, _issued, data = signed
    result = contract_pdf_verify(one_byte_changed(data))
    assert result.status == "altered" and result.claimed_number == contract.number and result.contract is None
    # a byte changed in the file's structure, so that it hardly parses any more, is still ours by content
    broken = data.replace(b"startxref", b"startxreg")
    assert contract_pdf_verify(broken).status == "altered"


def test_garbage_and_other_pdfs_are_unknown():
    assert contract_pdf_verify(b"\x89PNG not a contract").status == "unknown"
    from weasyprint import HTML

    assert contract_pdf_verify(HTML(string="<p>some other PDF</p>").write_pdf()).reason == "not_ours"


def test_a_number_and_hash_entered_by_hand(signed):
    contract, _issued, data = signed
    sha = hashlib.sha256(data).hexdigest()
    assert contract_hash_verify(number=contract.number, sha256=sha.upper()).status == "intact"
    assert contract_hash_verify(number=contract.number, sha256="0" * 64).status == "altered"
    assert contract_hash_verify(number="HT-NOPE", sha256=sha).status == "unknown"
    assert contract_hash_verify(number=contract.number, sha256="xyz").reason == "bad_hash"


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_page_answers_in_both_languages(client, signed, lang):
    contract, _issued, data = signed
    page = client.get(url(lang))
    assert page.status_code == 200
    intact = client.post(url(lang), {"file": SimpleUploadedFile("c.pdf", data, "application/pdf")})
    body = intact.content.decode()
    assert intact.status_code == 200
    assert ("完好：这是我们出具的合同" if lang == "zh-hans" else "Intact: this is a contract of ours") in body
    assert "深圳验真电子有限公司" in body and contract.number in body
    assert ("商家已接受" if lang == "zh-hans" else "Accepted by the merchant") in body
    altered = client.post(url(lang), {"file": SimpleUploadedFile("c.pdf", one_byte_changed(data), "application/pdf")})
    body = altered.content.decode()
    assert altered.status_code == 200
    assert ("已被改动" if lang == "zh-hans" else "Altered: not an intact contract of ours") in body
    assert "深圳验真电子有限公司" not in body  # nothing about the parties unless intact


def test_the_page_never_fails_on_bad_input(client, signed):
    contract, _issued, data = signed
    garbage = client.post(url("en"), {"file": SimpleUploadedFile("x.pdf", b"\x00\x01garbage", "application/pdf")})
    assert garbage.status_code == 200 and "Not a contract of ours" in garbage.content.decode()
    empty = client.post(url("en"), {})
    assert empty.status_code == 400
    bad_hash = client.post(url("en"), {"number": contract.number, "sha256": "123"})
    assert bad_hash.status_code == 400 and "64 characters" in bad_hash.content.decode()
    by_hash = client.post(url("en"), {"number": contract.number, "sha256": hashlib.sha256(data).hexdigest()})
    assert by_hash.status_code == 200 and "深圳验真电子有限公司" in by_hash.content.decode()
    with override_settings(CONTRACT_VERIFY_MAX_MB=0):
        too_big = client.post(url("en"), {"file": SimpleUploadedFile("c.pdf", data, "application/pdf")})
    assert too_big.status_code == 413 and "larger than" in too_big.content.decode()


def test_checks_are_limited_per_address(client):
    with override_settings(CONTRACT_VERIFY_LIMIT=2):
        for _ in range(2):
            assert client.post(url("en"), {"number": "HT-1", "sha256": "0" * 64}).status_code == 200
        limited = client.post(url("en"), {"number": "HT-1", "sha256": "0" * 64})
    assert limited.status_code == 429 and "Too many checks" in limited.content.decode()


def test_the_command_exits_0_when_intact_and_1_otherwise(signed, tmp_path, capsys):
    contract, _issued, data = signed
    good = tmp_path / "good.pdf"
    good.write_bytes(data)
    call_command("verify_contract", str(good))
    out = capsys.readouterr().out
    assert "INTACT" in out and contract.number in out
    for name, content in [("bad.pdf", one_byte_changed(data)), ("junk.pdf", b"junk")]:
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(SystemExit) as exit_info:
            call_command("verify_contract", str(path))
        assert exit_info.value.code == 1
    assert "ALTERED" in capsys.readouterr().out


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_a_version_without_an_operator_name_still_answers(client, lang):
    """Versions frozen before the template named its operator: party A is left blank, never a server error."""
    from contracts.models import ContractTemplateVersion
    from tests.factories.contracts import ContractTemplateVersionFactory

    contract = contract_make(name="无甲方名称版本有限公司")
    bare = ContractTemplateVersionFactory(mode=contract.mode, number=ContractTemplateVersion.objects.count() + 1)
    assert "operator" not in bare.content
    contract.template_version = bare
    contract.save(update_fields=["template_version"])
    contract_document_build(contract=contract, kind="issued")
    document = contract_document_build(contract=contract, kind="signed")
    data = document.file.read()
    document.file.close()
    response = client.post(url(lang), {"file": SimpleUploadedFile("c.pdf", data, content_type="application/pdf")})
    assert response.status_code == 200
    assert response.context["result"].status == "intact"
    assert "无甲方名称版本有限公司" in response.content.decode()
