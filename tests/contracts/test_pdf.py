"""Contract PDFs: what the text holds (parties, commission table, Chinese clauses, footer on every page), the terms
digest, documents stored once per kind, the evidence page of the signed copy, and the task after commit."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

import pytest

from contracts.documents import (
    contract_document_build,
    contract_document_schedule,
    contract_pdf_render,
    contract_terms_digest,
    contract_terms_snapshot,
)
from contracts.models import ContractDocument
from portal.audit import audit_entry_create
from tests.contracts.pdf_support import contract_make, pdf_pages_text, pdf_text
from tests.factories.portal import UserFactory

pytestmark = pytest.mark.django_db


def squash(text: str) -> str:
    """Text without the spaces and line breaks layout puts between words and lines."""
    return re.sub(r"\s+", "", text)


def test_the_issued_pdf_holds_the_parties_terms_commission_table_and_chinese_clauses():
    contract = contract_make(mode="platform", categories=3, name="杭州示范服饰有限公司",
                             deposit_amount=Decimal("80000"))
    pages = pdf_pages_text(contract_pdf_render(contract=contract, kind="issued"))
    text = squash("".join(pages))
    assert "杭州示范服饰有限公司" in text
    assert "招商平台运营有限公司" in text
    # the commission table: a row per category, the contract ladder with its bands
    for i in range(3):
        assert f"测试类目{i}" in text and f"Testcategory{i}" in text
    assert "佣金费率表" in text and "合同阶梯费率" in text
    assert "12%" in text and "10%" in text and "8%" in text
    assert "¥1,000,000.00" in text and "¥5,000,000.00" in text
    # the rate that applies from the commission engine: contract ladder band, then grade A's 10% discount
    assert "10.8%" in text and "9%" in text and "7.2%" in text
    assert "现行基础费率" in text and "适用费率" in text
    # Chinese clauses with the structured terms filled in, English under them
    assert "争议款项冻结期间不计入账期" in text
    assert "《中华人民共和国民法典》" in text
    assert "¥80,000.00" in text and "15日内补足" in text and "30个工作日内无息退还" in text
    assert "T+15" in text
    assert "不得在与甲方平台存在竞争关系的其他电子商务平台销售与本合同项下相同的商品" in text
    assert "CivilCodeofthePeople'sRepublicofChina" in text
    # strategic clause only for strategic partners
    assert "战略合作" not in text
    # page x of y, contract number and terms hash on every page
    digest = contract_terms_digest(contract)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        flat = squash(page)
        assert f"第{number}页，共{len(pages)}页" in flat, number
        assert f"Page{number}of{len(pages)}" in flat, number
        assert contract.number in flat and digest in flat, number


def test_joint_operation_prints_the_revenue_share_and_franchise_the_fee():
    joint = contract_make(mode="joint", revenue_share_percent=Decimal("18.5"))
    text = squash(pdf_text(contract_pdf_render(contract=joint, kind="issued")))
    assert "联营分成" in text and "18.5%" in text
    assert "佣金费率表" not in text
    franchise = contract_make(mode="franchise", franchise_fee=Decimal("80000"), strategic=True,
                              min_annual_marketing=Decimal("300000"), term_months=48)
    text = squash(pdf_text(contract_pdf_render(contract=franchise, kind="issued")))
    assert "特许经营费¥80,000.00" in text
    assert "佣金费率表" in text
    assert "战略合作" in text and "¥300,000.00" in text and "本合同为4年" in text


def test_the_terms_digest_is_stable_and_follows_every_term():
    contract = contract_make()
    first = contract_terms_digest(contract)
    assert first == contract_terms_digest(contract)
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    contract.settlement_days = 20
    assert contract_terms_digest(contract) != first
    contract.settlement_days = 15
    contract.ladder_bands.filter(min_gmv=0).update(rate_percent=Decimal("11"))
    assert contract_terms_digest(contract) != first
    snapshot = contract_terms_snapshot(contract)
    assert snapshot["template_version"]["content_sha256"] == contract.template_version.content_sha256


def test_the_issued_copy_is_stored_once_with_its_hash_and_pages():
    contract = contract_make()
    document = contract_document_build(contract=contract, kind="issued")
    data = document.file.read()
    document.file.close()
    assert document.sha256 == hashlib.sha256(data).hexdigest() and document.size == len(data)
    assert document.pages == len(pdf_pages_text(data)) >= 3
    again = contract_document_build(contract=contract, kind="issued")
    assert again.pk == document.pk and again.sha256 == document.sha256
    assert ContractDocument.objects.filter(contract=contract, kind="issued").count() == 1


def test_the_signed_copy_is_the_issued_text_with_the_evidence_page_and_one_certifying_seal():
    from contracts.signing import pdf_signature_check

    contract = contract_make(name="北京证据科技有限公司")
    merchant_user = UserFactory(email="owner@example.com")
    staff = UserFactory(email="lead@example.com", is_staff=True)
    issued = contract_document_build(contract=contract, kind="issued")
    audit_entry_create(actor=staff, action="contracts.contract.issued", target=contract, ip_address="198.51.100.7",
                       data={"user_agent": "Mozilla/5.0 (Staff browser)"})
    contract.accepted_pdf_sha256 = issued.sha256
    contract.accepted_name = "王小明"
    contract.save(update_fields=["accepted_pdf_sha256", "accepted_name"])
    audit_entry_create(actor=merchant_user, action="contracts.contract.accepted", target=contract,
                       ip_address="203.0.113.9", data={"user_agent": "Mozilla/5.0 (Merchant phone)",
                                                        "pdf_sha256": issued.sha256})
    audit_entry_create(actor=staff, action="contracts.contract.countersigned", target=contract,
                       ip_address="198.51.100.7", data={"user_agent": "Mozilla/5.0 (Staff browser)"})
    signed = contract_document_build(contract=contract, kind="signed")
    data = signed.file.read()
    signed.file.close()
    pages = pdf_pages_text(data)
    issued_pages = pdf_pages_text(issued.file.read())
    # the body says what the issued copy said; the evidence page comes last
    assert squash(pages[0]).replace(f"共{len(pages)}页", "") == squash(issued_pages[0]).replace(
        f"共{len(issued_pages)}页", "").replace(f"of{len(issued_pages)}", f"of{len(pages)}")
    evidence = squash(pages[-1])
    assert "签署证据" in evidence and "Evidenceofsigning" in evidence
    assert "203.0.113.9" in evidence and "Mozilla/5.0(Merchantphone)" in evidence
    assert "owner@example.com" in evidence and "198.51.100.7" in evidence
    assert "商家已接受" in evidence and "Acceptedbythemerchant" in evidence
    assert evidence.count(issued.sha256) == 2  # the issued copy's hash, and the one the merchant accepted
    assert contract_terms_digest(contract) in evidence
    assert "王小明" in evidence
    check = pdf_signature_check(data)
    assert check.ok and check.certified and check.docmdp_level == "NO_CHANGES" and check.signatures == 1
    assert contract.number in check.reason
    assert contract_document_build(contract=contract, kind="signed").pk == signed.pk


def test_scheduling_renders_in_the_task_after_commit(django_capture_on_commit_callbacks):
    contract = contract_make()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        contract_document_schedule(contract=contract, kind="issued")
    assert not ContractDocument.objects.filter(contract=contract).exists()
    for callback in callbacks:
        callback()  # Celery is eager in tests: the task runs here
    document = ContractDocument.objects.get(contract=contract, kind="issued")
    from contracts.tasks import contract_document_render

    assert contract_document_render.delay(contract.pk, "issued").get() == document.pk  # a retry writes nothing new
    assert contract_document_render.delay(0, "issued").get() == 0
