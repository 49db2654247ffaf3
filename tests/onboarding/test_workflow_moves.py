"""The onboarding lifecycles on the shared transition helper: what each move records, the messages of a
refused move, and the information request's own open → answered move."""

from __future__ import annotations

import pytest
from django.utils import translation

from onboarding.models import Application, DocumentCheckStatus, InfoRequest
from onboarding.services import application_approve, application_resubmit, document_check
from portal.exceptions import InvalidTransition
from portal.models import AuditEntry

from .workflow import S, app_in, owner, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world_build()


def test_each_move_records_the_state_before_and_after(w):
    app = app_in(w, S.RESUBMITTED)
    entries = AuditEntry.objects.filter(target_id=str(app.pk), action__startswith="onboarding.application.")
    moves = [(e.action.rsplit(".", 1)[1], e.data["from"], e.data["to"])
             for e in entries.order_by("id") if "to" in e.data and isinstance(e.data["to"], str)]
    assert [m for m in moves if not m[0].startswith("document_")] == [
        ("submitted", S.DRAFT, S.SUBMITTED), ("review_started", S.SUBMITTED, S.IN_REVIEW),
        ("info_requested", S.IN_REVIEW, S.INFO_REQUESTED), ("resubmitted", S.INFO_REQUESTED, S.RESUBMITTED)]


def test_resubmitting_answers_the_open_request_once(w):
    app = app_in(w, S.INFO_REQUESTED)
    request = InfoRequest.objects.get(application=app)
    application_resubmit(application=app, actor=owner(app), response="Done.")
    request.refresh_from_db()
    assert (request.status, request.answered_by, request.response) == ("answered", owner(app), "Done.")
    entry = AuditEntry.objects.get(action="onboarding.info_request.answered", target_id=str(request.pk))
    assert entry.data == {"from": "open", "to": "answered", "application": app.pk}
    assert InfoRequest.ALLOWED_TRANSITIONS[InfoRequest.Status.ANSWERED] == set()


def test_a_refused_application_move_keeps_its_message(w):
    app = app_in(w, S.DRAFT)
    with translation.override("en"), pytest.raises(InvalidTransition) as exc:
        application_approve(application=app, actor=w.lead)
    assert exc.value.message == "An application that is “Draft” cannot become “Approved”."
    assert exc.value.extra == {"current": S.DRAFT, "target": S.APPROVED}
    assert Application.objects.get(pk=app.pk).status == S.DRAFT


def test_a_second_decision_on_a_document_is_refused_with_its_message(w):
    app = app_in(w, S.IN_REVIEW)
    doc = app.documents.order_by("pk").first()
    document_check(document=doc, actor=w.reviewer, decision=DocumentCheckStatus.ACCEPTED)
    checked = AuditEntry.objects.get(action="onboarding.application.document_accepted", target_id=str(app.pk))
    assert (checked.data["from"], checked.data["to"], checked.data["document"]) == ("pending", "accepted", doc.pk)
    with translation.override("en"), pytest.raises(InvalidTransition) as exc:
        document_check(document=doc, actor=w.reviewer, decision=DocumentCheckStatus.REJECTED, reason="Blurred.")
    assert exc.value.message == "This document is already “Accepted”."
    doc.refresh_from_db()
    assert doc.check_status == DocumentCheckStatus.ACCEPTED and doc.check_reason == ""
    # the same decision again is quiet
    document_check(document=doc, actor=w.reviewer, decision=DocumentCheckStatus.ACCEPTED)
    assert AuditEntry.objects.filter(action="onboarding.application.document_accepted",
                                     target_id=str(app.pk)).count() == 1
