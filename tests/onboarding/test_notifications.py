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


@pytest.mark.parametrize(("full_name", "contact_name", "language", "greeting"), [
    (("Li", "Chen"), "Wang Fang", "en", "Dear Li Chen,"),
    (("", ""), "王芳", "zh-hans", "尊敬的 王芳："),
    (("", ""), "Wang Fang", "en", "Dear Wang Fang,"),
    (("", ""), "", "zh-hans", "尊敬的用户："),
    (("", ""), "  ", "en", "Dear Sir or Madam,"),
])
def test_the_applicant_is_greeted_by_name_never_by_email_address(w, full_name, contact_name, language, greeting):
    app = app_in(w, S.IN_REVIEW)
    app.contact_name = contact_name
    app.save(update_fields=["contact_name"])
    user = owner(app)
    user.first_name, user.last_name = full_name
    user.preferred_language = language
    user.save(update_fields=["first_name", "last_name", "preferred_language"])
    application_notification_send(application=app, event="rejected")
    (message,) = mail.outbox
    assert message.body.startswith(greeting + "\n")
    assert user.email not in message.body


def test_staff_are_greeted_by_their_own_name_and_not_by_the_applications_contact(w):
    app = app_in(w, S.SUBMITTED)
    app.contact_name = "Wang Fang"
    app.save(update_fields=["contact_name"])
    reviewer = app.assigned_reviewer
    reviewer.first_name, reviewer.last_name, reviewer.preferred_language = "Na", "Li", "en"
    reviewer.save(update_fields=["first_name", "last_name", "preferred_language"])
    application_notification_send(application=app, event="assigned")
    (message,) = [m for m in mail.outbox if m.to == [reviewer.email]]
    assert message.body.startswith("Dear Na Li,\n")
    reviewer.first_name = reviewer.last_name = ""
    reviewer.save(update_fields=["first_name", "last_name"])
    mail.outbox.clear()
    application_notification_send(application=app, event="assigned")
    (message,) = [m for m in mail.outbox if m.to == [reviewer.email]]
    assert message.body.startswith("Dear Sir or Madam,\n") and "Wang Fang" not in message.body.splitlines()[0]


def test_demo_staff_have_peoples_names_not_role_names():
    from cms.demo import ROLE_EMAILS, demo_content_load
    from portal.models import User
    from portal.roles import Role

    demo_content_load()
    with translation.override("en"):
        role_labels = {str(role.label) for role in Role}
    for email in ROLE_EMAILS.values():
        name = User.objects.get(email=email).get_full_name()
        assert name and name not in role_labels, (email, name)
