"""Two reviewers acting on the same application at once: one transition wins, one audit entry.

Runs on PostgreSQL only: SQLite serialises writers and ignores `select_for_update`, so it cannot show a race.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from onboarding.models import Application, ApplicationDocument, DocumentCheckStatus
from onboarding.services import application_approve, application_start_review, document_check
from portal.exceptions import InvalidTransition
from portal.models import AuditEntry

from .workflow import S, app_in, ready_to_approve, world_build

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


def race(*calls):
    """Run the calls in parallel threads (each with its own database connection), started together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait(timeout=10)
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001  the test inspects what each side got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def count(app, event: str) -> int:
    return AuditEntry.objects.filter(target_id=str(app.pk), action=f"onboarding.application.{event}").count()


def test_two_reviewers_start_the_review_at_once():
    w = world_build()
    app = app_in(w, S.SUBMITTED)
    results = race(
        lambda: application_start_review(application=app, actor=w.reviewer),
        lambda: application_start_review(application=app, actor=w.reviewer2),
    )
    assert all(isinstance(r, Application) and r.status == S.IN_REVIEW for r in results), results
    assert count(app, "review_started") == 1
    assert Application.objects.get(pk=app.pk).status == S.IN_REVIEW


def test_two_leads_approve_at_once():
    w = world_build()
    app = app_in(w, S.IN_REVIEW)
    ready_to_approve(w, app)
    results = race(
        lambda: application_approve(application=app, actor=w.lead),
        lambda: application_approve(application=app, actor=w.lead2),
    )
    assert all(isinstance(r, Application) and r.status == S.APPROVED for r in results), results
    assert count(app, "approved") == 1
    decided_by = Application.objects.get(pk=app.pk).decided_by
    assert decided_by in (w.lead, w.lead2)


def test_accept_and_reject_the_same_document_at_once():
    w = world_build()
    app = app_in(w, S.IN_REVIEW)
    doc = app.documents.first()
    results = race(
        lambda: document_check(document=doc, actor=w.reviewer, decision=DocumentCheckStatus.ACCEPTED),
        lambda: document_check(document=doc, actor=w.reviewer2, decision=DocumentCheckStatus.REJECTED,
                               reason="Unreadable."),
    )
    winners = [r for r in results if isinstance(r, ApplicationDocument)]
    losers = [r for r in results if isinstance(r, InvalidTransition)]
    assert len(winners) == 1 and len(losers) == 1, results
    final = ApplicationDocument.objects.get(pk=doc.pk)
    assert final.check_status == winners[0].check_status
    assert count(app, "document_accepted") + count(app, "document_rejected") == 1


def test_approve_races_an_information_request():
    w = world_build()
    app = app_in(w, S.IN_REVIEW)
    ready_to_approve(w, app)
    from onboarding.services import info_request_create

    results = race(
        lambda: application_approve(application=app, actor=w.lead),
        lambda: info_request_create(application=app, actor=w.reviewer, items=[("address", "Full address?")]),
    )
    final = Application.objects.get(pk=app.pk)
    assert final.status in (S.APPROVED, S.INFO_REQUESTED)
    assert sum(isinstance(r, InvalidTransition) for r in results) == 1, results
    assert count(app, "approved") + count(app, "info_requested") == 1
