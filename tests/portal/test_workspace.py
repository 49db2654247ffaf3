"""The merchant workspace: the registry's order, onboarding's to-dos and stage in every state of the application,
its fixed query count, and the status page's dates and decision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format

from onboarding.models import ApplicationDocument, ApplicationStatus
from portal import workspace
from portal.models import MerchantMembership, PortalSettings
from portal.money import format_money
from tests.factories.onboarding import merchant_user
from tests.onboarding.views_support import url
from tests.onboarding.workflow import app_in, world_build

pytestmark = pytest.mark.django_db
S = ApplicationStatus


@pytest.fixture(autouse=True)
def _english():
    translation.activate("en")
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def w():
    return world_build()


def home(user):
    client = Client()
    client.force_login(user)
    response = client.get(url("portal:home"))
    assert response.status_code == 200
    return response


def todos(response) -> dict[str, workspace.Todo]:
    return {entry["todo"].key: entry["todo"] for entry in response.context["todos"]}


def owner_of(app):
    """The applying user, with a verified email (the factories leave it unverified)."""
    user = app.created_by
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def day(value) -> str:
    return date_format(value, "DATE_FORMAT")


# --- the registry --------------------------------------------------------------------------------------------


def test_todos_are_ordered_by_urgency_then_due_date_then_title(monkeypatch):
    today = dt.date(2026, 12, 1)

    def provider(context):
        return [
            workspace.Todo(key="b", title="B", url="/b", action="b", urgency=workspace.Urgency.INFO),
            workspace.Todo(key="c", title="C", url="/c", action="c", due=today + dt.timedelta(days=9)),
            workspace.Todo(key="a", title="A", url="/a", action="a", due=today + dt.timedelta(days=2)),
            workspace.Todo(key="z", title="Z", url="/z", action="z", urgency=workspace.Urgency.OVERDUE),
            workspace.Todo(key="d", title="D", url="/d", action="d"),
        ]

    monkeypatch.setattr(workspace, "_todo_providers", {"test": provider})
    merchant, user = merchant_user()
    context = workspace.workspace_context(merchant=merchant, membership=merchant.memberships.get(), user=user)
    assert [todo.key for todo in workspace.workspace_todos(context)] == ["z", "a", "c", "d", "b"]


def test_the_most_advanced_stage_wins(monkeypatch):
    monkeypatch.setattr(workspace, "_stage_providers", {
        "a": lambda context: workspace.Stage(rank=10, label="Applicant"),
        "b": lambda context: workspace.Stage(rank=40, label="Active"),
        "c": lambda context: None,
    })
    merchant, user = merchant_user()
    context = workspace.workspace_context(merchant=merchant, membership=merchant.memberships.get(), user=user)
    assert workspace.workspace_stage(context).label == "Active"


# --- onboarding's to-dos in each state -----------------------------------------------------------------------


def test_a_draft_asks_to_finish_the_application_at_its_next_step(w):
    app = w.draft()
    app.last_completed_step = "contacts"
    app.save(update_fields=["last_completed_step"])
    response = home(owner_of(app))
    todo = todos(response)["onboarding.finish_draft"]
    assert todo.detail == "Next step: Categories, brands and cooperation."
    assert todo.url == url("onboarding:application_step", pk=app.pk, step="categories")
    html = response.content.decode()
    assert f'href="{todo.url}"' in html
    assert "Applicant" in html and "has not been sent" in html


@pytest.mark.parametrize("status", [S.SUBMITTED, S.IN_REVIEW, S.RESUBMITTED])
def test_an_application_under_review_shows_the_expected_decision_date(w, status):
    app = app_in(w, status)
    expected = timezone.localdate(app.decision_due_at)
    todo = todos(home(owner_of(app)))["onboarding.waiting_for_review"]
    assert todo.due == expected
    assert todo.urgency == workspace.Urgency.WAITING
    assert f"Expected decision by {day(expected)}" in todo.detail
    assert todo.url == url("onboarding:application_status", pk=app.pk)


def test_an_information_request_is_a_to_do_with_its_answer_by_date(w):
    app = app_in(w, S.INFO_REQUESTED)
    request = app.info_requests.get()
    days = PortalSettings.load().info_request_timeout_days
    answer_by = timezone.localdate(request.created_at + dt.timedelta(days=days))
    response = home(owner_of(app))
    todo = todos(response)["onboarding.answer_request"]
    assert (todo.due, todo.urgency) == (answer_by, workspace.Urgency.ACTION)
    assert todo.detail == (f"0 of 1 items answered. Answer by {day(answer_by)}, or the application is withdrawn "
                           "automatically.")
    assert todo.url.endswith("#request-heading")
    assert "needs more information" in response.content.decode()

    # a week before the automatic withdrawal it becomes urgent
    request.created_at = timezone.now() - dt.timedelta(days=days - 3)
    request.save(update_fields=["created_at"])
    assert todos(home(owner_of(app)))["onboarding.answer_request"].urgency == workspace.Urgency.SOON


def test_after_approval_the_next_step_is_the_contract_with_grade_and_deposit(w):
    app = app_in(w, S.APPROVED)
    response = home(owner_of(app))
    todo = todos(response)["onboarding.next_contract"]
    assert f"Grade {app.merchant_grade}" in todo.detail
    assert format_money(app.deposit_amount, app.currency) in todo.detail
    assert todo.urgency == workspace.Urgency.INFO
    html = response.content.decode()
    app.merchant.refresh_from_db()
    assert app.merchant.get_status_display() == "Onboarding"
    assert "Onboarding</h2>" in html  # the lifecycle status the shared domain records
    assert f'<dd class="merchant-grade">{app.merchant.grade}</dd>' in html
    assert format_money(app.merchant.deposit_amount, app.merchant.deposit_currency) in html


def test_documents_expiring_or_expired_are_to_dos_by_urgency(w):
    app = app_in(w, S.APPROVED)
    today = timezone.localdate()
    docs = list(ApplicationDocument.objects.filter(application=app).order_by("id"))
    assert len(docs) >= 3
    ApplicationDocument.objects.filter(pk=docs[0].pk).update(expires_on=today - dt.timedelta(days=2))
    ApplicationDocument.objects.filter(pk=docs[1].pk).update(expires_on=today + dt.timedelta(days=5))
    ApplicationDocument.objects.filter(pk=docs[2].pk).update(expires_on=today + dt.timedelta(days=45))
    later = today + dt.timedelta(days=400)
    ApplicationDocument.objects.filter(pk__in=[d.pk for d in docs[3:]]).update(expires_on=later)
    entries = [entry["todo"] for entry in home(owner_of(app)).context["todos"]]
    expiring = [t for t in entries if t.key == "onboarding.document_expiring"]
    assert [(t.due, t.urgency) for t in expiring] == [
        (today - dt.timedelta(days=2), workspace.Urgency.OVERDUE),
        (today + dt.timedelta(days=5), workspace.Urgency.SOON),
        (today + dt.timedelta(days=45), workspace.Urgency.ACTION),
    ]
    assert expiring[0].title.startswith("Replace your expired ")
    assert "in 5 days" in expiring[1].detail
    assert entries[0] == expiring[0]  # the expired document comes first of all
    assert expiring[1].url.endswith(f"/steps/documents/#doc-{docs[1].document_type.code}")


def test_a_rejection_says_when_the_organisation_may_apply_again(w):
    app = app_in(w, S.REJECTED)
    reapply = timezone.localdate(app.decided_at + dt.timedelta(days=PortalSettings.load().reapply_after_days))
    todo = todos(home(owner_of(app)))["onboarding.reapply"]
    assert todo.due == reapply
    assert day(reapply) in todo.detail


def test_a_role_without_the_capability_sees_the_to_do_without_its_action(w):
    app = w.draft()
    _merchant, finance = merchant_user(app.merchant, role=MerchantMembership.Role.FINANCE,
                                       email_verified_at=timezone.now())
    response = home(finance)
    [entry] = [e for e in response.context["todos"] if e["todo"].key == "onboarding.finish_draft"]
    assert entry["allowed"] is False
    assert "Only an owner, an admin or an operations user" in response.content.decode()


def test_another_organisations_application_never_shows(w):
    app_in(w, S.INFO_REQUESTED)
    _merchant, outsider = merchant_user(email_verified_at=timezone.now())
    assert list(todos(home(outsider))) == ["onboarding.start"]


def test_the_workspace_costs_the_same_queries_whatever_the_history(w):
    app = app_in(w, S.APPROVED)
    user = owner_of(app)
    client = Client()
    client.force_login(user)
    client.get(url("portal:home"))  # warm the caches
    with CaptureQueriesContext(connection) as few:
        first = client.get(url("portal:home"))
    assert "onboarding.document_expiring" not in todos(first)

    # every document expiring, and the user in five more organisations
    ApplicationDocument.objects.filter(application=app).update(expires_on=timezone.localdate() + dt.timedelta(days=3))
    for _n in range(5):
        other, _owner = merchant_user()
        MerchantMembership.objects.create(merchant=other, user=user, role=MerchantMembership.Role.ADMIN)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("portal:home"))
    expiring = [e for e in response.context["todos"] if e["todo"].key == "onboarding.document_expiring"]
    assert len(expiring) == ApplicationDocument.objects.filter(application=app).count() >= 3
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- the status page -----------------------------------------------------------------------------------------


def status_page(app) -> str:
    client = Client()
    client.force_login(owner_of(app))
    response = client.get(url("onboarding:application_status", pk=app.pk))
    assert response.status_code == 200
    return response.content.decode()


def test_status_page_under_review_shows_the_expected_decision_date(w):
    app = app_in(w, S.IN_REVIEW)
    html = status_page(app)
    assert "Expected decision by" in html
    assert day(timezone.localdate(app.decision_due_at)) in html


def test_status_page_with_an_open_request_says_the_clock_is_paused_and_the_answer_by_date(w):
    app = app_in(w, S.INFO_REQUESTED)
    answer_by = timezone.localdate(app.info_requests.get().created_at
                                   + dt.timedelta(days=PortalSettings.load().info_request_timeout_days))
    html = status_page(app)
    assert "The decision clock is paused" in html
    assert f"Answer by {day(answer_by)}" in html
    assert "Expected decision by" not in html


def test_status_page_after_approval_shows_grade_deposit_date_notes_and_next_steps(w):
    app = app_in(w, S.APPROVED)
    type(app).objects.filter(pk=app.pk).update(reasons="Welcome aboard.", deposit_amount=Decimal("40000.00"),
                                               merchant_grade="B")
    app.refresh_from_db()
    html = status_page(app)
    assert '<dd class="decision-grade"><strong>B</strong></dd>' in html
    assert format_money(Decimal("40000.00"), app.currency) in html
    assert day(timezone.localtime(app.decided_at)) in html  # the page shows the Shanghai day
    assert "Welcome aboard." in html
    assert "What happens next" in html and "accepts the contract online" in html


def test_status_page_after_rejection_shows_the_reasons_and_the_reapply_date(w):
    app = app_in(w, S.REJECTED)
    reapply = timezone.localdate(app.decided_at + dt.timedelta(days=PortalSettings.load().reapply_after_days))
    html = status_page(app)
    assert "Does not fit the category plan." in html
    assert f"You can apply again from {day(reapply)}" in html
