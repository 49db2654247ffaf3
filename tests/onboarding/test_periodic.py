"""The periodic jobs, with frozen times passed in as `now`: auto-withdrawal, SLA alerts and escalation,
document expiry reminders and flags, and the emails they send."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from onboarding.models import Application, ApplicationDocument
from onboarding.services import (
    applications_auto_withdraw,
    applications_sla_check,
    documents_expiry_check,
    info_request_create,
)
from onboarding.tasks import (
    applications_auto_withdraw_task,
    applications_sla_check_task,
    documents_expiry_check_task,
)
from portal.calendar import calendar_defaults_load
from portal.models import AuditEntry

from .workflow import S, app_in, world_build

pytestmark = pytest.mark.django_db


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def w():
    calendar_defaults_load()
    return world_build()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the after-commit callbacks (the Celery tasks, eager in tests) as the services queue them."""
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)
    return run


def recipients() -> list[str]:
    return sorted(to for m in mail.outbox for to in m.to)


def test_auto_withdraw_after_30_days_without_reply(w, on_commit):
    asked = local(2026, 11, 2, 10, 0)
    app = app_in(w, S.IN_REVIEW, now=asked - dt.timedelta(days=1))
    info_request_create(application=app, actor=w.reviewer, items=[("address", "Full address?")], now=asked)
    assert applications_auto_withdraw(now=asked + dt.timedelta(days=29)) == []
    mail.outbox.clear()
    done = on_commit(applications_auto_withdraw, now=asked + dt.timedelta(days=30, minutes=1))
    assert done == [app.pk]
    app.refresh_from_db()
    assert app.status == S.WITHDRAWN and "30" in app.reasons
    entry = AuditEntry.objects.get(action="onboarding.application.auto_withdrawn", target_id=str(app.pk))
    assert entry.actor is None
    assert recipients() == [app.created_by.email]
    assert applications_auto_withdraw(now=asked + dt.timedelta(days=40)) == []  # once only


def test_answered_requests_are_not_withdrawn(w):
    app = app_in(w, S.RESUBMITTED)
    assert applications_auto_withdraw(now=timezone.now() + dt.timedelta(days=60)) == []
    assert Application.objects.get(pk=app.pk).status == S.RESUBMITTED


def test_first_touch_and_decision_breaches_alert_once_then_escalate(w, on_commit):
    submitted = local(2026, 11, 2, 10, 0)  # Monday
    app = app_in(w, S.SUBMITTED, now=submitted)
    mail.outbox.clear()
    assert on_commit(applications_sla_check, now=submitted + dt.timedelta(hours=23)) == {
        "first_touch": 0, "decision": 0, "escalated": 0}
    counts = on_commit(applications_sla_check, now=submitted + dt.timedelta(hours=25))
    assert counts == {"first_touch": 1, "decision": 0, "escalated": 0}
    assert recipients() == sorted([app.assigned_reviewer.email, w.lead.email])  # assignee + the squad's lead
    # the staff read the subject in their language (Chinese by default)
    assert any("Deadline missed" in m.subject or "已超过处理期限" in m.subject for m in mail.outbox[:2])
    assert applications_sla_check(now=submitted + dt.timedelta(hours=26))["first_touch"] == 0

    # decision due Monday 9 November 10:00; escalation 2 working days later (Wednesday 11 November 10:00)
    mail.outbox.clear()
    counts = on_commit(applications_sla_check, now=local(2026, 11, 9, 11, 0))
    assert counts["decision"] == 1 and counts["escalated"] == 0
    assert on_commit(applications_sla_check, now=local(2026, 11, 11, 9, 0))["escalated"] == 0
    mail.outbox.clear()
    assert on_commit(applications_sla_check, now=local(2026, 11, 11, 10, 0))["escalated"] == 1
    assert set(recipients()) == {w.lead.email, w.lead2.email}
    assert AuditEntry.objects.filter(action="onboarding.application.sla_escalated", target_id=str(app.pk)).count() == 1


def test_paused_clock_never_alerts(w):
    asked = local(2026, 11, 2, 10, 0)
    app = app_in(w, S.IN_REVIEW, now=asked)
    info_request_create(application=app, actor=w.reviewer, items=[("address", "?")], now=asked)
    assert applications_sla_check(now=asked + dt.timedelta(days=20)) == {"first_touch": 0, "decision": 0,
                                                                          "escalated": 0}


def test_document_expiry_reminders_and_flag(w, on_commit):
    app = app_in(w, S.APPROVED)
    doc = app.documents.filter(document_type__code="business_licence").get()
    today = timezone.localdate()
    ApplicationDocument.objects.filter(pk=doc.pk).update(expires_on=today + dt.timedelta(days=45))
    start = timezone.now()
    mail.outbox.clear()
    assert on_commit(documents_expiry_check, now=start) == {"reminded": 1, "expired": 0}
    assert recipients() == [app.created_by.email]
    assert "45" in mail.outbox[0].subject
    assert documents_expiry_check(now=start) == {"reminded": 0, "expired": 0}  # once per threshold
    assert documents_expiry_check(now=start + dt.timedelta(days=14))["reminded"] == 0  # 31 days left
    assert documents_expiry_check(now=start + dt.timedelta(days=15))["reminded"] == 1  # 30 days left
    assert documents_expiry_check(now=start + dt.timedelta(days=40))["reminded"] == 1  # 5 days left: the 7-day one
    doc.refresh_from_db()
    assert doc.expiry_reminded_days == 7
    mail.outbox.clear()
    assert on_commit(documents_expiry_check, now=start + dt.timedelta(days=46)) == {"reminded": 0, "expired": 1}
    doc.refresh_from_db()
    assert doc.expired_flagged_at is not None
    assert set(recipients()) == {app.created_by.email, app.assigned_reviewer.email}
    assert documents_expiry_check(now=start + dt.timedelta(days=47))["expired"] == 0
    events = list(AuditEntry.objects.filter(target_id=str(app.pk),
                                            action__startswith="onboarding.application.document_exp")
                  .values_list("action", flat=True))
    assert events.count("onboarding.application.document_expiry_reminded") == 3
    assert events.count("onboarding.application.document_expired") == 1


def test_a_renewed_document_replaces_the_expiring_one(w):
    from onboarding.models import DocumentType
    from onboarding.services import document_add
    from tests.factories.onboarding import pdf_upload

    app = app_in(w, S.APPROVED)
    today = timezone.localdate()
    app.documents.filter(document_type__code="business_licence").update(expires_on=today + dt.timedelta(days=20))
    document_add(application=app, actor=app.created_by, document_type=DocumentType.objects.get(code="business_licence"),
                 files=[pdf_upload("renewed.pdf")], number="N-NEW", expires_on=today + dt.timedelta(days=3650))
    assert documents_expiry_check(now=timezone.now())["reminded"] == 0


def test_tasks_are_thin_doorways(w):
    assert applications_auto_withdraw_task.delay().get() == 0
    assert applications_sla_check_task.delay().get() == {"first_touch": 0, "decision": 0, "escalated": 0}
    assert documents_expiry_check_task.delay().get() == {"reminded": 0, "expired": 0}
