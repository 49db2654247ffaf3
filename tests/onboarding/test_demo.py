"""The demo applications: every state of the review workflow, built through the services, loaded once."""

from io import StringIO

import pytest
from django.core.management import call_command

from contracts.models import ContractKind
from onboarding.models import Application, ApplicationStatus
from onboarding.selectors import application_timeline, review_queue
from onboarding.validators import validate_credit_code
from portal.accounts.services import DEMO_MERCHANT_NAME
from portal.models import AuditEntry, MerchantStatus, User

pytestmark = pytest.mark.django_db
S = ApplicationStatus


def test_demo_applications_in_every_state_and_a_second_run_creates_nothing():
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "demo applications: 12 created" in out.getvalue()
    statuses = set(Application.objects.values_list("status", flat=True))
    assert {S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.INFO_REQUESTED, S.RESUBMITTED, S.APPROVED, S.REJECTED} <= statuses
    demo = Application.objects.filter(merchant__name=DEMO_MERCHANT_NAME)
    assert set(demo.values_list("status", flat=True)) == {S.REJECTED, S.APPROVED}
    # the demo merchant login's current application: approved by the demo lead, which drafted its contract
    approved = demo.get(status=S.APPROVED)
    assert approved.decided_by.email == "lead@demo.local" and approved.merchant_grade == "B"
    assert approved.merchant.status == MerchantStatus.ONBOARDING
    assert approved.merchant.contracts.get(kind=ContractKind.CONTRACT).origin == f"application:{approved.pk}"
    # the information request is on another demo merchant's application, in the reviewers' queue
    requested = Application.objects.get(status=S.INFO_REQUESTED)
    assert requested.merchant.name != DEMO_MERCHANT_NAME
    # every demo merchant has its own valid unified social credit code
    codes = dict(Application.objects.values_list("merchant__name", "credit_code").distinct())
    assert len(set(codes.values())) == len(codes) == Application.objects.values("merchant").distinct().count()
    for code in codes.values():
        validate_credit_code(code)
    assert Application.objects.values("merchant").distinct().count() >= 6

    # the demo reviewer meets a realistic queue: its squad's applications, documents to check
    reviewer = User.objects.get(email="reviewer@demo.local")
    queue = list(review_queue(reviewer))
    assert len(queue) == Application.objects.exclude(status=S.DRAFT).count()
    assert requested in queue
    assert any(app.pending_documents for app in queue)

    # built through the services: the timeline reads like a real one, with the flagged change
    resubmitted = Application.objects.get(status=S.RESUBMITTED)
    timeline = application_timeline(resubmitted)
    events = [entry.event for entry in timeline]
    for event in ("created", "step_saved", "document_added", "submitted", "review_started", "info_requested",
                  "resubmitted"):
        assert event in events
    assert any(entry.flagged for entry in timeline)

    counts = (Application.objects.count(), AuditEntry.objects.count(), User.objects.count())
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "demo applications: 0 created" in out.getvalue()
    assert (Application.objects.count(), AuditEntry.objects.count(), User.objects.count()) == counts
