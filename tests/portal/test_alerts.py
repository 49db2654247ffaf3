"""Alerts raised by the nightly rating recompute (BUSINESS_RULES §8): thresholds, routing, emails, the lifecycle."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from portal.alerts.services import alert_acknowledge, alert_close, rating_alerts_raise
from portal.exceptions import ApplicationError, InvalidTransition
from portal.models import Alert, AlertKind, MerchantRating, RatingRun
from portal.ratings.services import rating_recompute_start
from portal.roles import Role
from tests.factories.onboarding import squad_for, staff_user
from tests.factories.portal import CategoryFactory
from tests.portal.test_ratings_recompute import approved_version, complaints, merchant, orders

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 12, 1)
GOOD = {"fulfilment": "100", "on_time": "100", "returns": "100", "complaints": "100", "satisfaction": "100"}


@pytest.fixture
def v1():
    return approved_version()


@pytest.fixture
def run(v1):
    return RatingRun.objects.create(as_of=AS_OF, model_version=v1, chunk_size=100, started_at=timezone.now())


def rating(run, m, *, score="95", complaint_rate="0.5", rated=True, **points):
    values = {**GOOD, **points}
    fields = {f"{d}_points": (Decimal(p) if rated else None) for d, p in values.items()}
    fields |= {f"{d}_weight": Decimal(10) for d in values}
    return MerchantRating.objects.create(
        merchant=m, as_of=run.as_of, model_version=run.model_version, run=run, window_start=dt.date(2026, 9, 2),
        window_end=dt.date(2026, 11, 30), order_count=100 if rated else 10, rated=rated,
        score=Decimal(score) if rated else None, grade=("A" if rated else ""), complaints_rate=Decimal(complaint_rate),
        computed_at=timezone.now(), **fields)


def raise_for(run):
    return rating_alerts_raise(run=run, lo=0, hi=10**9)


def kinds(m):
    return sorted(Alert.objects.filter(merchant=m).values_list("kind", flat=True))


def test_complaint_rate_at_five_percent_is_no_alert_above_it_is(run, django_capture_on_commit_callbacks):
    at, above, nr_above = merchant(), merchant(), merchant()
    rating(run, at, complaint_rate="5.0000")
    rating(run, above, complaint_rate="5.0001")
    rating(run, nr_above, complaint_rate="8.0000", rated=False)  # N/R: the complaint rate still counts
    with django_capture_on_commit_callbacks(execute=True):
        assert raise_for(run) == 2
    assert kinds(at) == []
    assert kinds(above) == [AlertKind.COMPLAINT_RATE]
    assert kinds(nr_above) == [AlertKind.COMPLAINT_RATE]
    alert = Alert.objects.get(merchant=above)
    assert alert.data == {"complaint_rate": "5.0001", "limit": "5"} and alert.as_of == AS_OF
    assert alert.status == Alert.Status.OPEN and alert.rating.merchant == above


def test_dimension_at_sixty_is_no_red_line_below_it_is(run):
    at, below, none = merchant(), merchant(), merchant()
    rating(run, at, fulfilment="60.00", satisfaction="60.00")
    rating(run, below, on_time="59.99", satisfaction="40")
    rating(run, none)  # no points at all below 60
    raise_for(run)
    assert kinds(at) == [] and kinds(none) == []
    assert kinds(below) == [AlertKind.RED_LINE]
    assert Alert.objects.get(merchant=below).data == {"dimensions": [
        {"dimension": "on_time", "points": "59.99"}, {"dimension": "satisfaction", "points": "40.00"}]}


def test_score_below_eighty_warns_eighty_does_not(run):
    at, below = merchant(), merchant()
    rating(run, at, score="80.00")
    rating(run, below, score="79.99")
    raise_for(run)
    assert kinds(at) == []
    assert kinds(below) == [AlertKind.SCORE_BELOW]
    assert Alert.objects.get(merchant=below).score == Decimal("79.99")


def test_one_unclosed_alert_per_kind_and_a_new_one_after_closing(run, v1):
    m = merchant()
    lead = staff_user(Role.LEAD.value)
    rating(run, m, score="70")
    raise_for(run)
    first = Alert.objects.get(merchant=m)
    run2 = RatingRun.objects.create(as_of=AS_OF + dt.timedelta(days=1), model_version=v1, chunk_size=100,
                                    started_at=timezone.now())
    rating(run2, m, score="71")
    assert raise_for(run2) == 0
    first = alert_acknowledge(alert=first, actor=lead, note="calling the merchant")
    assert (first.status, first.acknowledged_by, first.note) == (Alert.Status.ACKNOWLEDGED, lead,
                                                                 "calling the merchant")
    assert raise_for(run2) == 0
    with pytest.raises(ApplicationError):
        alert_close(alert=first, actor=lead, note=" ")
    first = alert_close(alert=first, actor=lead, note="plan agreed")
    assert first.status == Alert.Status.CLOSED and first.closed_by == lead
    with pytest.raises(InvalidTransition):
        alert_acknowledge(alert=first, actor=lead)
    assert raise_for(run2) == 1
    assert Alert.objects.filter(merchant=m, status=Alert.Status.OPEN).get().as_of == AS_OF + dt.timedelta(days=1)


def test_routing_and_emails_in_the_recipients_language(run, django_capture_on_commit_callbacks):
    category = CategoryFactory()
    lead = staff_user(Role.LEAD.value, preferred_language="en")
    member = staff_user(Role.REVIEWER.value, preferred_language="zh-hans")
    boss = staff_user(Role.MANAGEMENT.value, preferred_language="en")
    other_lead = staff_user(Role.LEAD.value)
    squad = squad_for(category, members=[member], lead=lead)
    complaining, red = merchant(name="Complaining Co"), merchant(name="Red Co")
    orders(complaining, 3, category=category, on=dt.date(2026, 11, 1))
    orders(red, 3, category=category, on=dt.date(2026, 11, 1))
    rating(run, complaining, complaint_rate="7.5")
    rating(run, red, returns="12.5")
    with django_capture_on_commit_callbacks(execute=True):
        assert raise_for(run) == 2
    complaint = Alert.objects.get(merchant=complaining)
    assert (complaint.squad, complaint.owner) == (squad, lead)
    assert complaint.deadline > AS_OF - dt.timedelta(days=30)
    assert all(a.emailed_at for a in Alert.objects.all())
    to = {}
    for message in mail.outbox:
        to.setdefault(message.to[0], []).append(message)
    # complaint rate: the squad (members and lead) and management; red line: the squad lead only
    assert sorted(m.subject for m in to[lead.email]) == ["Alert: Complaint rate above the limit — Complaining Co",
                                                         "Alert: Red line: a dimension below 60 — Red Co"]
    assert len(to[member.email]) == 1 and "Complaining Co" in to[member.email][0].subject
    assert "投诉率" in to[member.email][0].subject and "7.5" in to[member.email][0].body
    assert [m.subject for m in to[boss.email]] == ["Alert: Complaint rate above the limit — Complaining Co"]
    assert other_lead.email not in to
    assert "Returns 12.50" in to[lead.email][1].body or "Returns 12.50" in to[lead.email][0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        raise_for(run)
    assert mail.outbox == []  # nothing new, nothing sent again


def test_without_a_squad_every_lead_is_emailed(run, django_capture_on_commit_callbacks):
    leads = [staff_user(Role.LEAD.value), staff_user(Role.LEAD.value)]
    m = merchant()
    rating(run, m, complaints="10")
    with django_capture_on_commit_callbacks(execute=True):
        raise_for(run)
    alert = Alert.objects.get(merchant=m)
    assert alert.owner is None and alert.squad is None
    assert sorted(x.to[0] for x in mail.outbox) == sorted(u.email for u in leads)


def test_raising_costs_the_same_queries_for_few_or_many(run, django_assert_num_queries,
                                                        django_assert_max_num_queries):
    category = CategoryFactory()
    squad_for(category, lead=staff_user(Role.LEAD.value))
    for _i in range(3):
        m = merchant()
        orders(m, 1, category=category)
        rating(run, m, score="70", on_time="20", complaint_rate="9")
    raise_for(run)  # the content type and calendar caches warm
    Alert.objects.all().delete()
    with django_assert_max_num_queries(16) as few:
        raise_for(run)
    Alert.objects.all().delete()
    # 15 merchants and 45 alerts: within one INSERT batch on SQLite too (999 parameters, 19 columns an alert)
    for _i in range(12):
        m = merchant()
        orders(m, 1, category=category)
        rating(run, m, score="70", fulfilment="10", complaint_rate="9")
    with django_assert_num_queries(len(few.captured_queries)):
        raise_for(run)
    assert Alert.objects.count() == 3 * 3 + 12 * 3


def test_the_nightly_recompute_raises_them(v1, django_capture_on_commit_callbacks):
    m = merchant()
    orders(m, 40, unfulfilled=2, late=2, returned=2)  # score 63.10 (the hand-computed case without complaints)
    complaints(m, 3)  # 7.5%
    with django_capture_on_commit_callbacks(execute=True):
        rating_recompute_start(as_of=AS_OF)
    r = MerchantRating.objects.get(merchant=m)
    assert r.complaints_rate == Decimal("7.5000")
    assert kinds(m) == sorted([AlertKind.COMPLAINT_RATE, AlertKind.SCORE_BELOW, AlertKind.RED_LINE])
    assert set(Alert.objects.values_list("rating_id", flat=True)) == {r.pk}


# ---- the quarterly check and the annual tail review

def test_quarterly_check_opens_requalification_below_eighty(run, django_capture_on_commit_callbacks):
    from portal.alerts.services import quarterly_requalification_check
    from portal.models import MerchantStatus

    boss = staff_user(Role.MANAGEMENT.value, preferred_language="en")
    at, below, nr = merchant(), merchant(), merchant()
    rating(run, at, score="80.00")
    rating(run, below, score="79.99")
    rating(run, nr, rated=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert quarterly_requalification_check(on=AS_OF + dt.timedelta(days=3)) == 1  # the latest day rated counts
    below.refresh_from_db()
    at.refresh_from_db()
    assert below.status == MerchantStatus.UNDER_REQUALIFICATION and at.status == MerchantStatus.ACTIVE
    alert = Alert.objects.get(merchant=below)
    assert (alert.kind, alert.score, alert.as_of) == (AlertKind.REQUALIFICATION, Decimal("79.99"), AS_OF)
    assert any(m.to == [boss.email] and "Re-qualification review" in m.subject for m in mail.outbox)
    # a merchant already under re-qualification is not active: the next quarter leaves it alone
    assert quarterly_requalification_check(on=AS_OF + dt.timedelta(days=3)) == 0


def test_tail_review_nominates_the_bottom_ten_percent(run):
    from portal.alerts.services import annual_tail_review

    ms = [merchant() for _ in range(11)]
    for i, m in enumerate(ms):
        rating(run, m, score=str(90 - i))  # 90 … 80: the two lowest are 10% of 11, rounded up
    rating(run, merchant(), rated=False)
    assert annual_tail_review(on=AS_OF) == 2
    nominated = Alert.objects.filter(kind=AlertKind.TAIL_REVIEW).order_by("score")
    assert [a.merchant for a in nominated] == [ms[10], ms[9]]
    assert [a.data["rank"] for a in nominated] == [1, 2] and nominated[0].data["count"] == 11
    assert annual_tail_review(on=AS_OF) == 0  # nominated once while the alert is open


def test_the_beat_schedule_names_registered_tasks():
    from django.conf import settings

    import billing.tasks  # noqa: F401 - the worker imports every package's tasks (autodiscovery)
    import portal.alerts.tasks  # noqa: F401
    from portal.celery import app

    for name in ("portal-requalification-quarterly", "portal-tail-review-annual", "billing-deposit-quarterly-review"):
        assert settings.CELERY_BEAT_SCHEDULE[name]["task"] in app.tasks
