"""The rating model's versions under change control, and the grade in effect on a day (the interface the
settlement uses)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from portal.exceptions import ApplicationError, PermissionDenied
from portal.models import AuditEntry, MerchantRating, RatingModelVersion
from portal.ratings.selectors import rating_current, rating_grade_on, rating_history, rating_model_in_force
from portal.ratings.versions import (
    rating_model_approve,
    rating_model_defaults,
    rating_model_defaults_load,
    rating_model_discard,
    rating_model_propose,
)
from portal.roles import Role
from tests.factories.onboarding import MerchantFactory, staff_user
from tests.factories.portal import CategoryFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)


def _propose(actor, **changes):
    figures = {**rating_model_defaults(), **changes.pop("figures", {})}
    return rating_model_propose(effective_from=changes.pop("effective_from", TODAY + dt.timedelta(days=7)),
                                figures=figures, note=changes.pop("note", "Weights after the quarterly review"),
                                actor=actor, today=TODAY, **changes)


def test_defaults_load_version_one_approved_from_the_launch_date_once():
    assert rating_model_defaults_load() == {"rating_models": 1}
    assert rating_model_defaults_load() == {"rating_models": 0}
    v1 = RatingModelVersion.objects.get()
    assert v1.number == 1 and v1.is_approved
    assert [v1.weight(d) for d in ("fulfilment", "on_time", "returns", "complaints", "satisfaction")] == [
        30, 20, 20, 20, 10]
    assert (v1.fulfilment_full_at, v1.fulfilment_zero_at, v1.returns_full_at, v1.returns_zero_at) == (100, 90, 3, 15)
    assert (v1.grade_a_min, v1.grade_b_min, v1.grade_c_min, v1.min_orders, v1.window_days) == (90, 80, 60, 30, 90)


def test_a_proposal_approved_by_another_person_takes_effect_on_its_day():
    rating_model_defaults_load()
    lead, manager = staff_user(Role.LEAD), staff_user(Role.MANAGEMENT)
    cat = CategoryFactory()
    v2 = _propose(lead, figures={"fulfilment_weight": "40", "satisfaction_weight": "0"},
                  returns_thresholds=[{"category": cat.pk, "full_at": "5", "zero_at": "20"}])
    assert v2.number == 2 and not v2.is_approved
    assert rating_model_in_force(on=TODAY + dt.timedelta(days=7)).number == 1  # not approved yet
    with pytest.raises(PermissionDenied):
        rating_model_approve(version=v2, actor=lead, today=TODAY)
    rating_model_approve(version=v2, actor=manager, today=TODAY)
    assert rating_model_in_force(on=TODAY + dt.timedelta(days=6)).number == 1
    in_force = rating_model_in_force(on=TODAY + dt.timedelta(days=7))
    assert in_force.number == 2 and in_force.fulfilment_weight == 40 and in_force.approved_by == manager
    assert [(t.category, t.full_at, t.zero_at) for t in in_force.returns_thresholds.all()] == [
        (cat, Decimal("5"), Decimal("20"))]
    assert list(AuditEntry.objects.filter(action__startswith="portal.rating_model.").values_list(
        "action", flat=True).order_by("id")) == ["portal.rating_model.defaults_loaded", "portal.rating_model.proposed",
                                                 "portal.rating_model.approved"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"fulfilment_weight": "35"}, "fulfilment_weight"),                     # weights add to 105
    ({"returns_full_at": "15", "returns_zero_at": "3"}, "returns_full_at"),  # direction reversed
    ({"fulfilment_full_at": "90", "fulfilment_zero_at": "95"}, "fulfilment_full_at"),
    ({"satisfaction_full_at": "6"}, "satisfaction_full_at"),
    ({"grade_b_min": "95"}, "grade_a_min"),
    ({"min_orders": "0"}, "min_orders"),
    ({"window_days": "ninety"}, "window_days"),
])
def test_bad_figures_are_refused_on_their_field(changes, field):
    with pytest.raises(ValidationError) as exc:
        _propose(staff_user(Role.LEAD), figures=changes)
    assert field in exc.value.message_dict
    assert not RatingModelVersion.objects.exists()


def test_no_back_dating_a_reason_is_required_and_only_leads_or_management_propose():
    lead = staff_user(Role.LEAD)
    with pytest.raises(ValidationError) as exc:
        _propose(lead, effective_from=TODAY - dt.timedelta(days=1), note=" ")
    assert set(exc.value.message_dict) == {"effective_from", "note"}
    with pytest.raises(PermissionDenied):
        _propose(staff_user(Role.FINANCE))


def test_an_approved_version_is_never_discarded_a_proposal_is():
    rating_model_defaults_load()
    lead, manager = staff_user(Role.LEAD), staff_user(Role.MANAGEMENT)
    with pytest.raises(ApplicationError):
        rating_model_discard(version=RatingModelVersion.objects.get(number=1), actor=lead)
    proposal = _propose(lead)
    rating_model_discard(version=proposal, actor=manager)
    assert list(RatingModelVersion.objects.values_list("number", flat=True)) == [1]


def test_a_proposal_whose_day_has_passed_is_not_approved():
    v = _propose(staff_user(Role.LEAD), effective_from=TODAY)
    with pytest.raises(ApplicationError):
        rating_model_approve(version=v, actor=staff_user(Role.MANAGEMENT), today=TODAY + dt.timedelta(days=1))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_to_change_an_approved_version_or_its_thresholds():
    rating_model_defaults_load()
    v1 = RatingModelVersion.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        RatingModelVersion.objects.filter(pk=v1.pk).update(fulfilment_weight=50)
    with pytest.raises(DatabaseError), transaction.atomic():
        v1.returns_thresholds.create(category=CategoryFactory(), full_at=1, zero_at=2)
    with pytest.raises(DatabaseError), transaction.atomic():
        RatingModelVersion.objects.filter(pk=v1.pk).delete()


def _rating(merchant, as_of, grade, version):
    rated = bool(grade)
    return MerchantRating.objects.create(
        merchant=merchant, as_of=as_of, model_version=version, window_start=as_of - dt.timedelta(days=90),
        window_end=as_of - dt.timedelta(days=1), order_count=40 if rated else 5, rated=rated,
        score=Decimal("85") if rated else None, grade=grade, computed_at=timezone.now())


def test_grade_on_a_day_is_the_latest_rating_then_and_nr_or_none_is_c(django_assert_num_queries):
    rating_model_defaults_load()
    v1 = RatingModelVersion.objects.get()
    a, b, nr, never = (MerchantFactory() for _ in range(4))
    _rating(a, dt.date(2026, 11, 1), "B", v1)
    _rating(a, dt.date(2026, 11, 2), "A", v1)
    _rating(b, dt.date(2026, 11, 2), "D", v1)
    _rating(nr, dt.date(2026, 11, 1), "A", v1)
    _rating(nr, dt.date(2026, 11, 2), "", v1)  # N/R the next day: treated as C
    with django_assert_num_queries(1):
        grades = rating_grade_on(merchant_ids=[a.pk, b.pk, nr.pk, never.pk], on=dt.date(2026, 11, 5))
    assert grades == {a.pk: "A", b.pk: "D", nr.pk: "C", never.pk: "C"}
    assert rating_grade_on(merchant_ids=[a.pk, b.pk], on=dt.date(2026, 11, 1)) == {a.pk: "B", b.pk: "C"}
    assert rating_grade_on(merchant_ids=[], on=dt.date(2026, 11, 1)) == {}
    assert rating_current(merchant=a, on=dt.date(2026, 11, 1)).grade == "B"
    assert [r.grade for r in rating_history(merchant=a)] == ["A", "B"]
