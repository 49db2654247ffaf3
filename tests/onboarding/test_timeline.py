from decimal import Decimal

import pytest
from django.utils import translation

from onboarding.selectors import application_timeline, info_request_unrequested_changes
from onboarding.services import application_update_step, document_check, document_file_view_record
from portal.audit import audit_entry_create

from .workflow import S, app_in, owner, world_build

pytestmark = pytest.mark.django_db


def test_timeline_from_the_audit_log_for_staff_and_merchant():
    w = world_build()
    app = app_in(w, S.RESUBMITTED)
    file = app.documents.first().files.get()
    document_file_view_record(document_file=file, actor=w.reviewer, ip_address="10.0.0.1")

    staff_view = application_timeline(app)
    events = [e.event for e in staff_view]
    assert events[0] == "created"
    for event in ("submitted", "review_started", "info_requested", "resubmitted", "document_viewed"):
        assert event in events
    assert events.index("submitted") < events.index("review_started") < events.index("resubmitted")
    viewed = next(e for e in staff_view if e.event == "document_viewed")
    assert viewed.data["file"] == file.pk
    assert all(e.label for e in staff_view)

    merchant_view = application_timeline(app, for_merchant=True)
    merchant_events = [e.event for e in merchant_view]
    assert "document_viewed" not in merchant_events and "step_saved" not in merchant_events
    started = next(e for e in merchant_view if e.event == "review_started")
    assert started.actor_name != str(w.reviewer)  # staff appear as the team
    submitted = next(e for e in merchant_view if e.event == "submitted")
    assert submitted.actor_name == str(owner(app))
    assert "reviewer" not in submitted.data and "squad" not in submitted.data


def _gmv_changed_during_request(w):
    """In an information request about the address, the applicant fixes the address and also raises its
    monthly GMV (not asked for)."""
    app = app_in(w, S.INFO_REQUESTED)
    app = application_update_step(application=app, actor=owner(app), step="contacts",
                                  data={"address": "88 Century Avenue, Pudong, Shanghai"})
    app = application_update_step(application=app, actor=owner(app), step="screening",
                                  data={"monthly_gmv": Decimal("2650000"), "has_ops_team": True})
    return app


@pytest.mark.parametrize(("language", "saved", "gmv", "flag"), [
    ("en", "Answers saved: Screening questions", "Monthly GMV (6-month average): ¥600,000.00 → ¥2,650,000.00",
     "Changed during the information request without being asked for: Monthly GMV (6-month average)"),
    ("zh-hans", "已保存答案：预审问题", "月均 GMV（近 6 个月平均）：¥600,000.00 → ¥2,650,000.00",
     "补充资料期间修改了未被要求的内容：月均 GMV（近 6 个月平均）"),
])
def test_a_saved_answer_is_told_before_and_after_in_the_viewers_language(language, saved, gmv, flag):
    w = world_build()
    app = _gmv_changed_during_request(w)
    with translation.override(language):
        timeline = application_timeline(app)
        entry = next(e for e in timeline if e.event == "step_saved" and e.data["step"] == "screening"
                     and "request" in e.data)
        assert entry.label == saved
        # only what really changed: has_ops_team was already "yes"
        assert [c.field for c in entry.changes] == ["monthly_gmv"]
        change = entry.changes[0]
        assert f"{change.label}{'：' if language != 'en' else ': '}{change.before} → {change.after}" == gmv
        assert change.unrequested and entry.flagged
        assert flag in entry.details
        # the requested field is not flagged
        address = next(e for e in timeline if e.event == "step_saved" and e.data["step"] == "contacts"
                       and "request" in e.data)
        assert not address.flagged and address.changes[0].field == "address"
        # every entry says what happened in words: no empty rows, no raw codes
        for e in timeline:
            assert e.label and e.label.strip() != ":" and "_" not in e.label
        request = app.info_requests.get()
        assert info_request_unrequested_changes(app) == {request.pk: [change.label]}


def test_the_reviewers_page_shows_the_change_and_the_flag(client):
    w = world_build()
    app = _gmv_changed_during_request(w)
    client.force_login(w.reviewer)
    html = client.get(f"/admin/applications/{app.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with translation.override("en"):
        assert "Monthly GMV (6-month average)</strong>: ¥600,000.00 → ¥2,650,000.00" in html
        assert "not asked for in the information request" in html
        assert ("While this request was open the applicant also changed answers it did not ask about: "
                "Monthly GMV (6-month average).") in html


def test_documents_and_old_entries_are_told_in_words():
    w = world_build()
    app = app_in(w, S.IN_REVIEW)
    doc = app.documents.select_related("document_type").first()
    doc.document_type.name_en, doc.document_type.name_zh = "Business licence", "营业执照"
    doc.document_type.save()
    # an entry written before values were recorded: field names only, and a document type gone since
    audit_entry_create(actor=owner(app), action="onboarding.application.step_saved", target=app,
                       data={"step": "screening", "fields": ["monthly_gmv", "is_listed"]})
    audit_entry_create(actor=w.reviewer, action="onboarding.application.document_accepted", target=app,
                       data={"document": 0, "type": "no_longer_exists", "reason": ""})
    audit_entry_create(actor=None, action="onboarding.application.something_new", target=app, data={})
    document_check(document=doc, actor=w.reviewer, decision="rejected", reason="The scan is unreadable.")
    with translation.override("en"):
        timeline = application_timeline(app)
        labels = [e.label for e in timeline]
        assert "Document rejected: Business licence" in labels
        rejected = next(e for e in timeline if e.event == "document_rejected")
        assert rejected.details == ["The scan is unreadable."]
        old = [e for e in timeline if e.event == "step_saved"][-1]
        assert old.details == ["Changed: Monthly GMV (6-month average), Listed company"]
        assert "Document accepted: a document" in labels
        assert "Other change recorded" in labels
    with translation.override("zh-hans"):
        labels = [e.label for e in application_timeline(app)]
        assert "文件已驳回：营业执照" in labels and "申请已提交" in labels
