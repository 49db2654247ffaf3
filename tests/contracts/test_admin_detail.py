"""One contract in the admin: what the page shows (terms, PDFs, amendments and the original, renewal, timeline),
who may open it and its PDFs, and the lifecycle actions through their forms: each calls its service, a refused
move or bad input comes back as a message (or a field error), never a 500."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract, ContractDocument, ContractKind, ContractStatus, TerminationSide
from portal.audit import audit_entry_create
from portal.models import AuditEntry, CooperationMode
from portal.roles import Role
from tests.factories.portal import CategoryFactory

from .admin_support import contract, detail_url, document, merchant_user, staff

pytestmark = pytest.mark.django_db

S = ContractStatus


def url(name: str, obj: Contract, *args) -> str:
    return reverse(f"contracts_admin:{name}", args=[obj.pk, *args])


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def lead():
    return staff(Role.LEAD, first_name="Lena", last_name="Lead")


@pytest.fixture
def lead2():
    return staff(Role.LEAD, first_name="Otto", last_name="Other")


def test_the_page_shows_terms_documents_family_and_timeline(client, lead):
    fresh = CategoryFactory(code="fresh", name_en="Fresh food")
    original = contract(status=S.ACTIVE, categories=[fresh], technical_service_fee=Decimal("6000.00"),
                        advertising_fee_percent=Decimal("3.50"), regions=["Shanghai", "Jiangsu"])
    signed = document(original, kind=ContractDocument.Kind.SIGNED)
    amendment = contract(status=S.DRAFT, merchant=original.merchant, kind=ContractKind.AMENDMENT,
                         parent=original, amendment_summary="Adds the Zhejiang region")
    audit_entry_create(actor=lead, action="contracts.contract.countersigned", target=original,
                       data={"from": "accepted", "to": "signed", "starts_on": "2025-11-01", "ends_on": "2028-10-31"})
    audit_entry_create(actor=None, action="contracts.contract.activated", target=original,
                       data={"from": "signed", "to": "active"})
    client.force_login(lead)
    response = client.get(detail_url(original))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (original.number, original.merchant_legal_name, "Platform entry", "¥6,000.00", "3.50%",
                 "Fresh food", "Shanghai", "¥60,000.00", signed.sha256, "Adds the Zhejiang region",
                 amendment.number, "Countersigned by the platform", "Active: the deposit is paid", "System"):
        assert text in html, text
    assert url("document", original, signed.pk) in html
    assert url("detail", amendment) in html
    timeline = response.context["timeline"]
    assert [e.event for e in timeline] == ["countersigned", "activated"]
    assert timeline[0].actor_name == str(lead) and timeline[0].details[0].startswith("Term: ")
    # the amendment's page links back to its original
    amendment_page = client.get(detail_url(amendment)).content.decode()
    assert url("detail", original) in amendment_page and "Adds the Zhejiang region" in amendment_page


def test_a_contract_that_does_not_exist_is_404(client, lead):
    client.force_login(lead)
    assert client.get(reverse("contracts_admin:detail", args=[987654])).status_code == 404


@pytest.mark.parametrize("role", [Role.EDITOR, Role.REVIEWER])
def test_staff_of_other_areas_get_403_for_page_pdf_and_actions(client, role):
    item = contract(status=S.ACCEPTED)
    doc = document(item)
    client.force_login(staff(role))
    assert client.get(detail_url(item)).status_code == 403
    assert client.get(url("document", item, doc.pk)).status_code == 403
    assert client.post(url("countersign", item)).status_code == 403
    item.refresh_from_db()
    assert item.status == S.ACCEPTED


def test_merchant_users_never_reach_the_admin_page_or_pdf(client):
    item = contract(status=S.ISSUED)
    doc = document(item)
    client.force_login(merchant_user(item.merchant))
    for target in (detail_url(item), url("document", item, doc.pk)):
        response = client.get(target)
        assert response.status_code == 302 and response["Location"].startswith(reverse("wagtailadmin_login"))


def test_pdf_download_from_private_storage_is_recorded(client, lead):
    item = contract(status=S.ISSUED)
    doc = document(item, content=b"%PDF-1.7 the issued copy")
    client.force_login(lead)
    response = client.get(url("document", item, doc.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.7 the issued copy"
    assert "attachment" in response["Content-Disposition"] and item.number in response["Content-Disposition"]
    entry = AuditEntry.objects.get(action="contracts.contract.document_downloaded")
    assert entry.actor == lead and entry.data["sha256"] == doc.sha256
    # another contract's document through this contract's URL: 404
    other = contract(status=S.ISSUED)
    other_doc = document(other)
    assert client.get(url("document", item, other_doc.pk)).status_code == 404


def test_commission_page_is_linked(client, lead):
    item = contract(status=S.ACTIVE)
    client.force_login(lead)
    html = client.get(detail_url(item)).content.decode()
    assert reverse("contracts_commission", args=[item.pk]) in html


# ------------------------------------------------------------------------------------------------ actions


def test_edit_terms_of_a_draft_through_the_structured_form(client, lead):
    item = contract(status=S.DRAFT)
    cat = CategoryFactory(code="apparel")
    client.force_login(lead)
    page = client.get(url("terms", item))
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update(technical_service_fee="8000", regions="Shanghai\nZhejiang, Jiangsu", categories=[cat.pk],
                exclusive="on", grade="B")
    data = {k: v for k, v in data.items() if v is not False}
    response = client.post(url("terms", item), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    item.refresh_from_db()
    assert item.technical_service_fee == Decimal("8000.00") and item.grade == "B" and item.exclusive
    assert item.regions == ["Shanghai", "Zhejiang", "Jiangsu"]
    assert list(item.categories.all()) == [cat]
    assert AuditEntry.objects.filter(action="contracts.contract.terms_updated").exists()
    timeline = client.get(detail_url(item)).context["timeline"]
    changes = {c.field: c for c in timeline[-1].changes}
    assert changes["technical_service_fee"].after == "¥8,000.00"


def _terms_data(client, item, **changes):
    form = client.get(url("terms", item)).context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def test_terms_form_shows_the_services_validation_messages_on_their_fields(client, lead):
    item = contract(status=S.DRAFT, mode=CooperationMode.JOINT)
    client.force_login(lead)
    response = client.post(url("terms", item), _terms_data(client, item, strategic="on", term_months="12",
                                                           min_annual_marketing="", revenue_share_percent=""))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "term_months" in errors and "min_annual_marketing" in errors and "revenue_share_percent" in errors
    html = response.content.decode()
    assert "A strategic partner" in html
    item.refresh_from_db()
    assert item.term_months == 36 and not item.strategic  # nothing saved


def test_terms_form_refuses_bad_numbers_with_field_errors(client, lead):
    item = contract(status=S.DRAFT)
    client.force_login(lead)
    response = client.post(url("terms", item), _terms_data(client, item, advertising_fee_percent="150",
                                                           deposit_amount="lots"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "advertising_fee_percent" in errors and "deposit_amount" in errors


def test_terms_of_an_issued_contract_cannot_be_edited(client, lead):
    item = contract(status=S.ISSUED)
    client.force_login(lead)
    response = client.get(url("terms", item))
    assert response.status_code == 302 and response["Location"] == detail_url(item)
    assert any("only be changed while it is a draft" in m for m in said(response))
    response = client.post(url("terms", item), {"technical_service_fee": "1"})
    assert response.status_code == 302 and any("only be changed while it is a draft" in m for m in said(response))
    assert client.post(url("ladder", item), {}).status_code == 302
    item.refresh_from_db()
    assert item.technical_service_fee == Decimal("0")


def test_set_ladder_bands(client, lead):
    item = contract(status=S.DRAFT)
    client.force_login(lead)
    data = {"bands-TOTAL_FORMS": "3", "bands-INITIAL_FORMS": "0", "bands-MIN_NUM_FORMS": "0",
            "bands-MAX_NUM_FORMS": "20",
            "bands-0-min_gmv": "1000000", "bands-0-rate_percent": "8",
            "bands-1-min_gmv": "0", "bands-1-rate_percent": "10",
            "bands-2-min_gmv": "", "bands-2-rate_percent": ""}
    response = client.post(url("ladder", item), data)
    assert response.status_code == 302
    assert [(b.min_gmv, b.rate_percent) for b in item.ladder_bands.all()] == [
        (Decimal("0.00"), Decimal("10.00")), (Decimal("1000000.00"), Decimal("8.00"))]
    # a ladder that does not start at 0 is refused with the service's message
    data.update({"bands-1-min_gmv": "500", "bands-1-rate_percent": "10"})
    response = client.post(url("ladder", item), data)
    assert response.status_code == 200 and "starts at a GMV of 0" in response.content.decode()


def test_issue_then_the_same_again_is_quiet_and_countersign_before_acceptance_is_refused(client, lead, lead2):
    item = contract(status=S.DRAFT)
    client.force_login(lead)
    response = client.post(url("issue", item))
    assert response.status_code == 302 and any("issued to the merchant" in m for m in said(response))
    item.refresh_from_db()
    assert item.status == S.ISSUED and item.issued_by == lead
    entries = AuditEntry.objects.filter(action="contracts.contract.issued").count()
    client.post(url("issue", item))
    item.refresh_from_db()
    assert item.status == S.ISSUED and AuditEntry.objects.filter(action="contracts.contract.issued").count() == entries
    client.force_login(lead2)
    response = client.post(url("countersign", item))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == S.ISSUED
    assert any("cannot become" in m for m in said(response))


def test_withdraw_needs_a_reason(client, lead):
    item = contract(status=S.ISSUED)
    client.force_login(lead)
    response = client.post(url("withdraw", item), {"withdraw-reason": ""})
    assert response.status_code == 302 and any("Reason" in m for m in said(response))
    item.refresh_from_db()
    assert item.status == S.ISSUED
    client.post(url("withdraw", item), {"withdraw-reason": "The deposit was wrong"})
    item.refresh_from_db()
    assert item.status == S.DRAFT


def test_countersign_by_someone_other_than_the_issuer(client, lead, lead2):
    item = contract(status=S.ACCEPTED, issued_by=lead, accepted_at=timezone.now())
    client.force_login(lead)
    page = client.get(detail_url(item))
    assert page.context["countersign_blocked"] is True
    response = client.post(url("countersign", item))
    assert any("someone else must countersign" in m for m in said(response))
    item.refresh_from_db()
    assert item.status == S.ACCEPTED
    client.force_login(lead2)
    response = client.post(url("countersign", item))
    item.refresh_from_db()
    assert item.status == S.SIGNED and item.countersigned_by == lead2, said(response)


def test_terminate_with_side_reason_and_date(client, lead):
    item = contract(status=S.ACTIVE)
    client.force_login(lead)
    response = client.post(url("terminate", item), {"terminate-side": "merchant", "terminate-reason": "",
                                                    "terminate-effective_on": "not a date"})
    assert response.status_code == 302
    messages = said(response)
    assert any("Reason" in m for m in messages) and any("Takes effect on" in m for m in messages)
    item.refresh_from_db()
    assert item.status == S.ACTIVE
    effective = timezone.localdate() + dt.timedelta(days=30)
    client.post(url("terminate", item), {"terminate-side": TerminationSide.MERCHANT,
                                         "terminate-reason": "Leaving the category",
                                         "terminate-effective_on": effective.isoformat()})
    item.refresh_from_db()
    assert item.status == S.TERMINATED and item.termination_effective_on == effective
    assert item.termination_side == TerminationSide.MERCHANT


def test_terminating_a_draft_is_refused_with_a_message(client, lead):
    item = contract(status=S.DRAFT)
    client.force_login(lead)
    response = client.post(url("terminate", item), {"terminate-side": "operator", "terminate-reason": "x",
                                                    "terminate-effective_on": timezone.localdate().isoformat()})
    assert response.status_code == 302 and said(response)
    item.refresh_from_db()
    assert item.status == S.DRAFT


def test_draft_an_amendment_of_a_signed_contract(client, lead):
    item = contract(status=S.ACTIVE)
    client.force_login(lead)
    response = client.post(url("amendment", item), {"amendment-summary": "Raise the advertising fee"})
    amendment = Contract.objects.get(kind=ContractKind.AMENDMENT)
    assert response.status_code == 302 and response["Location"] == detail_url(amendment)
    assert amendment.parent == item and amendment.status == S.DRAFT
    item.refresh_from_db()
    assert item.status == S.ACTIVE


def test_finance_reads_but_cannot_act(client):
    item = contract(status=S.DRAFT)
    client.force_login(staff(Role.FINANCE))
    page = client.get(detail_url(item))
    assert page.status_code == 200 and not page.context["show_issue"] and not page.context["show_edit"]
    response = client.post(url("issue", item))
    assert response.status_code == 302 and said(response)
    item.refresh_from_db()
    assert item.status == S.DRAFT


def _detail_queries(client, item) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(detail_url(item))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(detail_url(item)).status_code == 200
    return len(ctx.captured_queries)


def test_detail_costs_the_same_queries_however_long_its_history(client, lead):
    item = contract(status=S.ACTIVE)
    document(item, kind=ContractDocument.Kind.SIGNED)
    client.force_login(lead)
    few = _detail_queries(client, item)
    for n in range(30):
        audit_entry_create(actor=lead, action="contracts.contract.terms_updated", target=item,
                           data={"before": {"grade": "C"}, "after": {"grade": "B"}})
        contract(status=S.DRAFT, merchant=item.merchant, kind=ContractKind.AMENDMENT, parent=item,
                 number=f"AM-{n}")
    many = _detail_queries(client, item)
    assert many == few, f"{few} queries with a short history, {many} with a long one"
