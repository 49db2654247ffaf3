"""The settlement runs in the admin: the runs list with its progress (a fixed number of queries), starting a run
(built by the tasks after commit), a run's page with its chunks, resuming, and the fees and deductions for the
next statement (proposed by one, approved by another)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import SettlementAdjustment, SettlementChunk, SettlementRun, Statement
from billing.services.settlements import settlement_run_start
from portal.roles import Role
from tests.billing.settlement_world import WEEK1, merchant_active, orders, run_built
from tests.factories.commission import table
from tests.factories.onboarding import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def setup(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    table()


@pytest.fixture
def client():
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def finance(client):
    user = staff_user(Role.FINANCE)
    client.force_login(user)
    return user


def test_only_finance_staff_open_the_runs(client):
    client.force_login(staff_user(Role.REVIEWER))
    assert client.get(reverse("billing_settlements:runs")).status_code == 403


def test_the_runs_list_shows_progress_at_a_fixed_cost(client, finance):
    merchant_active()
    run_built()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("billing_settlements:runs"))
        assert response.status_code == 200
        return len(captured)

    few = queries()
    for monday in (dt.date(2026, 10, 5), dt.date(2026, 10, 12), dt.date(2026, 10, 19)):
        settlement_run_start(period_start=monday, actor=None, chunk_size=1)
    assert queries() == few
    page = client.get(reverse("billing_settlements:runs")).content.decode()
    assert "1 of 1 chunks" in page and "0 of 1 chunks" in page and "Start a run" in page
    export = client.get(reverse("billing_settlements:runs") + "?export=csv")
    assert export.status_code == 200 and b"2026-11-02" in b"".join(export.streaming_content)


def test_starting_a_run_builds_it_after_commit_and_its_page_shows_the_chunks(client, finance,
                                                                            django_capture_on_commit_callbacks):
    c = merchant_active()
    orders(c.merchant, day=dt.date(2026, 11, 4), amounts=["100.00"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("billing_settlements:start"), {"period_start": "2026-11-02"})
    run = SettlementRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("billing_settlements:run", args=[run.pk])
    assert run.status == SettlementRun.Status.BUILT and Statement.objects.filter(run=run).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert 'id="run-chunk-table"' in page and 'data-status="done"' in page and "¥88.00" in page


def test_a_bad_period_is_a_message_on_the_form(client, finance):
    response = client.post(reverse("billing_settlements:start"), {"period_start": "2026-11-03"})
    assert response.status_code == 400
    assert "starts on a Monday" in response.content.decode()
    assert not SettlementRun.objects.exists()


def test_resume_queues_the_chunks_left(client, finance, django_capture_on_commit_callbacks):
    for _ in range(2):
        merchant_active()
    run = settlement_run_start(period_start=WEEK1, actor=None, chunk_size=1)
    page = client.get(reverse("billing_settlements:run", args=[run.pk])).content.decode()
    assert "0 of 2 chunks" in page and 'id="run-resume"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("billing_settlements:resume", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.BUILT
    assert set(run.chunks.values_list("status", flat=True)) == {SettlementChunk.Status.DONE}


def test_a_fee_is_proposed_by_one_and_approved_by_another(client, finance):
    c = merchant_active()
    response = client.post(reverse("billing_settlements:adjustment_propose"), {
        "merchant": c.merchant_id, "kind": "fee", "amount": "120.00", "description": "Store design", "reference": ""})
    adjustment = SettlementAdjustment.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("billing_settlements:adjustment", args=[adjustment.pk])).content.decode()
    assert "another person approves it" in page and 'id="adjustment-approve"' not in page
    client.post(reverse("billing_settlements:adjustment_approve", args=[adjustment.pk]))
    adjustment.refresh_from_db()
    assert adjustment.status == SettlementAdjustment.Status.PROPOSED
    client.force_login(staff_user(Role.FINANCE))
    client.post(reverse("billing_settlements:adjustment_approve", args=[adjustment.pk]))
    adjustment.refresh_from_db()
    assert adjustment.status == SettlementAdjustment.Status.APPROVED
    listing = client.get(reverse("billing_settlements:adjustments")).content.decode()
    assert "Store design" in listing and "¥120.00" in listing


def test_a_bad_adjustment_is_a_message_not_a_500(client, finance):
    c = merchant_active()
    response = client.post(reverse("billing_settlements:adjustment_propose"), {
        "merchant": c.merchant_id, "kind": "fee", "amount": "-5", "description": "x"})
    assert response.status_code == 400 and "more than zero" in response.content.decode()
