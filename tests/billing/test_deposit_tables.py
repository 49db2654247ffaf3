"""The deposit table: the default version (A–E ¥20k–100k for every risk class), new versions proposed by one person
and approved by another and never changed after; the requirement a merchant's categories and grade give on a day;
a higher requirement asks for a top-up at once, a lower one waits for the quarterly review."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from billing.models import DepositAccount, DepositSchedule, DepositScheduleRow, Refund, TopUpRequest
from billing.services.deposit_tables import (
    deposit_quarterly_review,
    deposit_requirement_apply,
    deposit_requirement_for,
    deposit_table_approve,
    deposit_table_defaults_load,
    deposit_table_discard,
    deposit_table_in_force,
    deposit_table_propose,
)
from portal.exceptions import ApplicationError, PermissionDenied
from portal.models import Category, Merchant
from tests.billing.deposit_world import DepositWorld

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def w():
    deposit_table_defaults_load()
    return DepositWorld()


def amounts(**overrides):
    base = {"A": "20000", "B": "40000", "C": "60000", "D": "80000", "E": "100000"}
    out = {}
    for risk in Category.RiskClass.values:
        for grade, value in base.items():
            out[(risk, grade)] = overrides.get(f"{risk}_{grade}", value)
    return out


def test_the_default_table_has_every_risk_class_and_grade_and_loads_once(w):
    schedule = deposit_table_in_force(TODAY)
    assert schedule is not None and schedule.approved_at is not None
    rows = {(r.risk_class, r.grade): r.amount for r in schedule.rows.all()}
    assert len(rows) == 15
    assert {rows[("high", g)] for g in "ABCDE"} == {Decimal(v) for v in ("20000", "40000", "60000", "80000",
                                                                          "100000")}
    assert rows[("standard", "C")] == Decimal("60000.00")
    assert deposit_table_defaults_load() == {"deposit_tables": 0}
    assert DepositSchedule.objects.count() == 1


def test_a_new_version_is_proposed_by_one_and_approved_by_another(w):
    schedule = deposit_table_propose(effective_from=TODAY + dt.timedelta(days=30),
                                     amounts=amounts(high_E="150000"), note="High-risk categories", actor=w.finance2,
                                     today=TODAY)
    assert schedule.approved_at is None
    with pytest.raises(PermissionDenied):
        deposit_table_approve(schedule=schedule, actor=w.finance2, today=TODAY)
    with pytest.raises(PermissionDenied):
        deposit_table_approve(schedule=schedule, actor=w.lead, today=TODAY)
    deposit_table_approve(schedule=schedule, actor=w.management, today=TODAY)
    schedule.refresh_from_db()
    assert (schedule.approved_by, schedule.created_by) == (w.management, w.finance2)
    # in force from its date only
    assert deposit_table_in_force(TODAY + dt.timedelta(days=29)) != schedule
    assert deposit_table_in_force(TODAY + dt.timedelta(days=30)) == schedule
    with pytest.raises(ApplicationError):
        deposit_table_discard(schedule=schedule, actor=w.finance_staff)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"effective_from": TODAY - dt.timedelta(days=1)}, "effective_from"),
    ({"note": " "}, "note"),
    ({"amounts": amounts(standard_A="-1")}, "amounts"),
    ({"amounts": amounts(elevated_B="many")}, "amounts"),
])
def test_a_bad_proposal_is_refused_on_its_field(w, kwargs, field):
    args = {"effective_from": TODAY, "amounts": amounts(), "note": "why", "actor": w.finance2, "today": TODAY,
            **kwargs}
    with pytest.raises(ValidationError) as exc:
        deposit_table_propose(**args)
    assert field in exc.value.message_dict
    assert DepositSchedule.objects.count() == 1


def test_a_proposal_whose_date_has_passed_is_not_approved(w):
    schedule = deposit_table_propose(effective_from=TODAY, amounts=amounts(), note="x", actor=w.finance2, today=TODAY)
    with pytest.raises(ApplicationError):
        deposit_table_approve(schedule=schedule, actor=w.management, today=TODAY + dt.timedelta(days=1))
    deposit_table_discard(schedule=schedule, actor=w.finance_staff)
    assert not DepositSchedule.objects.filter(pk=schedule.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database refuses it on PostgreSQL")
def test_the_database_refuses_to_change_an_approved_version(w):
    schedule = deposit_table_in_force(TODAY)
    for change in (lambda: DepositScheduleRow.objects.filter(schedule=schedule).update(amount=1),
                   lambda: DepositSchedule.objects.filter(pk=schedule.pk).update(note="edited"),
                   lambda: DepositScheduleRow.objects.filter(schedule=schedule).delete()):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    assert DepositScheduleRow.objects.filter(schedule=schedule, amount=1).count() == 0


def test_the_requirement_is_the_highest_risk_class_of_the_categories_times_the_grade(w):
    schedule = deposit_table_propose(effective_from=TODAY, amounts=amounts(elevated_C="70000", high_C="90000"),
                                     note="risk", actor=w.finance2, today=TODAY)
    deposit_table_approve(schedule=schedule, actor=w.management, today=TODAY)
    categories = list(w.contract.categories.all())
    Category.objects.filter(pk__in=[c.pk for c in categories]).update(risk_class="elevated")
    Merchant.objects.filter(pk=w.merchant.pk).update(grade="C")
    w.merchant.refresh_from_db()
    found = deposit_requirement_for(w.merchant, TODAY)
    assert (found.risk_class, found.grade, found.amount) == ("elevated", "C", Decimal("70000.00"))
    Merchant.objects.filter(pk=w.merchant.pk).update(grade="")  # unrated: grade C
    w.merchant.refresh_from_db()
    assert deposit_requirement_for(w.merchant, TODAY).grade == "C"
    high = Category.objects.create(code="fresh-high", name_zh="生鲜", name_en="Fresh", risk_class="high")
    w.contract.categories.add(high)
    assert deposit_requirement_for(w.merchant, TODAY).amount == Decimal("90000.00")
    # before the new version, the default table applied
    assert deposit_requirement_for(w.merchant, TODAY - dt.timedelta(days=1)).amount == Decimal("60000.00")


def test_a_higher_grade_requirement_asks_for_a_top_up_at_once(w):
    Merchant.objects.filter(pk=w.merchant.pk).update(grade="E")
    requirement = deposit_requirement_apply(account=w.account, actor=w.finance2, on=TODAY)
    assert (requirement.amount, requirement.source, requirement.grade) == (Decimal("100000.00"), "grade", "E")
    w.account.refresh_from_db()
    assert (w.account.status, w.account.required_amount) == (DepositAccount.Status.SHORTFALL, Decimal("100000.00"))
    top_up = TopUpRequest.objects.get(account=w.account)
    assert (top_up.amount, top_up.reason) == (Decimal("40000.00"), "requirement")
    assert deposit_requirement_apply(account=w.account, on=TODAY) is None  # nothing more to do


def test_a_lower_requirement_waits_for_the_quarterly_review_which_makes_the_surplus_a_refund(w):
    Merchant.objects.filter(pk=w.merchant.pk).update(grade="A")
    assert deposit_requirement_apply(account=w.account, on=TODAY) is None
    w.account.refresh_from_db()
    assert w.account.required_amount == Decimal("60000.00")
    assert deposit_quarterly_review(on=TODAY) == 1
    w.account.refresh_from_db()
    assert (w.account.required_amount, w.account.status) == (Decimal("20000.00"), DepositAccount.Status.HELD)
    refund = Refund.objects.get(account=w.account)
    assert (refund.amount, refund.status, refund.contract) == (Decimal("40000.00"), "created", None)
    assert refund.due_on > TODAY
    assert deposit_quarterly_review(on=TODAY) == 0


# ---- the admin pages

def test_the_admin_proposes_and_another_person_approves(w, client):
    client.force_login(w.finance2)
    index = client.get("/admin/billing/deposit-table/").content.decode()
    assert "deposit-grid" in index and "¥100,000.00" in index
    form = client.get("/admin/billing/deposit-table/new/")
    assert 'value="60000.00"' in form.content.decode()
    data = {"effective_from": (timezone.localdate() + dt.timedelta(days=7)).isoformat(), "note": "Q1 review"}
    for (risk, grade), value in amounts(high_E="120000").items():
        data[f"amount_{risk}_{grade}"] = value
    response = client.post("/admin/billing/deposit-table/new/", data)
    schedule = DepositSchedule.objects.get(approved_at__isnull=True)
    assert response["Location"] == f"/admin/billing/deposit-table/{schedule.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "deposit-table-why-not" in page and "¥120,000.00" in page
    client.post(f"/admin/billing/deposit-table/{schedule.pk}/approve/")
    assert DepositSchedule.objects.get(pk=schedule.pk).approved_at is None
    client.force_login(w.management)
    client.post(f"/admin/billing/deposit-table/{schedule.pk}/approve/")
    assert DepositSchedule.objects.get(pk=schedule.pk).approved_by == w.management


def test_a_bad_amount_in_the_admin_is_a_message_not_a_500(w, client):
    client.force_login(w.finance2)
    data = {"effective_from": timezone.localdate().isoformat(), "note": "x"}
    for (risk, grade), value in amounts(standard_A="-5").items():
        data[f"amount_{risk}_{grade}"] = value
    response = client.post("/admin/billing/deposit-table/new/", data)
    assert response.status_code == 400 and "error-message" in response.content.decode()
    assert DepositSchedule.objects.count() == 1
