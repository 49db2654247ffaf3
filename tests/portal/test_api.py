"""The REST API (portal.api): tokens and scopes, bulk upserts through the endpoints with per-row errors, reads
scoped to a merchant token's own merchant."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from billing.models import SettlementRun, Statement, StatementLine
from portal.api.services import api_client_token_create, api_token_revoke, merchant_token_create
from portal.exceptions import ApplicationError, PermissionDenied
from portal.models import ApiScope, ApiToken, AuditEntry, MerchantMembership, OrderLine
from tests.factories.onboarding import MerchantFactory, merchant_user, staff_user
from tests.factories.portal import CategoryFactory

pytestmark = pytest.mark.django_db

S = ApiScope


@pytest.fixture
def staff():
    return staff_user("admin")


@pytest.fixture
def category():
    return CategoryFactory(code="apparel")


def client_token(staff, *scopes):
    return api_client_token_create(name="Trading platform", scopes=scopes or list(S.values), actor=staff)[1]


def api(token=None, *, language="en"):
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return Client(**headers)


def post(client, path, rows):
    return client.post(f"/api/v1/{path}", {"rows": rows}, content_type="application/json")


def line(owner, n, **changes):
    return {"external_id": f"OL-{n}", "merchant": owner.pk, "category": "apparel", "amount": "10.00",
            "completed_on": "2026-11-02", "settleable_on": "2026-11-09"} | changes


def test_a_token_is_shown_once_and_kept_hashed(staff):
    row, token = api_client_token_create(name=" Trading platform ", scopes=[S.READ, S.ORDERS_WRITE], actor=staff)
    assert token.startswith(f"zs_{row.prefix}_")
    assert (row.name, row.kind, row.scopes, row.merchant) == ("Trading platform", "client", ["orders:write", "read"],
                                                               None)
    assert token not in str(ApiToken.objects.filter(pk=row.pk).values().get())
    assert AuditEntry.objects.filter(action="portal.api_token.created", target_id=str(row.pk)).exists()


def test_client_tokens_need_an_administrator_and_known_scopes(staff):
    merchant, owner = merchant_user()
    with pytest.raises(PermissionDenied):
        api_client_token_create(name="x", scopes=[S.READ], actor=owner)
    with pytest.raises(PermissionDenied):
        api_client_token_create(name="x", scopes=[S.READ], actor=staff_user("finance"))
    with pytest.raises(ApplicationError):
        api_client_token_create(name="x", scopes=["admin"], actor=staff)
    with pytest.raises(ApplicationError):
        api_client_token_create(name="x", scopes=[], actor=staff)
    with pytest.raises(ApplicationError):
        api_client_token_create(name="  ", scopes=[S.READ], actor=staff)


def test_bulk_upsert_through_the_endpoint(staff, category):
    merchant = MerchantFactory()
    client = api(client_token(staff, S.ORDERS_WRITE))
    rows = [line(merchant, 1), line(merchant, 2, amount=12.5), line(merchant, 3, amount="x"),
            line(merchant, 4, merchant=10**12)]

    answer = post(client, "order-lines", rows)

    assert answer.status_code == 200
    body = answer.json()
    assert (body["created"], body["updated"], body["unchanged"], body["rejected"]) == (2, 0, 0, 2)
    assert [(e["index"], e["external_id"], e["field"], e["code"]) for e in body["errors"]] == [
        (2, "OL-3", "amount", "decimal_parsing"), (3, "OL-4", "merchant", "unknown_merchant")]
    assert body["errors"][0]["message"] == "Enter a number."
    assert OrderLine.objects.get(external_id="OL-2").amount == Decimal("12.50")
    assert OrderLine.objects.get(external_id="OL-2").source == "api"
    audit = AuditEntry.objects.filter(action="portal.performance.upserted").get()
    assert (audit.data["api_token_name"], audit.data["created"]) == ("Trading platform", 2)

    # the same batch again changes nothing; a changed line is updated and versioned
    assert post(client, "order-lines", rows[:2]).json()["unchanged"] == 2
    body = post(client, "order-lines", [line(merchant, 1, fulfilled=False)]).json()
    assert (body["updated"], OrderLine.objects.get(external_id="OL-1").version) == (1, 2)


def test_per_row_messages_follow_accept_language(staff, category):
    merchant = MerchantFactory()
    answer = post(api(client_token(staff), language="zh-hans"), "order-lines", [line(merchant, 1, category="x")])
    assert answer.json()["errors"][0]["message"] == "没有此代码的类目。"


def test_complaints_and_satisfaction_ratings_endpoints(staff):
    merchant = MerchantFactory()
    client = api(client_token(staff, S.COMPLAINTS_WRITE, S.RATINGS_WRITE))
    answer = post(client, "complaints", [{"external_id": "C-1", "merchant": merchant.pk, "received_on": "2026-11-02"}])
    assert answer.json()["created"] == 1
    answer = post(client, "satisfaction-ratings",
                  [{"external_id": "S-1", "merchant": merchant.pk, "rated_on": "2026-11-02", "score": 4.8}])
    assert answer.json()["created"] == 1


@pytest.mark.parametrize(("path", "scope"), [
    ("order-lines", S.ORDERS_WRITE), ("complaints", S.COMPLAINTS_WRITE), ("satisfaction-ratings", S.RATINGS_WRITE)])
def test_each_write_needs_its_scope(staff, path, scope):
    others = [s for s in S.values if s != scope]
    answer = post(api(client_token(staff, *others)), path, [{"external_id": "x"}])
    assert answer.status_code == 403
    assert scope in answer.json()["detail"]
    assert post(api(client_token(staff, scope)), path, [{"external_id": "x"}]).status_code == 200


def test_no_token_a_wrong_token_and_a_revoked_token_are_401(staff):
    assert post(api(), "order-lines", [{}]).status_code == 401
    assert post(api("zs_abc_def"), "order-lines", [{}]).status_code == 401
    row, token = api_client_token_create(name="old", scopes=[S.ORDERS_WRITE], actor=staff)
    assert post(api(token[:-1] + ("A" if token[-1] != "A" else "B")), "order-lines", [{}]).status_code == 401
    assert post(api(token), "order-lines", [{}]).status_code == 200
    api_token_revoke(token=row, actor=staff)
    answer = post(api(token), "order-lines", [{}])
    assert answer.status_code == 401
    assert "Bearer" in answer.json()["detail"]


def test_batch_size_and_shape_are_checked(staff, monkeypatch):
    client = api(client_token(staff))
    assert post(client, "order-lines", []).status_code == 422
    answer = client.post("/api/v1/order-lines", {"rows": [{}] * 10_001}, content_type="application/json")
    assert answer.status_code == 422
    assert client.post("/api/v1/order-lines", "not json", content_type="application/json").status_code in (400, 422)
    assert client.post("/api/v1/order-lines", {"rows": "x"}, content_type="application/json").status_code == 422
    # a non-object row is a bad row, not a bad request
    body = post(client, "order-lines", ["x", 3]).json()
    assert [(e["index"], e["code"]) for e in body["errors"]] == [(0, "model_type"), (1, "model_type")]


def test_a_merchant_token_reads_only_its_own_merchant(staff, category):
    merchant, owner = merchant_user()
    other = MerchantFactory()
    writer = api(client_token(staff, S.ORDERS_WRITE))
    post(writer, "order-lines", [line(merchant, 1), line(other, 2), line(merchant, 3, settleable_on="2026-12-01")])
    _row, token = merchant_token_create(merchant=merchant, name="Our ERP", actor=owner)
    reader = api(token)

    page = reader.get("/api/v1/order-lines").json()
    assert [item["external_id"] for item in page["items"]] == ["OL-1", "OL-3"]
    assert page["items"][0] | {"updated_at": None} == {
        "external_id": "OL-1", "merchant": merchant.pk, "category": "apparel", "amount": "10.00", "currency": "CNY",
        "completed_on": "2026-11-02", "settleable_on": "2026-11-09", "refund_amount": "0.00", "refunded_on": None,
        "fulfilled": True, "on_time": True, "version": 1, "updated_at": None}
    november = reader.get("/api/v1/order-lines", {"settleable_to": "2026-11-30"}).json()["items"]
    assert [item["external_id"] for item in november] == ["OL-1"]
    assert reader.get("/api/v1/order-lines", {"merchant": other.pk}).status_code == 404
    assert reader.get("/api/v1/rating", {"merchant": other.pk}).status_code == 404
    assert reader.get("/api/v1/statements", {"merchant": other.pk}).status_code == 404
    assert [m["id"] for m in reader.get("/api/v1/merchants").json()] == [merchant.pk]
    # read-only: it cannot write
    assert post(reader, "order-lines", [line(merchant, 9)]).status_code == 403


def test_order_lines_are_paged_by_external_id(staff, category):
    merchant = MerchantFactory()
    post(api(client_token(staff, S.ORDERS_WRITE)), "order-lines", [line(merchant, n) for n in range(5)])
    reader = api(client_token(staff, S.READ))
    first = reader.get("/api/v1/order-lines", {"merchant": merchant.pk, "limit": 2}).json()
    assert ([i["external_id"] for i in first["items"]], first["next_after"]) == (["OL-0", "OL-1"], "OL-1")
    last = reader.get("/api/v1/order-lines", {"merchant": merchant.pk, "limit": 2, "after": "OL-3"}).json()
    assert ([i["external_id"] for i in last["items"]], last["next_after"]) == (["OL-4"], None)
    assert reader.get("/api/v1/order-lines").status_code == 422  # a client names the merchant
    assert reader.get("/api/v1/order-lines", {"merchant": 10**12}).status_code == 404


def test_order_lines_page_costs_one_query(staff, category, django_assert_num_queries):
    merchant = MerchantFactory()
    post(api(client_token(staff, S.ORDERS_WRITE)), "order-lines", [line(merchant, n) for n in range(30)])
    reader = api(client_token(staff, S.READ))
    reader.get("/api/v1/order-lines", {"merchant": merchant.pk, "limit": 1})  # the token's last use is written
    # the token, the merchant's existence, the page
    with django_assert_num_queries(3):
        assert len(reader.get("/api/v1/order-lines", {"merchant": merchant.pk, "limit": 1}).json()["items"]) == 1
    with django_assert_num_queries(3):
        assert len(reader.get("/api/v1/order-lines", {"merchant": merchant.pk, "limit": 30}).json()["items"]) == 30


def _statement(merchant, *, status=Statement.Status.ISSUED, number="ST-1", week=0):
    start = dt.date(2026, 11, 2) + dt.timedelta(weeks=week)
    run = SettlementRun.objects.get_or_create(period_start=start, defaults={
        "period_end": start + dt.timedelta(days=6), "payout_due_on": start + dt.timedelta(days=21)})[0]
    statement = Statement.objects.create(run=run, merchant=merchant, number=number, period_start=run.period_start,
                                         period_end=run.period_end, currency="CNY", gmv=Decimal("100.00"),
                                         net_payable=Decimal("90.00"), payout_due_on=run.payout_due_on)
    StatementLine.objects.create(statement=statement, kind=StatementLine.Kind.ORDER, gmv=Decimal("100.00"),
                                 amount=Decimal("90.00"), commission=Decimal("10.00"), description="order")
    # issued after its lines are written (an issued statement's lines never change)
    Statement.objects.filter(pk=statement.pk).update(status=status, issued_at=timezone.now())
    return statement


def test_statements_of_the_own_merchant_only(staff):
    merchant, owner = merchant_user()
    other = MerchantFactory()
    mine = _statement(merchant)
    _statement(merchant, status=Statement.Status.DRAFT, number="ST-2", week=1)
    theirs = _statement(other, number="ST-3")
    reader = api(merchant_token_create(merchant=merchant, name="ERP", actor=owner)[1])

    listed = reader.get("/api/v1/statements").json()
    assert [(s["number"], s["net_payable"]) for s in listed] == [("ST-1", "90.00")]
    detail = reader.get(f"/api/v1/statements/{mine.pk}").json()
    assert [(line["kind"], line["amount"], line["commission"]) for line in detail["lines"]] == [
        ("order", "90.00", "10.00")]
    assert reader.get(f"/api/v1/statements/{theirs.pk}").status_code == 404
    # a client token with the read scope reads any merchant's
    assert api(client_token(staff, S.READ)).get(f"/api/v1/statements/{theirs.pk}").status_code == 200


def test_rating_read(staff):
    merchant, owner = merchant_user()
    reader = api(merchant_token_create(merchant=merchant, name="ERP", actor=owner)[1])
    answer = reader.get("/api/v1/rating")
    assert answer.status_code == 404
    assert answer.json()["detail"] == "This merchant has no rating yet."


def test_only_an_owner_makes_and_revokes_merchant_tokens(staff):
    merchant, owner = merchant_user()
    _same, admin = merchant_user(merchant, role=MerchantMembership.Role.ADMIN)
    stranger_merchant, stranger = merchant_user()
    with pytest.raises(PermissionDenied):
        merchant_token_create(merchant=merchant, name="x", actor=admin)
    with pytest.raises(PermissionDenied):
        merchant_token_create(merchant=merchant, name="x", actor=stranger)
    row, token = merchant_token_create(merchant=merchant, name="ERP", actor=owner)
    assert (row.kind, row.scopes, row.merchant) == ("merchant", ["read"], merchant)
    with pytest.raises(PermissionDenied):
        api_token_revoke(token=row, actor=stranger)
    with pytest.raises(PermissionDenied):
        api_token_revoke(token=row, actor=staff)  # staff hold no merchant's keys
    api_token_revoke(token=row, actor=owner)
    assert api(token).get("/api/v1/merchants").status_code == 401
    assert api_token_revoke(token=row, actor=owner).revoked_at is not None


def test_schema_and_docs_page():
    schema = Client().get("/api/schema/").json()
    rows = schema["components"]["schemas"]["OrderLinesIn"]["properties"]["rows"]
    assert rows["maxItems"] == 10_000
    assert {"external_id", "merchant", "category", "amount", "settleable_on"} <= set(rows["items"]["properties"])
    assert "bearer" in str(schema["components"]["securitySchemes"]).lower()
    docs = Client().get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui-bundle.js" in docs.content
