import pytest

from onboarding.selectors import application_timeline
from onboarding.services import document_file_view_record

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
