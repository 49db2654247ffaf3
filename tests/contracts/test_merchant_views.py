"""The merchant's contract pages: the list, one contract, its PDFs, the acceptance page, the workspace to-dos and
stage; another merchant's URLs give 404; the list costs the same queries whatever its length."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from contracts.models import ContractStatus
from contracts.services import (
    contract_accept,
    contract_acceptance_code_send,
    contract_amendment_draft,
    contract_countersign,
    contract_issue,
)
from tests.factories.contracts import ContractWorld, document_attach

pytestmark = pytest.mark.django_db
S = ContractStatus


@pytest.fixture
def w():
    return ContractWorld()


def url(name: str, lang: str = "en", **kwargs) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs or None)


def client_for(user) -> Client:
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (ViewTest)", REMOTE_ADDR="198.51.100.4")
    client.force_login(user)
    return client


def code_in(body: str) -> str:
    return re.search(r"^\s*(\d{6})\s*$", body, re.MULTILINE).group(1)


def signed(w):
    contract = w.issued()
    mail.outbox.clear()
    from django.db import connection as conn

    start = len(conn.run_on_commit)
    contract_acceptance_code_send(contract=contract, user=w.owner, ip=None, user_agent="")
    for _sids, func, _robust in conn.run_on_commit[start:]:
        func()
    del conn.run_on_commit[start:]
    contract = contract_accept(contract=contract, user=w.owner, typed_name="张三", code=code_in(mail.outbox[-1].body),
                               ip=None, user_agent="")
    contract = contract_countersign(contract=contract, actor=w.lead)
    document_attach(contract, kind="signed")
    return contract


# ---------------------------------------------------------------- list and detail

def test_the_list_shows_the_current_contract_its_amendments_and_renewal_status(w):
    contract = signed(w)
    amendment = contract_issue(contract=contract_amendment_draft(contract=contract, actor=w.lead,
                                                                 summary="Add the pets category"),
                               actor=w.compliance)
    draft = w.draft()
    response = client_for(w.owner).get(url("contracts:list"))
    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview.current == contract and overview.amendments == [amendment]
    assert overview.preparing is True and draft not in overview.others
    html = response.content.decode()
    assert contract.number in html and amendment.number in html and draft.number not in html
    assert "Add the pets category" in html
    assert overview.renewal is not None and str(overview.renewal.label) in html  # the renewal review's words
    assert url("contracts:pdf", pk=contract.pk, kind="signed") in html


def test_the_list_costs_the_same_queries_for_one_and_for_ten_contracts(w):
    signed(w)
    client = client_for(w.owner)
    client.get(url("contracts:list"))
    with CaptureQueriesContext(connection) as few:
        client.get(url("contracts:list"))
    for _n in range(9):
        document_attach(contract_issue(contract=w.draft(), actor=w.compliance))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("contracts:list"))
    assert len(response.context["overview"].others) == 9
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_a_merchant_without_contracts_sees_so(w):
    response = client_for(w.owner).get(url("contracts:list", "zh-hans"))
    assert response.status_code == 200 and response.context["overview"].current is None


def test_the_contract_page_shows_terms_documents_and_timeline(w):
    contract = signed(w)
    response = client_for(w.finance).get(url("contracts:detail", pk=contract.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert contract.merchant_legal_name in html and "T+15" in html
    assert contract.accepted_pdf_sha256 in html
    events = [entry.event for entry in response.context["timeline"]]
    assert events[:3] == ["issued", "code_sent", "accepted"] and "countersigned" in events
    assert "drafted" not in events  # the operator's own work is not the merchant's history
    platform = [e for e in response.context["timeline"] if e.event == "issued"][0]
    assert platform.actor_name == "The platform"  # staff are not named to the merchant


def test_another_merchants_contract_and_pdfs_are_404(w):
    contract = signed(w)
    outsider = client_for(w.other_owner)
    for name, kwargs in [("contracts:detail", {}), ("contracts:accept", {}),
                         ("contracts:pdf", {"kind": "issued"}), ("contracts:pdf", {"kind": "signed"}),
                         ("contracts:pdf_preview", {"kind": "issued"})]:
        assert outsider.get(url(name, pk=contract.pk, **kwargs)).status_code == 404, name
    assert outsider.post(url("contracts:accept_code", pk=contract.pk)).status_code == 404
    assert outsider.post(url("contracts:accept", pk=contract.pk), {"typed_name": "x", "code": "123456",
                                                                   "confirm": "on"}).status_code == 404
    assert contract.number not in outsider.get(url("contracts:list")).content.decode()


def test_a_draft_and_unknown_or_malformed_ids_are_404(w):
    client = client_for(w.owner)
    draft = w.draft()
    assert client.get(url("contracts:detail", pk=draft.pk)).status_code == 404
    assert client.get(f"/en/portal/contracts/{2**63}/").status_code == 404
    contract = w.issued()
    assert client.get(url("contracts:pdf", pk=contract.pk, kind="draft")).status_code == 404
    assert client.get(url("contracts:pdf", pk=contract.pk, kind="nonsense")).status_code == 404
    assert client.get(url("contracts:pdf", pk=contract.pk, kind="signed")).status_code == 404  # not yet


def test_pdf_downloads_are_attachments_and_previews_inline(w):
    contract = w.issued()
    document = contract.documents.get(kind="issued")
    client = client_for(w.operations)
    response = client.get(url("contracts:pdf", pk=contract.pk, kind="issued"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"{contract.number}-issued.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == document.file.open("rb").read()
    assert response["Cache-Control"] == "private, no-store"
    preview = client.get(url("contracts:pdf_preview", pk=contract.pk, kind="issued"))
    assert preview["Content-Disposition"].startswith("inline;") and preview["X-Frame-Options"] == "SAMEORIGIN"
    # the file lives in private storage, outside MEDIA_ROOT, and is reached only through this view
    assert not url("contracts:pdf", pk=contract.pk, kind="issued").startswith(settings.MEDIA_URL)
    assert not document.file.path.startswith(str(settings.MEDIA_ROOT))
    assert document.file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))


def test_pages_need_a_verified_member(w):
    contract = w.issued()
    anonymous = Client()
    assert anonymous.get(url("contracts:detail", pk=contract.pk)).status_code == 302
    assert anonymous.get(url("contracts:pdf", pk=contract.pk, kind="issued")).status_code == 302


# ---------------------------------------------------------------- the acceptance page

def test_the_owner_accepts_through_the_page(w, django_capture_on_commit_callbacks):
    contract = w.issued()
    document = contract.documents.get(kind="issued")
    client = client_for(w.owner)
    page = client.get(url("contracts:accept", pk=contract.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert document.sha256 in html and url("contracts:pdf_preview", pk=contract.pk, kind="issued") in html
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url("contracts:accept_code", pk=contract.pk), {"pdf_sha256": document.sha256})
    assert sent.status_code == 302 and len(mail.outbox) == 1
    code = code_in(mail.outbox[0].body)
    response = client.post(url("contracts:accept", pk=contract.pk), {
        "typed_name": "张三", "code": code, "confirm": "on", "pdf_sha256": document.sha256})
    assert response.status_code == 302 and response["Location"] == url("contracts:detail", pk=contract.pk)
    contract.refresh_from_db()
    assert contract.status == S.ACCEPTED and contract.accepted_ip == "198.51.100.4"
    assert contract.accepted_user_agent == "Mozilla/5.0 (ViewTest)" and contract.accepted_pdf_sha256 == document.sha256
    again = client.get(url("contracts:accept", pk=contract.pk))
    assert "was accepted on" in again.content.decode()
    twice = client.post(url("contracts:accept", pk=contract.pk), {"typed_name": "张三", "code": code, "confirm": "on"})
    assert twice.status_code == 400 and "already been accepted" in twice.content.decode()


@pytest.mark.parametrize(("form", "message"), [
    ({"typed_name": "张三", "code": "000000"}, "Confirm that you have read"),
    ({"typed_name": "", "code": "000000", "confirm": "on"}, "Type your full name."),
    ({"typed_name": "李四", "code": "000000", "confirm": "on"}, "not the full name of your account"),
    ({"typed_name": "张三", "code": "abc", "confirm": "on"}, "six-digit code"),
    ({"typed_name": "张三", "code": "000000", "confirm": "on"}, "Ask for a code first"),
])
def test_bad_input_gets_a_clear_message_never_a_500(w, form, message):
    contract = w.issued()
    response = client_for(w.owner).post(url("contracts:accept", pk=contract.pk), form)
    assert response.status_code == 400
    assert message in response.content.decode()
    contract.refresh_from_db()
    assert contract.status == S.ISSUED


def test_a_wrong_code_says_how_many_tries_are_left(w, django_capture_on_commit_callbacks):
    contract = w.issued()
    client = client_for(w.owner)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("contracts:accept_code", pk=contract.pk))
    code = code_in(mail.outbox[0].body)
    wrong = f"{(int(code) + 7) % 1_000_000:06d}"
    response = client.post(url("contracts:accept", pk=contract.pk), {"typed_name": "张三", "code": wrong,
                                                                     "confirm": "on"})
    assert response.status_code == 400 and "4 more tries" in response.content.decode()


def test_asking_again_too_soon_is_a_message(w):
    contract = w.issued()
    client = client_for(w.owner)
    client.post(url("contracts:accept_code", pk=contract.pk))
    response = client.post(url("contracts:accept_code", pk=contract.pk), follow=True)
    assert "a moment ago" in response.content.decode()


def test_a_member_who_may_not_accept_sees_the_contract_and_why(w, django_capture_on_commit_callbacks):
    contract = w.issued()
    client = client_for(w.finance)
    page = client.get(url("contracts:accept", pk=contract.pk))
    html = page.content.decode()
    assert page.status_code == 200 and "Only an owner or an admin of your organisation can accept" in html
    assert 'name="code"' not in html
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("contracts:accept_code", pk=contract.pk), follow=True)
    assert "Only an owner or an admin" in response.content.decode() and mail.outbox == []
    refused = client.post(url("contracts:accept", pk=contract.pk), {"typed_name": "x y", "code": "123456",
                                                                    "confirm": "on"})
    assert refused.status_code == 403


def test_the_page_says_when_the_pdf_is_not_ready(w):
    contract = w.issued(with_pdf=False)
    html = client_for(w.owner).get(url("contracts:accept", pk=contract.pk)).content.decode()
    assert "being prepared" in html and 'name="code"' not in html


def test_the_pages_speak_chinese(w):
    contract = w.issued()
    client = client_for(w.owner)
    html = client.get(url("contracts:accept", "zh-hans", pk=contract.pk)).content.decode()
    assert "审阅并接受您的合同" in html and "给我发送验证码" in html
    assert "您的合同" in client.get(url("contracts:list", "zh-hans")).content.decode()


# ---------------------------------------------------------------- workspace

def todos(user) -> dict:
    response = client_for(user).get(url("portal:home"))
    return {entry["todo"].key: entry for entry in response.context["todos"]}, response


def test_workspace_contract_to_accept_links_owners_and_shows_others_without(w):
    contract = w.issued()
    entries, response = todos(w.owner)
    entry = entries["contracts.accept"]
    assert entry["allowed"] is True and entry["todo"].url == url("contracts:accept", pk=contract.pk)
    assert response.context["stage"].label == "Contract to accept"
    finance_entries, _r = todos(w.finance)
    assert finance_entries["contracts.accept"]["allowed"] is False
    assert "contracts.accept" not in todos(w.other_owner)[0]
    assert url("contracts:list") in response.content.decode()  # the menu link


def test_workspace_contract_being_prepared_and_signed_deposit_next(w):
    draft = w.draft()
    entries, response = todos(w.owner)
    # a first contract in preparation: the stage says so (onboarding's to-do gives the grade and deposit)
    assert "contracts.preparing" not in entries and response.context["stage"].label == "Contract in preparation"
    from contracts.services import contract_cancel

    contract_cancel(contract=draft, actor=w.lead, reason="replaced")
    contract = signed(w)
    entries, response = todos(w.owner)
    assert "contracts.accept" not in entries and "contracts.preparing" not in entries
    stage = response.context["stage"]
    assert stage.label == "Contract signed, deposit next" and "50,000" in stage.detail
    contract_amendment_draft(contract=contract, actor=w.lead, summary="More regions")
    entries, _response = todos(w.owner)
    assert entries["contracts.preparing"]["todo"].title == "An amendment is being prepared"


def test_onboarding_hands_the_next_step_to_contracts_once_the_contract_is_issued():
    from contracts.models import Contract
    from onboarding.models import ApplicationStatus
    from tests.onboarding.workflow import app_in, world_build

    world = world_build()
    app = app_in(world, ApplicationStatus.APPROVED)
    owner = app.created_by
    entries, _response = todos(owner)
    assert "onboarding.next_contract" in entries and "contracts.accept" not in entries
    contract = Contract.objects.get(merchant=app.merchant)
    contract_issue(contract=contract, actor=world.compliance)
    document_attach(contract)
    entries, _response = todos(owner)
    assert "onboarding.next_contract" not in entries and entries["contracts.accept"]["allowed"] is True


def test_the_contract_page_shows_the_commission_that_applies_today(w):
    from contracts.commission.defaults import commission_defaults_load
    from portal.bootstrap import reference_data_load

    reference_data_load()  # the categories and the default commission table, as on every installation
    commission_defaults_load()
    contract = signed(w)
    [category] = contract.categories.all()
    response = client_for(w.finance).get(url("contracts:detail", pk=contract.pk))
    # a category the table does not name takes the table's "other" rate; grade C has no discount
    assert response.context["commission_today"] == [
        {"category": category.name, "bands": [{"from_gmv": 0, "rate": "10%"}]}]
    assert "Commission today" in response.content.decode()


def test_no_commission_table_in_effect_leaves_the_row_out(w):
    contract = signed(w)
    response = client_for(w.finance).get(url("contracts:detail", pk=contract.pk))
    assert response.status_code == 200 and response.context["commission_today"] == []
    assert "Commission today" not in response.content.decode()
