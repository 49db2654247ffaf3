"""A grade change after the nightly rating moves the merchant's grade and, through portal's signal after commit,
the deposit requirement: a higher requirement asks for a top-up at once, a lower one waits for the quarterly
review (BUSINESS_RULES §5.1, §8)."""

import datetime as dt
from decimal import Decimal

import pytest

from billing.models import DepositAccount, TopUpRequest
from billing.services.deposit_tables import deposit_quarterly_review, deposit_table_defaults_load
from portal.models import AuditEntry, Merchant, MerchantStatus
from portal.ratings.services import rating_recompute_start
from tests.billing.deposit_world import DepositWorld
from tests.portal.test_ratings_recompute import approved_version, orders

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 12, 1)


@pytest.fixture
def w():
    deposit_table_defaults_load()
    approved_version()
    world = DepositWorld()
    Merchant.objects.filter(pk=world.merchant.pk).update(grade="C", status=MerchantStatus.ACTIVE)
    return world


def rate(w, capture, as_of=AS_OF):
    with capture(execute=True):
        rating_recompute_start(as_of=as_of)
    w.merchant.refresh_from_db()
    w.account.refresh_from_db()


def test_a_lower_grade_raises_the_requirement_and_asks_for_a_top_up(w, django_capture_on_commit_callbacks):
    assert w.account.required_amount == Decimal("60000.00")
    orders(w.merchant, 40, unfulfilled=40)  # fulfilment and on-time 0, returns and complaints 100: 44.44 → D
    rate(w, django_capture_on_commit_callbacks)
    assert w.merchant.grade == "D"
    assert (w.account.required_amount, w.account.status) == (Decimal("80000.00"), DepositAccount.Status.SHORTFALL)
    top_up = TopUpRequest.objects.get(account=w.account)
    assert (top_up.amount, top_up.reason) == (Decimal("20000.00"), "requirement")
    graded = AuditEntry.objects.get(action="portal.merchant.graded", target_id=str(w.merchant.pk))
    assert graded.data["from"] == {"grade": "C"} and graded.data["to"] == {"grade": "D"}
    # the same day again: nothing moves, no second top-up
    rate(w, django_capture_on_commit_callbacks)
    assert TopUpRequest.objects.filter(account=w.account).count() == 1
    assert AuditEntry.objects.filter(action="portal.merchant.graded").count() == 1


def test_a_better_grade_lowers_the_requirement_only_at_the_quarterly_review(w, django_capture_on_commit_callbacks):
    orders(w.merchant, 40)  # every dimension at 100: A
    rate(w, django_capture_on_commit_callbacks)
    assert w.merchant.grade == "A"
    assert w.account.required_amount == Decimal("60000.00") and not TopUpRequest.objects.exists()
    assert deposit_quarterly_review(on=AS_OF) == 1
    w.account.refresh_from_db()
    assert w.account.required_amount == Decimal("20000.00")


def test_not_rated_and_grade_e_keep_their_grade(w, django_capture_on_commit_callbacks):
    orders(w.merchant, 29, unfulfilled=29)  # 29 orders: N/R
    rate(w, django_capture_on_commit_callbacks)
    assert w.merchant.grade == "C" and w.account.required_amount == Decimal("60000.00")
    Merchant.objects.filter(pk=w.merchant.pk).update(grade="E")
    orders(w.merchant, 11)
    rate(w, django_capture_on_commit_callbacks, as_of=AS_OF + dt.timedelta(days=1))
    assert w.merchant.grade == "E"


def test_one_chunk_moves_many_grades_with_one_audit_entry_each_and_an_intact_chain(
        w, django_capture_on_commit_callbacks):
    """The chunk's grade moves are written together: each merchant has its own entry, the hash chain holds, and
    billing reads the deposit accounts of all of them at once (only the merchant with an account gets a top-up)."""
    from portal.audit import audit_chain_verify
    from tests.factories.onboarding import MerchantFactory

    others = [MerchantFactory(status=MerchantStatus.ACTIVE, grade="C") for _ in range(3)]
    for merchant in [w.merchant, *others]:
        orders(merchant, 40, unfulfilled=40)  # D
    rate(w, django_capture_on_commit_callbacks)
    grades = dict(Merchant.objects.filter(pk__in=[w.merchant.pk, *(m.pk for m in others)])
                  .values_list("pk", "grade"))
    assert set(grades.values()) == {"D"}
    graded = AuditEntry.objects.filter(action="portal.merchant.graded")
    assert sorted(graded.values_list("target_id", flat=True)) == sorted(str(pk) for pk in grades)
    assert audit_chain_verify() is None
    assert TopUpRequest.objects.get().account == w.account
