"""The credit rating's pages: the merchant's workspace page (rating, breakdown, history; only its own) in both
languages, and the staff pages in the Wagtail admin."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from portal.models import MerchantRating
from portal.roles import Role
from tests.factories.onboarding import MerchantFactory, merchant_user, staff_user
from tests.portal.test_ratings_recompute import approved_version

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _rating(merchant, version, *, days_ago=0, score="63.10", grade="C", rated=True, **fields):
    as_of = TODAY() - dt.timedelta(days=days_ago)
    values = {
        "fulfilled_count": 38, "on_time_count": 36, "returned_count": 2, "complaint_count": 1, "satisfaction_count": 3,
        "returns_full_at": Decimal("3"), "returns_zero_at": Decimal("15"),
        "fulfilment_rate": Decimal("95"), "fulfilment_points": Decimal("50"), "fulfilment_weight": 30,
        "on_time_rate": Decimal("90"), "on_time_points": Decimal("33.33"), "on_time_weight": 20,
        "returns_rate": Decimal("5"), "returns_points": Decimal("83.33"), "returns_weight": 20,
        "complaints_rate": Decimal("2.5"), "complaints_points": Decimal("86.36"), "complaints_weight": 20,
        "satisfaction_rate": Decimal("4.5"), "satisfaction_points": Decimal("75"), "satisfaction_weight": 10}
    if not rated:
        values.update({f"{d}_{p}": None for d in ("fulfilment", "on_time", "returns", "complaints", "satisfaction")
                       for p in ("points",)})
        values.update({f"{d}_weight": 0 for d in ("fulfilment", "on_time", "returns", "complaints", "satisfaction")})
    values.update(fields)
    return MerchantRating.objects.create(
        merchant=merchant, as_of=as_of, model_version=version, window_start=as_of - dt.timedelta(days=90),
        window_end=as_of - dt.timedelta(days=1), order_count=40 if rated else 12, rated=rated,
        score=Decimal(score) if rated else None, grade=grade if rated else "", computed_at=timezone.now(), **values)


def _client(user) -> Client:
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    client = Client()
    client.force_login(user)
    return client


def _get(client, lang="en"):
    with translation.override(lang):
        path = reverse("portal:rating")
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_merchant_sees_its_rating_breakdown_and_history_in_both_languages(django_assert_max_num_queries):
    version = approved_version()
    merchant, owner = merchant_user(MerchantFactory())
    _rating(merchant, version, days_ago=1, score="81.00", grade="B")
    _rating(merchant, version)
    other = MerchantFactory()
    _rating(other, version, score="97.55", grade="A")
    client = _client(owner)
    english = _get(client, "en")
    assert 'id="rating-grade"' in english and ">C<" in english and "63.10" in english
    assert "Fulfilment" in english and "95.00%" in english and "33.33" in english and "4.50 / 5" in english
    assert "81.00" in english  # yesterday's rating in the history
    assert "97.55" not in english  # another merchant's rating is never shown
    chinese = _get(client, "zh-hans")
    assert "信用评级" in chinese and "履约率" in chinese and "满意度" in chinese and "63.10" in chinese
    # the history costs the same whatever its length
    for days in range(2, 40):
        _rating(merchant, version, days_ago=days)
    with django_assert_max_num_queries(12):
        _get(client)


def test_not_rated_says_why_and_that_it_counts_as_c():
    version = approved_version()
    merchant, owner = merchant_user(MerchantFactory())
    _rating(merchant, version, rated=False)
    page = _get(_client(owner))
    assert "Not rated: 12 orders in the window, fewer than the 30 needed. You are treated as grade C." in page


def test_before_any_rating_the_page_says_c():
    approved_version()
    _merchant, owner = merchant_user(MerchantFactory())
    page = _get(_client(owner))
    assert "You have not been rated yet. Until you are, you are treated as grade C." in page
    assert reverse("portal:rating") in _get(_client(owner))  # the workspace menu links the page


def test_a_red_line_dimension_is_flagged():
    version = approved_version()
    merchant, owner = merchant_user(MerchantFactory())
    _rating(merchant, version)
    page = _get(_client(owner))
    assert page.count("is-red-line") == 2  # fulfilment 50 and on-time 33.33 are below 60


def _admin(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_list_filters_and_links_each_merchant_s_breakdown_and_history(django_assert_max_num_queries):
    from portal.ratings.services import rating_recompute_start

    version = approved_version()
    low, high = MerchantFactory(name="Low Co"), MerchantFactory(name="High Co")
    _rating(low, version, score="55.00", grade="D")
    _rating(high, version, score="92.00", grade="A")
    _rating(low, version, days_ago=1, score="70.00", grade="C")
    rating_recompute_start(as_of=TODAY() + dt.timedelta(days=1), enqueue=False)  # a run in progress
    lead = staff_user(Role.LEAD)
    client = _admin(lead)
    page = client.get(reverse("ratings:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Low Co") < html.index("High Co")  # lowest score first
    assert 'id="rating-runs"' in html
    only_a = client.get(reverse("ratings:list"), {"grade": "A"}).content.decode()
    assert "High Co" in only_a and "Low Co" not in only_a
    detail = client.get(reverse("ratings:merchant", args=[low.pk]))
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "55.00" in text and "70.00" in text and "is-red-line" in text
    for i in range(30):
        _rating(MerchantFactory(name=f"More {i}"), version, score="75.00")
    with django_assert_max_num_queries(25):
        assert client.get(reverse("ratings:list")).status_code == 200
    with translation.override("zh-hans"):
        chinese = _admin(lead).get(reverse("ratings:merchant", args=[low.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 200


def test_staff_pages_refuse_roles_without_a_part_in_ratings():
    approved_version()
    merchant = MerchantFactory()
    editor = staff_user(Role.EDITOR)
    client = _admin(editor)
    # Wagtail turns the refusal into its "no permission" redirect to the dashboard
    for path in (reverse("ratings:list"), reverse("ratings:merchant", args=[merchant.pk])):
        response = client.get(path)
        assert (response.status_code, response.get("Location")) == (302, "/admin/")
    lead = _admin(staff_user(Role.LEAD))
    assert lead.get(reverse("ratings:merchant", args=[merchant.pk + 999])).status_code == 404
