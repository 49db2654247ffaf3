"""Emails: every event renders in both languages, goes to the right people in their language, and is
sent only after the transaction commits."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from onboarding.services import (
    application_notification_send,
    application_submit,
    info_request_create,
)
from onboarding.services.notifications import EVENTS

from .workflow import S, app_in, owner, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world_build()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("event", sorted(EVENTS))
def test_every_event_renders_in_each_language(w, event, language):
    app = app_in(w, S.APPROVED)
    doc = app.documents.first()
    for user in (owner(app), w.reviewer, w.reviewer2, w.lead, w.lead2):
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    sent = application_notification_send(application=app, event=event,
                                         extra={"document_id": doc.pk, "days_left": 30, "clock": "decision"})
    assert sent == len(mail.outbox) >= 1
    for message in mail.outbox:
        assert message.subject and "\n" not in message.subject
        assert f"{app.pk}" in message.body or doc.document_type.name in message.body
        assert "{%" not in message.body and "{{" not in message.body


def test_recipients_get_their_own_language(w):
    app = app_in(w, S.IN_REVIEW)
    user = owner(app)
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])
    info_request_create(application=app, actor=w.reviewer, items=[("contact_phone", "Which number reaches you?")])
    application_notification_send(application=app, event="info_requested")
    (message,) = mail.outbox
    assert message.to == [user.email]
    with translation.override("en"):
        assert "Contact phone: Which number reaches you?" in message.body
    assert "30 days" in message.body


def test_emails_wait_for_the_commit(w, django_capture_on_commit_callbacks):
    app = w.draft()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        application_submit(application=app, actor=owner(app))
    assert mail.outbox == []  # nothing sent inside the transaction
    assert len(callbacks) == 2  # submitted (applicant) and assigned (reviewer)
    for callback in callbacks:
        callback()
    assert {m.to[0] for m in mail.outbox} == {owner(app).email, app.__class__.objects.get(pk=app.pk)
                                              .assigned_reviewer.email}
