"""Review before submitting, the status page with its timeline and information requests, resubmission and
withdrawal, as the applicant sees them."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from onboarding.models import Application, ApplicationStatus, DocumentType, InfoRequest, Profile
from onboarding.services import application_start_review, document_check, info_request_create
from portal.models import Squad
from portal.roles import Role
from tests.factories.portal import CategoryFactory, UserFactory

from .views_support import complete_draft, pdf_bytes, step_url, url

pytestmark = pytest.mark.django_db


def _reviewer_for(category):
    reviewer = UserFactory(email="reviewer@example.com", is_staff=True)
    reviewer.groups.add(Group.objects.get_or_create(name=Role.REVIEWER.value)[0])
    squad = Squad.objects.create(name_zh="生鲜组", name_en="Fresh squad")
    squad.categories.add(category)
    squad.members.add(reviewer)
    return reviewer


def _submitted_with_request(client, items):
    """An application submitted through the page, put in review and asked for more information."""
    category = CategoryFactory()
    reviewer = _reviewer_for(category)
    app, user = complete_draft(client, category=category)
    assert client.post(url("onboarding:application_review", pk=app.pk)).status_code == 302
    app = application_start_review(application=app, actor=reviewer)
    for code, decision in items.pop("_checks", []):
        document = app.documents.get(document_type__code=code)
        document_check(document=document, actor=reviewer, decision=decision, reason="The scan is unreadable.")
    info_request_create(application=app, actor=reviewer, items=items["items"], message="A few things, please.")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.INFO_REQUESTED
    return app, user, reviewer


# --- review and submit ---------------------------------------------------------------------------------------


def test_review_shows_the_screening_and_refuses_to_submit_with_a_clear_list_of_what_is_missing(client):
    app, _user = complete_draft(client, with_documents=False)
    page = client.get(url("onboarding:application_review", pk=app.pk))
    html = page.content.decode()
    assert page.context["screening"].profile == Profile.CORE
    assert "Core merchant" in html
    assert f"{page.context['screening'].score} / 100" in html
    assert page.context["screening"].reasons and page.context["screening"].reasons[0] in html
    assert "Business licence is required and has not been uploaded." in html

    response = client.post(url("onboarding:application_review", pk=app.pk))
    assert response.status_code == 400
    html = response.content.decode()
    assert "The application is not complete yet." in html
    assert "Business licence is required and has not been uploaded." in html
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT and app.submitted_at is None


def test_missing_answers_are_listed_too(client):
    app, user = complete_draft(client)
    Application.objects.filter(pk=app.pk).update(legal_representative="")
    html = client.post(url("onboarding:application_review", pk=app.pk)).content.decode()
    assert "Legal representative is not filled in." in html
    steps = {e["value"]: e["state"] for e in client.get(url("onboarding:application_review", pk=app.pk))
             .context["steps"]}
    assert steps["company"] == "missing"


def test_a_complete_application_is_submitted_and_shows_its_status(client):
    category = CategoryFactory()
    _reviewer_for(category)
    app, _user = complete_draft(client, category=category)
    page = client.get(url("onboarding:application_review", pk=app.pk))
    assert page.context["missing"] == []
    assert "Everything required is filled in" in page.content.decode()

    response = client.post(url("onboarding:application_review", pk=app.pk))
    assert response["Location"] == url("onboarding:application_status", pk=app.pk)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED
    assert app.profile == Profile.CORE and app.score is not None

    status = client.get(response["Location"])
    html = status.content.decode()
    assert "Submitted" in html
    events = [e.event for e in status.context["timeline"]]
    assert events[0] == "created" and events[-1] == "submitted"
    assert "document_added" in events and "step_saved" not in events  # saving steps is not news to the applicant
    # the wizard and the review page now lead to the status page
    assert client.get(step_url(app, "company"))["Location"] == url("onboarding:application_status", pk=app.pk)
    assert client.get(url("onboarding:application_review", pk=app.pk))["Location"] == url(
        "onboarding:application_status", pk=app.pk)


# --- information requests and resubmission --------------------------------------------------------------------


def test_status_page_shows_each_request_next_to_its_field_and_the_steps_show_it_too(client):
    app, _user, reviewer = _submitted_with_request(client, {"items": [
        ("contact_phone", "Please give a landline number."),
        ("document:business_licence", "The licence scan is cut off."),
    ]})
    status = client.get(url("onboarding:application_status", pk=app.pk))
    html = status.content.decode()
    assert "The recruitment team needs more information" in html
    items = {entry["label"]: entry for entry in status.context["request_items"]}
    assert set(items) == {"Contact phone", "Business licence"}
    assert items["Contact phone"]["url"] == step_url(app, "contacts") + "#field-contact_phone"
    assert items["Business licence"]["url"] == step_url(app, "documents") + "#doc-business_licence"
    phone_block = html[html.index("<strong>Contact phone</strong>"):]
    assert phone_block.index("Please give a landline number.") < phone_block.index("</li>")
    # staff stay anonymous on the applicant's timeline
    assert reviewer.email not in html and "Recruitment team" in html
    assert "More information requested" in html

    contacts = client.get(step_url(app, "contacts")).content.decode()
    field = contacts[contacts.index('id="field-contact_phone"'):]
    field = field[:field.index('id="field-contact_email"')]
    assert "Please give a landline number." in field
    documents = client.get(step_url(app, "documents")).content.decode()
    slot = documents[documents.index('id="doc-business_licence"'):]
    assert "The licence scan is cut off." in slot[:slot.index("</li>")]
    steps = {e["value"]: e for e in client.get(step_url(app, "company")).context["steps"]}
    assert steps["contacts"]["flagged"] and steps["documents"]["flagged"] and not steps["company"]["flagged"]


def test_the_applicant_edits_the_flagged_answers_and_resubmits(client):
    app, _user, _reviewer = _submitted_with_request(client, {"items": [
        ("contact_phone", "Please give a landline number."),
    ]})
    response = client.post(step_url(app, "contacts"), {
        "contact_name": "Li Si", "contact_phone": "0591 8765 4321", "contact_email": "li.si@example.com",
        "address": "1 Example Road, Fuzhou", "next": "1",
    })
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.contact_phone == "0591 8765 4321"
    item = InfoRequest.objects.get(application=app).items.get()
    assert item.answered

    response = client.post(url("onboarding:application_resubmit", pk=app.pk), {
        "response": "Landline added.", f"answer-{item.pk}": "Our office number.",
    })
    assert response["Location"] == url("onboarding:application_status", pk=app.pk)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.RESUBMITTED
    request = InfoRequest.objects.get(application=app)
    assert request.status == InfoRequest.Status.ANSWERED and request.response == "Landline added."
    assert request.items.get().answer == "Our office number."
    html = client.get(url("onboarding:application_status", pk=app.pk)).content.decode()
    assert "Resubmitted" in html and "Landline added." in html


def test_resubmitting_is_refused_with_the_list_while_a_rejected_document_is_not_replaced(client):
    app, _user, _reviewer = _submitted_with_request(client, {
        "_checks": [("business_licence", "rejected")],
        "items": [("document:business_licence", "Please upload a readable scan.")],
    })
    response = client.post(url("onboarding:application_resubmit", pk=app.pk), {"response": "Done"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Business licence was rejected; please upload a new one." in html
    app.refresh_from_db()
    assert app.status == ApplicationStatus.INFO_REQUESTED

    licence = DocumentType.objects.get(code="business_licence")
    client.post(step_url(app, "documents"), {
        "document_type": licence.pk, "number": "BL-2", "issuer": "AMR",
        "expires_on": (timezone.localdate() + dt.timedelta(days=300)).isoformat(),
        "files": [SimpleUploadedFile("new.pdf", pdf_bytes("readable"), "application/pdf")],
    })
    response = client.post(url("onboarding:application_resubmit", pk=app.pk), {"response": "New scan uploaded."})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.RESUBMITTED


def test_resubmitting_is_only_possible_when_information_was_requested(client):
    app, _user = complete_draft(client)
    response = client.post(url("onboarding:application_resubmit", pk=app.pk), {"response": "Hello"})
    assert response.status_code == 400
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT


# --- withdrawal ----------------------------------------------------------------------------------------------


def test_withdrawing_needs_a_confirmation_and_then_withdraws(client):
    app, _user = complete_draft(client)
    page = client.get(url("onboarding:application_withdraw", pk=app.pk))
    assert page.status_code == 200 and "cannot be undone" in page.content.decode()

    response = client.post(url("onboarding:application_withdraw", pk=app.pk), {"reason": "Changed our plans"})
    assert response.status_code == 400
    assert "Tick the box to confirm the withdrawal." in response.content.decode()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT

    response = client.post(url("onboarding:application_withdraw", pk=app.pk),
                           {"reason": "Changed our plans", "confirm": "on"})
    assert response["Location"] == url("onboarding:application_status", pk=app.pk)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.WITHDRAWN and app.reasons == "Changed our plans"
    html = client.get(url("onboarding:application_status", pk=app.pk)).content.decode()
    assert "Withdrawn" in html and "Changed our plans" in html
    assert url("onboarding:application_withdraw", pk=app.pk) not in html
    # a withdrawn application cannot be edited, and the organisation may start again
    assert client.get(step_url(app, "company"))["Location"] == url("onboarding:application_status", pk=app.pk)
    client.post(url("onboarding:application_start"))
    assert Application.objects.filter(merchant=app.merchant, status=ApplicationStatus.DRAFT).count() == 1


def test_a_submitted_application_can_be_withdrawn_from_its_status_page(client):
    category = CategoryFactory()
    _reviewer_for(category)
    app, _user = complete_draft(client, category=category)
    client.post(url("onboarding:application_review", pk=app.pk))
    html = client.get(url("onboarding:application_status", pk=app.pk)).content.decode()
    assert url("onboarding:application_withdraw", pk=app.pk) in html
    client.post(url("onboarding:application_withdraw", pk=app.pk), {"confirm": "on"})
    app.refresh_from_db()
    assert app.status == ApplicationStatus.WITHDRAWN
