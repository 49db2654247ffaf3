"""API rate limits per token (portal.api.throttling): each token has its own budget for writes and for reads,
from settings; over it the answer is 429 with a JSON message and Retry-After, and nothing is written."""

import pytest
from django.test import Client, override_settings

from portal.api.services import api_client_token_create
from portal.models import ApiScope, OrderLine
from tests.factories.onboarding import MerchantFactory, staff_user
from tests.factories.portal import CategoryFactory

pytestmark = pytest.mark.django_db

S = ApiScope


@pytest.fixture
def staff():
    return staff_user("admin")


def token(staff, name="Trading platform"):
    return api_client_token_create(name=name, scopes=list(S.values), actor=staff)[1]


def client(token, language="en"):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=language)


def post_line(c, merchant, n):
    return c.post("/api/v1/order-lines", {"rows": [
        {"external_id": f"OL-{n}", "merchant": merchant.pk, "category": "apparel", "amount": "10.00",
         "completed_on": "2026-11-02", "settleable_on": "2026-11-09"}]}, content_type="application/json")


@override_settings(API_THROTTLE_RATES={"write": "3/min", "read": "100/min"})
def test_writes_over_the_token_budget_get_429_and_write_nothing(staff):
    CategoryFactory(code="apparel")
    merchant = MerchantFactory()
    c = client(token(staff))
    assert [post_line(c, merchant, n).status_code for n in range(3)] == [200, 200, 200]
    refused = post_line(c, merchant, 99)
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json() == {
        "detail": f"Too many requests for this token: try again in {refused['Retry-After']} seconds."}
    assert set(OrderLine.objects.values_list("external_id", flat=True)) == {"OL-0", "OL-1", "OL-2"}
    # reads have their own budget, so the same token still reads
    assert c.get("/api/v1/merchants").status_code == 200


@override_settings(API_THROTTLE_RATES={"write": "100/min", "read": "2/min"})
def test_each_token_has_its_own_budget_and_the_message_is_translated(staff):
    first, second = client(token(staff, "one")), client(token(staff, "two"), language="zh-hans")
    assert [first.get("/api/v1/merchants").status_code for _ in range(3)] == [200, 200, 429]
    assert [second.get("/api/v1/merchants").status_code for _ in range(2)] == [200, 200]
    refused = second.get("/api/v1/merchants")
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("此令牌的请求过多")


@override_settings(API_THROTTLE_RATES={"write": "1/min", "read": "1/min"})
def test_bad_tokens_are_refused_before_any_budget_is_spent(staff):
    anonymous = Client(HTTP_AUTHORIZATION="Bearer zs_nope_nope")
    assert [anonymous.get("/api/v1/merchants").status_code for _ in range(3)] == [401, 401, 401]


@override_settings(API_THROTTLE_RATES={"write": "2/min", "read": None})
def test_a_rate_of_none_means_no_limit_and_the_window_slides(staff, monkeypatch):
    from portal.api import throttling

    c = client(token(staff))
    assert all(c.get("/api/v1/merchants").status_code == 200 for _ in range(30))
    CategoryFactory(code="apparel")
    merchant = MerchantFactory()
    now = [1_000_000.0]
    monkeypatch.setattr(throttling.TokenRateThrottle, "timer", lambda self: now[0])
    assert [post_line(c, merchant, n).status_code for n in range(3)] == [200, 200, 429]
    now[0] += 61
    assert post_line(c, merchant, 3).status_code == 200


def test_the_defaults_leave_the_ingest_rate_far_below_the_limit(settings):
    # ~30,000 lines/s in batches of 10,000 is 3 requests a second, 180 a minute
    from portal.api.throttling import WRITE_THROTTLE

    count, seconds = WRITE_THROTTLE.parse_rate(settings.API_THROTTLE_RATES["write"])
    assert count / seconds >= 10
