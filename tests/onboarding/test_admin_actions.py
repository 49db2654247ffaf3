"""The application detail screen and its review actions in the Wagtail admin."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation

from onboarding.models import Application, ApplicationStatus, DocumentCheckStatus, InfoRequest
from portal.models import AuditEntry
from portal.roles import Role
from tests.factories.portal import CategoryFactory

from .admin_support import detail_url, english_admin, squad_with, staff
from .workflow import accept_all_documents, app_in, ready_to_approve, world_build

pytestmark = pytest.mark.django_db
S = ApplicationStatus


def action_url(name: str, app: Application, *args) -> str:
    return reverse(f"onboarding_review:{name}", args=[app.pk, *args])


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m).strip()) for m in get_messages(response.wsgi_request)]


def errors_of(response) -> list[str]:
    return [text for level, text in messages_of(response) if level == "error"]


def post(client, user, url, data=None):
    client.force_login(user)
    response = client.post(url, data or {})
    assert response.status_code == 302, response.status_code
    return response


@pytest.fixture
def w():
    world = world_build()
    english_admin(world.reviewer, world.reviewer2, world.lead, world.lead2, world.compliance)
    return world


@pytest.fixture
def in_review(w):
    return app_in(w, S.IN_REVIEW)


def first_document(app):
    return app.documents.select_related("document_type").order_by("pk").first()


# ------------------------------------------------------------------------------------------ detail


def test_detail_shows_answers_screening_documents_and_timeline(client, w, in_review):
    client.force_login(w.reviewer)
    response = client.get(detail_url(in_review))
    assert response.status_code == 200
    html = response.content.decode()
    assert in_review.company_name in html
    with translation.override("en"):  # the admin is English for this user, whatever an earlier test left active
        assert in_review.get_profile_display() in html
    assert "li.si@example.com" in html  # a wizard answer
    doc_file = first_document(in_review).files.first()
    assert reverse("onboarding_review:file", args=[in_review.pk, doc_file.pk]) in html
    timeline = [e.event for e in response.context["timeline"]]
    assert timeline[-2:] == ["submitted", "review_started"]
    # a reviewer sees the document checks and the information request, not the lead's decision
    assert response.context["documents"][0].form is not None
    assert "info_formset" in response.context
    assert "approve_form" not in response.context and "signoff_form" not in response.context


def test_buttons_follow_the_role(client, w, in_review):
    client.force_login(w.lead)
    context = client.get(detail_url(in_review)).context
    assert context["show_decision"] and context["show_reassign"] and not context["show_signoff"]
    assert context["approval_blockers"]  # documents pending and no sign-off yet
    assert "approve_form" in context and context["approve_form"].initial["deposit_amount"] == Decimal("60000")
    client.force_login(w.compliance)
    context = client.get(detail_url(in_review)).context
    assert context["show_signoff"] and not context["show_decision"]


def test_expired_and_expiring_documents_are_marked(client, w, in_review):
    today = timezone.localdate()
    docs = list(in_review.documents.order_by("pk"))
    assert len(docs) >= 2
    docs[0].expires_on = today - dt.timedelta(days=1)
    docs[0].save(update_fields=["expires_on"])
    docs[1].expires_on = today + dt.timedelta(days=10)
    docs[1].save(update_fields=["expires_on"])
    client.force_login(w.reviewer)
    rows = {row.slot.current.pk: row.expiry for row in client.get(detail_url(in_review)).context["documents"]
            if row.slot.current}
    assert rows[docs[0].pk] == "expired" and rows[docs[1].pk] == "expiring"


def test_reviewer_of_another_squad_gets_404_everywhere(client, w, in_review):
    other_category = CategoryFactory(code="fresh")
    outsider = staff(Role.REVIEWER)
    squad_with(name="Fresh squad", categories=[other_category], members=[outsider])
    client.force_login(outsider)
    doc = first_document(in_review)
    # (the language middleware turns an unprefixed 404 into a redirect to a prefixed 404: follow it)
    assert client.get(detail_url(in_review), follow=True).status_code == 404
    assert client.post(action_url("start_review", in_review), follow=True).status_code == 404
    assert client.post(action_url("document_check", in_review, doc.pk),
                       {f"doc{doc.pk}-decision": "accepted"}, follow=True).status_code == 404
    assert client.get(action_url("file", in_review, doc.files.first().pk), follow=True).status_code == 404
    in_review.refresh_from_db()
    assert in_review.status == S.IN_REVIEW
    assert first_document(in_review).check_status == DocumentCheckStatus.PENDING


def refused(response) -> bool:
    """The Wagtail admin answers a permission refusal with a redirect to its dashboard and a message."""
    return response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home") and bool(
        errors_of(response))


def test_staff_without_a_review_role_are_refused(client, w, in_review):
    client.force_login(staff(Role.FINANCE))
    assert refused(client.get(detail_url(in_review)))


def test_drafts_are_not_shown_in_the_admin(client, w):
    draft = app_in(w, S.DRAFT)
    client.force_login(w.lead)
    assert client.get(detail_url(draft), follow=True).status_code == 404


def test_file_download_checks_access_and_records_the_view(client, w, in_review):
    doc_file = first_document(in_review).files.first()
    client.force_login(w.reviewer)
    response = client.get(action_url("file", in_review, doc_file.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="onboarding.application.document_viewed",
                                     target_id=str(in_review.pk), actor=w.reviewer).exists()


# ----------------------------------------------------------------------------------------- actions


def test_start_review_is_the_first_touch(client, w):
    app = app_in(w, S.SUBMITTED)
    response = post(client, w.reviewer, action_url("start_review", app))
    app.refresh_from_db()
    assert app.status == S.IN_REVIEW and app.first_touched_at is not None
    assert ("success", "Review started.") in messages_of(response)


@pytest.mark.parametrize("decision", ["accepted", "rejected", "waived"])
def test_document_decisions(client, w, in_review, decision):
    doc = first_document(in_review)
    post(client, w.reviewer, action_url("document_check", in_review, doc.pk),
         {f"doc{doc.pk}-decision": decision, f"doc{doc.pk}-reason": "Checked against the register"})
    doc.refresh_from_db()
    assert doc.check_status == decision and doc.checked_by == w.reviewer
    if decision != "accepted":
        assert doc.check_reason == "Checked against the register"


@pytest.mark.parametrize("decision", ["rejected", "waived"])
def test_reject_or_waive_without_a_reason_is_refused_with_a_message(client, w, in_review, decision):
    doc = first_document(in_review)
    response = post(client, w.reviewer, action_url("document_check", in_review, doc.pk),
                    {f"doc{doc.pk}-decision": decision, f"doc{doc.pk}-reason": "  "})
    assert any("reason" in e for e in errors_of(response))
    doc.refresh_from_db()
    assert doc.check_status == DocumentCheckStatus.PENDING


def test_a_decided_document_cannot_be_decided_again(client, w, in_review):
    doc = first_document(in_review)
    url = action_url("document_check", in_review, doc.pk)
    post(client, w.reviewer, url, {f"doc{doc.pk}-decision": "accepted"})
    response = post(client, w.reviewer, url, {f"doc{doc.pk}-decision": "rejected", f"doc{doc.pk}-reason": "x"})
    assert errors_of(response) and "already" in errors_of(response)[0]
    doc.refresh_from_db()
    assert doc.check_status == DocumentCheckStatus.ACCEPTED


def _info_request_data(items: list[tuple[str, str]], message: str = "") -> dict:
    data = {"items-TOTAL_FORMS": "3", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "30", "message": message}
    for i, (field, comment) in enumerate(items):
        data[f"items-{i}-field_name"] = field
        data[f"items-{i}-comment"] = comment
    return data


def test_info_request_with_field_level_comments(client, w, in_review):
    code = first_document(in_review).document_type.code
    response = post(client, w.reviewer, action_url("info_request", in_review), _info_request_data(
        [("address", "Give the registered address."), (f"document:{code}", "The scan is cut off.")],
        message="Two things, please."))
    in_review.refresh_from_db()
    assert in_review.status == S.INFO_REQUESTED and in_review.sla_paused_at is not None
    request = InfoRequest.objects.get(application=in_review)
    assert request.message == "Two things, please."
    assert [(i.field_name, i.comment) for i in request.items.all()] == [
        ("address", "Give the registered address."), (f"document:{code}", "The scan is cut off.")]
    assert not errors_of(response)


def test_info_request_needs_an_item_and_a_comment_per_field(client, w, in_review):
    response = post(client, w.reviewer, action_url("info_request", in_review), _info_request_data([]))
    assert errors_of(response)
    response = post(client, w.reviewer, action_url("info_request", in_review),
                    _info_request_data([("address", "")]))
    assert errors_of(response)
    response = post(client, w.reviewer, action_url("info_request", in_review),
                    _info_request_data([("not_a_field", "?")]))
    assert errors_of(response)
    in_review.refresh_from_db()
    assert in_review.status == S.IN_REVIEW


def test_compliance_signoff(client, w, in_review):
    post(client, w.compliance, action_url("compliance_signoff", in_review),
         {"note": "Licence verified on the register"})
    in_review.refresh_from_db()
    assert in_review.compliance_signed_off_by == w.compliance
    assert in_review.compliance_note == "Licence verified on the register"


def test_only_compliance_may_sign_off(client, w, in_review):
    client.force_login(w.reviewer)
    assert refused(client.post(action_url("compliance_signoff", in_review), {"note": "x"}))
    in_review.refresh_from_db()
    assert in_review.compliance_signed_off_at is None


def test_approve_sets_grade_and_deposit(client, w, in_review):
    ready_to_approve(w, in_review)
    response = post(client, w.lead, action_url("approve", in_review),
                    {"action": "approve", "grade": "B", "deposit_amount": "40000.00", "reasons": "Welcome"})
    in_review.refresh_from_db()
    assert in_review.status == S.APPROVED
    assert in_review.merchant_grade == "B" and in_review.deposit_amount == Decimal("40000.00")
    assert in_review.decided_by == w.lead
    assert any("approved" in text for level, text in messages_of(response) if level == "success")


def test_the_deposit_follows_the_grade(client, w, in_review):
    """The grade select carries every grade's default deposit for approve.js; a submitted deposit equal to
    the submitted grade's default is not an override, whatever grade the form was first shown with, while the
    default of the grade first shown (C) kept after choosing A is one and needs a reason."""
    import json

    ready_to_approve(w, in_review)
    client.force_login(w.lead)
    form = client.get(detail_url(in_review)).context["approve_form"]
    defaults = json.loads(form.fields["grade"].widget.attrs["data-default-deposits"])
    assert {grade: Decimal(amount) for grade, amount in defaults.items()} == {
        "A": Decimal("20000"), "B": Decimal("40000"), "C": Decimal("60000"), "D": Decimal("80000"),
        "E": Decimal("100000")}
    assert form.initial == {"grade": "C", "deposit_amount": Decimal("60000")}
    url = action_url("approve", in_review)
    response = post(client, w.lead, url, {"action": "approve", "grade": "A", "deposit_amount": "60000.00"})
    assert any("reason" in e for e in errors_of(response)), errors_of(response)
    in_review.refresh_from_db()
    assert in_review.status == S.IN_REVIEW
    client.get(detail_url(in_review))  # the messages are shown (and consumed) there
    response = post(client, w.lead, url, {"action": "approve", "grade": "A", "deposit_amount": "20000"})
    assert errors_of(response) == []
    in_review.refresh_from_db()
    assert (in_review.status, in_review.merchant_grade, in_review.deposit_amount) == (
        S.APPROVED, "A", Decimal("20000.00"))
    approved = AuditEntry.objects.filter(action="onboarding.application.approved").get()
    assert approved.data["override"] is None


def test_approve_with_a_different_deposit_needs_a_reason(client, w, in_review):
    ready_to_approve(w, in_review)
    url = action_url("approve", in_review)
    response = post(client, w.lead, url, {"action": "approve", "grade": "C", "deposit_amount": "55000"})
    assert any("reason" in e for e in errors_of(response))
    in_review.refresh_from_db()
    assert in_review.status == S.IN_REVIEW
    post(client, w.lead, url, {"action": "approve", "grade": "C", "deposit_amount": "55000",
                               "override_reason": "Long trading record"})
    in_review.refresh_from_db()
    assert in_review.status == S.APPROVED and in_review.deposit_amount == Decimal("55000")


def test_large_override_needs_a_second_lead(client, w, in_review):
    ready_to_approve(w, in_review)
    url = action_url("approve", in_review)
    data = {"grade": "A", "deposit_amount": "100000", "override_reason": "High-risk brand history"}
    response = post(client, w.lead, url, {**data, "action": "approve"})
    assert any("second approver" in e for e in errors_of(response))
    post(client, w.lead, url, {**data, "action": "propose"})
    in_review.refresh_from_db()
    assert in_review.override_proposed_by == w.lead and in_review.status == S.IN_REVIEW
    response = post(client, w.lead, url, {"action": "approve_proposal"})  # not the proposer
    assert errors_of(response)
    client.force_login(w.lead2)
    assert client.get(detail_url(in_review)).context["can_approve_override"]
    post(client, w.lead2, url, {"action": "approve_proposal"})
    in_review.refresh_from_db()
    assert in_review.status == S.APPROVED
    assert (in_review.merchant_grade, in_review.deposit_amount) == ("A", Decimal("100000"))


def test_approve_before_sign_off_shows_the_blockers_not_a_500(client, w, in_review):
    accept_all_documents(w, in_review)
    response = post(client, w.lead, action_url("approve", in_review),
                    {"action": "approve", "grade": "C", "deposit_amount": "60000"})
    errors = errors_of(response)
    assert "The application cannot be approved yet." in errors
    assert "Compliance has not signed off." in errors
    in_review.refresh_from_db()
    assert in_review.status == S.IN_REVIEW


def test_reject_with_reasons(client, w, in_review):
    url = action_url("reject", in_review)
    response = post(client, w.lead, url, {"reasons": ""})
    assert errors_of(response)
    post(client, w.lead, url, {"reasons": "The category is full this quarter."})
    in_review.refresh_from_db()
    assert in_review.status == S.REJECTED and in_review.reasons == "The category is full this quarter."


def test_refused_transition_is_a_message(client, w):
    app = app_in(w, S.REJECTED)
    response = post(client, w.reviewer, action_url("start_review", app))
    assert errors_of(response)
    app.refresh_from_db()
    assert app.status == S.REJECTED
    # and the detail page shows it after the redirect
    page = client.get(response["Location"])
    assert page.status_code == 200


def test_reviewers_cannot_approve_or_reassign(client, w, in_review):
    before = in_review.assigned_reviewer_id
    client.force_login(w.reviewer)
    assert refused(client.post(action_url("approve", in_review), {"grade": "C", "deposit_amount": "60000"}))
    assert refused(client.post(action_url("reassign", in_review), {"reviewer": w.reviewer2.pk}))
    in_review.refresh_from_db()
    assert in_review.status == S.IN_REVIEW and in_review.assigned_reviewer_id == before


def test_reassign(client, w, in_review):
    target = w.reviewer2 if in_review.assigned_reviewer_id != w.reviewer2.pk else w.reviewer
    post(client, w.lead, action_url("reassign", in_review), {"reviewer": target.pk, "reason": "Holiday"})
    in_review.refresh_from_db()
    assert in_review.assigned_reviewer == target


def test_get_on_an_action_is_not_allowed(client, w, in_review):
    client.force_login(w.lead)
    assert client.get(action_url("approve", in_review)).status_code == 405


def test_detail_query_count_does_not_grow_with_documents(client, w, in_review):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .admin_support import document

    client.force_login(w.reviewer)
    url = detail_url(in_review)
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for i in range(6):
        document(in_review, code=f"extra_{i}")
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after) == len(before), (len(before), len(after))


def test_accept_the_remaining_documents_in_one_action(client, w, in_review):
    """Every current pending document is accepted, each audited as a single accept; a second try is
    refused with a message; a reviewer of another squad gets a 404."""
    documents = list(in_review.documents.all())
    first = documents[0]
    post(client, w.reviewer, action_url("document_check", in_review, first.pk),
         {f"doc{first.pk}-decision": "rejected", f"doc{first.pk}-reason": "Unreadable scan."})
    client.force_login(w.reviewer)
    page = client.get(detail_url(in_review)).content.decode()
    assert action_url("documents_accept_remaining", in_review) in page
    response = post(client, w.reviewer, action_url("documents_accept_remaining", in_review))
    assert any(f"{len(documents) - 1} documents accepted" in text for level, text in messages_of(response))
    statuses = dict(in_review.documents.values_list("pk", "check_status"))
    assert statuses.pop(first.pk) == DocumentCheckStatus.REJECTED  # a decision already taken stays
    assert set(statuses.values()) == {DocumentCheckStatus.ACCEPTED}
    audited = AuditEntry.objects.filter(action="onboarding.application.document_accepted",
                                        actor=w.reviewer).values_list("data__document", flat=True)
    assert sorted(audited) == sorted(statuses)
    client.get(detail_url(in_review))  # shows (and consumes) the messages
    response = post(client, w.reviewer, action_url("documents_accept_remaining", in_review))
    assert errors_of(response) == ["No document is waiting for a check."]

    outsider = staff(Role.REVIEWER)
    squad_with(name="Other squad", categories=[CategoryFactory()], members=[outsider])
    client.force_login(outsider)
    assert client.post(action_url("documents_accept_remaining", in_review)).status_code == 404
