"""Every transition of the application lifecycle, allowed and refused."""

from __future__ import annotations

import pytest

from onboarding.models import APPLICATION_TRANSITIONS, Application, ApplicationStatus
from onboarding.services import (
    application_approve,
    application_reject,
    application_resubmit,
    application_start_review,
    application_submit,
    application_withdraw,
    info_request_create,
)
from portal.exceptions import InvalidTransition
from portal.models import AuditEntry

from .workflow import S, app_in, owner, ready_to_approve, world_build

pytestmark = pytest.mark.django_db

TARGETS = [S.SUBMITTED, S.IN_REVIEW, S.INFO_REQUESTED, S.RESUBMITTED, S.APPROVED, S.REJECTED, S.WITHDRAWN]


@pytest.fixture
def w():
    return world_build()


def run(w, app: Application, target: str) -> Application:
    # before submission nobody holds a reviewer grant, so a lead tries the reviewer's steps there
    reviewer = w.reviewer if app.squad_id else w.lead
    if target == S.SUBMITTED:
        return application_submit(application=app, actor=owner(app))
    if target == S.IN_REVIEW:
        return application_start_review(application=app, actor=reviewer)
    if target == S.INFO_REQUESTED:
        info_request_create(application=app, actor=reviewer, items=[("contact_phone", "Which number?")])
        return Application.objects.get(pk=app.pk)
    if target == S.RESUBMITTED:
        return application_resubmit(application=app, actor=owner(app))
    if target == S.APPROVED:
        if app.status == S.IN_REVIEW:
            ready_to_approve(w, app)
        return application_approve(application=app, actor=w.lead)
    if target == S.REJECTED:
        return application_reject(application=app, actor=w.lead, reasons="Outside the category plan.")
    return application_withdraw(application=app, actor=owner(app))


def test_the_map_matches_business_rules():
    assert set(APPLICATION_TRANSITIONS) == set(ApplicationStatus.values)
    assert APPLICATION_TRANSITIONS[S.IN_REVIEW] == {S.INFO_REQUESTED, S.APPROVED, S.REJECTED, S.WITHDRAWN}
    assert APPLICATION_TRANSITIONS[S.INFO_REQUESTED] == {S.RESUBMITTED, S.WITHDRAWN}
    for terminal in (S.APPROVED, S.REJECTED, S.WITHDRAWN):
        assert APPLICATION_TRANSITIONS[terminal] == set()


CASES = [(source, target) for source in ApplicationStatus.values for target in TARGETS]


@pytest.mark.parametrize(("source", "target"), CASES, ids=[f"{s}->{t}" for s, t in CASES])
def test_transition(w, source, target):
    app = app_in(w, source)
    assert app.status == source
    entries_before = AuditEntry.objects.count()
    last_id = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if source == target:
        result = run(w, app, target)
        assert result.status == target
        assert AuditEntry.objects.count() == entries_before, "a repeated transition must be quiet"
    elif target in APPLICATION_TRANSITIONS[source]:
        result = run(w, app, target)
        assert result.status == target
        assert Application.objects.get(pk=app.pk).status == target
        event = {S.IN_REVIEW: "review_started"}.get(target, target)
        assert AuditEntry.objects.filter(action=f"onboarding.application.{event}", target_id=str(app.pk)).exists()
    else:
        with pytest.raises(InvalidTransition) as exc:
            run(w, app, target)
        assert exc.value.message
        assert Application.objects.get(pk=app.pk).status == source
        assert not AuditEntry.objects.filter(
            target_id=str(app.pk), id__gt=last_id,
            action__in=[f"onboarding.application.{t}" for t in (target, "review_started")],
        ).exists()


def test_status_is_only_changed_by_services(w):
    """The model has no transition logic of its own: saving a status is what services do, after checks."""
    app = app_in(w, S.DRAFT)
    assert not hasattr(app, "submit")
    assert Application._meta.get_field("status").default == S.DRAFT
