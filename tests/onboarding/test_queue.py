"""The review queue keeps a constant number of queries whatever its length, and filters correctly."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from onboarding.models import (
    Application,
    ApplicationStatus,
    ApplicationUserObjectPermission,
    Profile,
)
from onboarding.selectors import review_queue, sla_state
from portal.models import Merchant
from portal.roles import Role
from tests.factories.onboarding import squad_for, staff_user
from tests.factories.portal import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db
_seq = itertools.count()


def bulk_applications(n: int, *, squad, category, reviewer, creator, grant_to=()) -> list[Application]:
    now = timezone.now()
    merchants = Merchant.objects.bulk_create([Merchant(name=f"M{next(_seq)}") for _ in range(n)])
    statuses = [ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.INFO_REQUESTED]
    apps = Application.objects.bulk_create([
        Application(merchant=m, created_by=creator, status=statuses[i % 3], company_name=f"Company {i}",
                    main_category=category, squad=squad, assigned_reviewer=reviewer, profile=Profile.CORE,
                    score=i % 100, submitted_at=now - dt.timedelta(hours=i), decision_due_at=now + dt.timedelta(days=1),
                    first_touch_due_at=now + dt.timedelta(hours=1))
        for i, m in enumerate(merchants)
    ])
    perms = list(Permission.objects.filter(content_type__app_label="onboarding",
                                           codename__in=["view_application", "review_application"]))
    ApplicationUserObjectPermission.objects.bulk_create([
        ApplicationUserObjectPermission(user=u, permission=p, content_object=a)
        for a in apps for u in grant_to for p in perms
    ])
    return apps


def render_page(user, filters=None) -> int:
    """Evaluate a queue page as a list screen would (related names, counts, SLA state); return the rows."""
    rows = list(review_queue(user, filters)[:1000])
    for app in rows:
        str(app.merchant), str(app.main_category), str(app.squad), str(app.assigned_reviewer)
        app.pending_documents, app.open_info_requests, sla_state(app)
    return len(rows)


@pytest.mark.parametrize("role", [Role.LEAD, Role.REVIEWER])
def test_query_count_is_the_same_for_10_and_1000(role):
    category = CategoryFactory()
    user = staff_user(role)
    squad = squad_for(category, members=[user] if role == Role.REVIEWER else [])
    creator = UserFactory()
    grant_to = [user] if role == Role.REVIEWER else []
    bulk_applications(10, squad=squad, category=category, reviewer=user, creator=creator, grant_to=grant_to)
    render_page(user)  # warm the content-type and permission caches
    with CaptureQueriesContext(connection) as small:
        assert render_page(user) == 10
    bulk_applications(990, squad=squad, category=category, reviewer=user, creator=creator, grant_to=grant_to)
    with CaptureQueriesContext(connection) as large:
        assert render_page(user) == 1000
    assert len(small) == len(large), [q["sql"] for q in large.captured_queries]
    assert len(large) <= 4


def test_filters():
    category, other = CategoryFactory(), CategoryFactory()
    lead = staff_user(Role.LEAD)
    squad = squad_for(category)
    creator = UserFactory()
    apps = bulk_applications(6, squad=squad, category=category, reviewer=lead, creator=creator)
    Application.objects.filter(pk=apps[0].pk).update(main_category=other, profile=Profile.STRATEGIC, score=95,
                                                     company_name="Zebra Trading")
    Application.objects.filter(pk=apps[1].pk).update(decision_due_at=timezone.now() - dt.timedelta(hours=1),
                                                     status=ApplicationStatus.IN_REVIEW)
    Application.objects.filter(pk=apps[2].pk).update(status=ApplicationStatus.DRAFT)

    def ids(**filters):
        return {a.pk for a in review_queue(lead, filters)}

    assert apps[2].pk not in ids()  # drafts never show
    assert ids(main_category=other.pk) == {apps[0].pk}
    assert ids(profile="strategic") == {apps[0].pk}
    assert ids(score_min=90) == {apps[0].pk}
    assert ids(q="zebra") == {apps[0].pk}
    assert apps[1].pk in ids(sla="breached")
    assert ids(status=ApplicationStatus.INFO_REQUESTED) == ids(sla="paused")
    assert ids(assigned_reviewer="me") == ids()
    assert ids(squad="not-a-number") == ids()


def test_pending_documents_count_only_current_uploads(client):
    """A replaced upload stays on record but is no longer waiting for a check: the queue column and the
    CSV/XLSX export count the current documents only."""
    import csv
    import io

    from onboarding.models import DocumentCheckStatus
    from onboarding.services import document_add, document_check
    from tests.factories.onboarding import pdf_upload
    from tests.onboarding.workflow import S, app_in, owner, world_build

    w = world_build()
    app = app_in(w, S.INFO_REQUESTED)
    documents = list(app.documents.select_related("document_type"))
    assert len(documents) >= 2
    first, second = documents[0], documents[1]

    def pending() -> int:
        return review_queue(w.lead).get(pk=app.pk).pending_documents

    assert pending() == len(documents)
    # a pending upload replaced by a new one: still one to check for that type
    document_add(application=app, actor=owner(app), document_type=first.document_type, files=[pdf_upload()],
                 number="NEW-1")
    assert pending() == len(documents)
    # an accepted document replaced by a new upload: the new one waits, the accepted one no longer counts
    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.IN_REVIEW)
    document_check(document=second, actor=w.reviewer, decision=DocumentCheckStatus.ACCEPTED)
    assert pending() == len(documents) - 1
    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.INFO_REQUESTED)
    document_add(application=app, actor=owner(app), document_type=second.document_type, files=[pdf_upload()],
                 number="NEW-2")
    assert pending() == len(documents)

    client.force_login(w.lead)
    response = client.get(reverse("onboarding_review:index") + "?export=csv", HTTP_ACCEPT_LANGUAGE="en")
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["ID"] == str(app.pk))
    assert row["Documents to check"] == str(len(documents))
