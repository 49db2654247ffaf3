"""The operator's seal: pyHanko validates a sealed contract as intact, valid, trusted with our root and certified;
a changed byte, an update appended after sealing and another root are each reported."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings

from contracts.signing import pdf_sign, pdf_signature_check, signing_material, trust_roots


@pytest.fixture(scope="module")
def unsigned_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p style='font-family: \"Noto Sans CJK SC\"'>合同 Contract portal-contract:HT-SIGN-1</p>"
                ).write_pdf()


@pytest.fixture(scope="module")
def sealed(unsigned_pdf) -> bytes:
    return pdf_sign(unsigned_pdf, reason="portal-contract:HT-SIGN-1")


def test_a_sealed_file_is_intact_valid_trusted_and_certified(sealed, unsigned_pdf):
    assert sealed.startswith(unsigned_pdf)  # an incremental update: the original bytes stay as they were
    check = pdf_signature_check(sealed)
    assert (check.signed, check.intact, check.valid, check.trusted, check.certified) == (True,) * 5
    assert check.docmdp_level == "NO_CHANGES" and check.coverage == "ENTIRE_FILE"
    assert not check.modified_after_signing and check.ok
    assert "contract seal" in check.signer and check.signed_at is not None
    assert check.reason == "portal-contract:HT-SIGN-1"


def test_one_changed_byte_breaks_the_seal(sealed, unsigned_pdf):
    tampered = bytearray(sealed)
    at = sealed.index(b"stream", 100) + 20  # inside the first content stream the signature covers
    tampered[at] ^= 0x01
    check = pdf_signature_check(bytes(tampered))
    assert check.signed and not check.intact and not check.ok


def test_an_update_appended_after_sealing_is_reported(sealed):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    check = pdf_signature_check(out.getvalue())
    assert check.intact and check.valid  # the signed revision itself is untouched
    assert check.modified_after_signing and not check.ok


def test_a_seal_from_another_root_is_not_trusted(sealed, tmp_path):
    with override_settings(CONTRACT_SIGNING_DIR=tmp_path):
        other = pdf_signature_check(sealed)
        assert other.intact and other.valid and not other.trusted and not other.ok
        assert signing_material().root_path.parent == tmp_path
    assert trust_roots()[0].subject.human_friendly != ""


def test_garbage_and_unsigned_files_are_answers_not_errors(unsigned_pdf):
    assert pdf_signature_check(b"not a pdf at all").signed is False
    assert pdf_signature_check(b"%PDF-1.7\n" + b"\x00" * 200).signed is False
    assert pdf_signature_check(unsigned_pdf).error == "no signature"


def test_configured_key_and_certificate_are_used(tmp_path, unsigned_pdf):
    material = signing_material()
    with override_settings(CONTRACT_SIGNING_KEY=str(material.key_path), CONTRACT_SIGNING_CERT=str(material.cert_path),
                           CONTRACT_SIGNING_ROOT=str(material.root_path), CONTRACT_SIGNING_DIR=tmp_path):
        assert pdf_signature_check(pdf_sign(unsigned_pdf)).ok
        assert not any(tmp_path.iterdir())  # nothing generated when a key is configured
