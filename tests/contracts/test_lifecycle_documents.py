"""The lifecycle with the real PDFs: issuing renders the issued copy, the merchant accepts exactly that file,
countersigning renders the sealed copy whose evidence page carries the acceptance facts, and the verifier
recognises it (one changed byte: altered)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from contracts.models import ContractDocument, ContractStatus
from contracts.services import contract_accept, contract_acceptance_code_send, contract_countersign, contract_issue
from contracts.verification import contract_pdf_verify
from portal.bootstrap import reference_data_load
from tests.contracts.pdf_support import pdf_text
from tests.factories.contracts import ContractWorld

pytestmark = pytest.mark.django_db


def test_accept_the_rendered_pdf_and_countersign_into_a_sealed_copy_with_the_evidence(
        django_capture_on_commit_callbacks):
    reference_data_load()  # the default templates of every mode
    w = ContractWorld()
    contract = w.draft()
    with django_capture_on_commit_callbacks(execute=True):
        contract = contract_issue(contract=contract, actor=w.compliance, ip="10.0.0.5", user_agent="Staff/1")
    issued = contract.documents.get(kind=ContractDocument.Kind.ISSUED)
    issued_bytes = issued.file.open("rb").read()
    assert contract.number in pdf_text(issued_bytes)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contract_acceptance_code_send(contract=contract, user=w.owner, ip="203.0.113.9",
                                      user_agent="EvidenceBrowser/7.1")
    code = re.search(r"^\s*(\d{6})\s*$", mail.outbox[-1].body, re.MULTILINE).group(1)
    contract = contract_accept(contract=contract, user=w.owner, typed_name="张三", code=code, ip="203.0.113.9",
                               user_agent="EvidenceBrowser/7.1", pdf_sha256=issued.sha256)
    assert contract.accepted_pdf_sha256 == issued.sha256
    with django_capture_on_commit_callbacks(execute=True):
        contract = contract_countersign(contract=contract, actor=w.lead, ip="10.0.0.9", user_agent="Lead/2")
    assert contract.status == ContractStatus.SIGNED

    signed = contract.documents.get(kind=ContractDocument.Kind.SIGNED)
    data = signed.file.open("rb").read()
    text = pdf_text(data)
    for fact in ("张三", "203.0.113.9", "EvidenceBrowser/7.1", issued.sha256, contract.number):
        assert fact in text, fact
    assert contract_pdf_verify(data).intact
    altered = bytearray(data)
    altered[len(altered) // 2] ^= 0x01
    assert not contract_pdf_verify(bytes(altered)).intact
