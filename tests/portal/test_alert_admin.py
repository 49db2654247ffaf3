"""The rating alerts in the Wagtail admin: who enters, the filters, the counts per status, the downloads, the query
count per page, an alert's page and its actions (acknowledge, close with the review's outcome)."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.alerts.services import alert_acknowledge, alert_close
from portal.models import Alert, AlertKind, AlertOutcome, AlertStatus, MerchantStatus, Squad
from portal.roles import Role
from tests.factories.onboarding import merchant_user, staff_user
from tests.portal.test_ratings_recompute import merchant

pytestmark = pytest.mark.django_db
LIST = "/admin/alerts/"


def make_alert(m, kind=AlertKind.SCORE_BELOW, *, owner=None, squad=None, deadline=None, created_at=None,
               status=AlertStatus.OPEN, data=None):
    return Alert.objects.create(kind=kind, merchant=m, as_of=dt.date(2026, 12, 1), score=Decimal("70.00"),
                                data=data or {"score": "70.00", "limit": "80"}, owner=owner, squad=squad,
                                deadline=deadline or timezone.localdate() + dt.timedelta(days=5),
                                created_at=created_at or timezone.now(), status=status)


@pytest.fixture
def lead():
    return staff_user(Role.LEAD.value, preferred_language="en")


def login(client, user, lang="en"):
    client.force_login(user)
    client.cookies["django_language"] = lang
    return client


def ids(response):
    return sorted(int(a.removeprefix("alert_").removesuffix("_title"))
                  for a in response.content.decode().split('id="')[1:] if a.startswith("alert_")
                  for a in [a.split('"')[0]])


def test_who_enters(client, lead):
    assert client.get(LIST).status_code in (302, 403)
    for role, code in ((Role.FINANCE.value, 302), (Role.EDITOR.value, 302), (Role.REVIEWER.value, 200),
                       (Role.MANAGEMENT.value, 200)):
        login(client, staff_user(role))
        assert client.get(LIST).status_code in ((code,) if code == 200 else (302, 403)), role
    m = merchant()
    login(client, merchant_user(m)[1])
    assert client.get(LIST).status_code in (302, 403)


def test_filters_return_the_right_rows(client, lead):
    other = staff_user(Role.LEAD.value)
    squad = Squad.objects.create(name_zh="服饰", name_en="Apparel", lead=lead)
    acme, bolt = merchant(name="Acme Trading"), merchant(name="Bolt Goods")
    mine = make_alert(acme, owner=lead, squad=squad)
    theirs = make_alert(bolt, AlertKind.RED_LINE, owner=other, data={"dimensions": [
        {"dimension": "on_time", "points": "40.00"}]})
    nobody = make_alert(merchant(name="Cargo"), AlertKind.COMPLAINT_RATE,
                        data={"complaint_rate": "7.5", "limit": "5"},
                        deadline=timezone.localdate() - dt.timedelta(days=1),
                        created_at=timezone.now() - dt.timedelta(days=20))
    closed_late = make_alert(merchant(name="Delta"), deadline=timezone.localdate() - dt.timedelta(days=3),
                             status=AlertStatus.CLOSED)
    login(client, lead)
    assert ids(client.get(LIST)) == sorted([mine.pk, theirs.pk, nobody.pk, closed_late.pk])
    assert ids(client.get(LIST, {"owner": "mine"})) == [mine.pk]
    assert ids(client.get(LIST, {"owner": "none"})) == sorted([nobody.pk, closed_late.pk])
    assert ids(client.get(LIST, {"owner": str(other.pk)})) == [theirs.pk]
    assert ids(client.get(LIST, {"kind": ["red_line", "complaint_rate"]})) == sorted([theirs.pk, nobody.pk])
    assert ids(client.get(LIST, {"status": "closed"})) == [closed_late.pk]
    assert ids(client.get(LIST, {"squad": squad.pk})) == [mine.pk]
    assert ids(client.get(LIST, {"merchant": "bolt"})) == [theirs.pk]
    assert ids(client.get(LIST, {"merchant": str(acme.pk)})) == [mine.pk]
    assert ids(client.get(LIST, {"overdue": "yes"})) == [nobody.pk]  # a closed one is never overdue
    since = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    assert nobody.pk not in ids(client.get(LIST, {"created_at_from": since}))
    # nonsense in the filters is ignored or an error on the drawer, never a 500
    for params in ({"owner": "x'; drop"}, {"squad": "abc"}, {"created_at_from": "2026-13-45"}, {"kind": "zzz"},
                   {"overdue": "maybe"}, {"p": "999"}):
        assert client.get(LIST, params).status_code in (200, 404), params


def test_counts_per_status_and_exports(client, lead):
    for status in (AlertStatus.OPEN, AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.CLOSED):
        make_alert(merchant(name="=HYPERLINK(1)"), status=status)
    make_alert(merchant(name="Late Ltd"), AlertKind.RED_LINE, deadline=timezone.localdate() - dt.timedelta(days=1),
               data={"dimensions": [{"dimension": "returns", "points": "10.00"}]})
    login(client, lead)
    page = client.get(LIST)
    totals = page.context["totals"][0]
    assert totals["count"] == 5
    assert {f["key"]: f["display"] for f in totals["figures"]} == {"open": 3, "acknowledged": 1, "closed": 1,
                                                                   "overdue": 1}
    filtered = client.get(LIST, {"kind": "red_line"}).context["totals"][0]
    assert filtered["count"] == 1 and filtered["figures"][0]["display"] == 1
    response = client.get(LIST, {"export": "csv", "status": ["open", "acknowledged"]})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Alert", "Kind", "Merchant id"] and len(rows) == 5
    assert all(r[3].startswith("'=") or r[3] == "Late Ltd" for r in rows[1:])  # formulas defused
    assert sum(1 for r in rows[1:] if r[12] == "True") == 1  # the overdue column
    xlsx = client.get(LIST, {"export": "xlsx", "kind": "red_line"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content) if xlsx.streaming else xlsx.content)
                                   ).active
    assert sheet.max_row == 2 and "returns" not in str(sheet.cell(2, 16).value)
    from portal.models import AuditEntry

    assert AuditEntry.objects.filter(action="portal.alerts.exported").count() == 2


def _queries(client, params=None) -> int:
    client.get(LIST, params or {})
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_list(client, lead):
    squad = Squad.objects.create(name_zh="服饰", name_en="Apparel", lead=lead)
    for i in range(3):
        make_alert(merchant(name=f"Few {i}"), owner=lead, squad=squad)
    login(client, lead)
    small = _queries(client)
    owners = [staff_user(Role.LEAD.value) for _ in range(3)]
    for i in range(40):
        make_alert(merchant(name=f"Many {i}"), [AlertKind.SCORE_BELOW, AlertKind.RED_LINE][i % 2],
                   owner=owners[i % 3], squad=squad, data={"dimensions": []} if i % 2 else None)
    large = _queries(client)
    assert large == small, f"{small} queries for 3 alerts, {large} for 43"
    assert _queries(client, {"owner": "mine", "overdue": "no"}) == small


def test_the_page_shows_what_triggered_it_and_links(client, lead):
    m = merchant(name="Acme Trading")
    alert = make_alert(m, AlertKind.RED_LINE, owner=lead, data={"dimensions": [
        {"dimension": "on_time", "points": "40.00"}]})
    login(client, lead)
    page = client.get(f"/admin/alerts/{alert.pk}/").content.decode()
    assert "On-time delivery 40.00" in page or "40.00" in page
    assert reverse("ratings:merchant", args=[m.pk]) in page and f"?merchant={m.pk}" in page
    assert 'id="alert-acknowledge"' in page and 'value="suspended"' in page
    assert client.get("/admin/alerts/999999/").status_code == 404
    login(client, staff_user(Role.REVIEWER.value))
    page = client.get(f"/admin/alerts/{alert.pk}/").content.decode()
    assert 'id="alert-close"' not in page  # reviewers read
    assert client.post(f"/admin/alerts/{alert.pk}/", {"action": "close", "note": "x",
                                                     "outcome": "suspended"}).status_code == 403
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_acknowledge_then_close_with_the_outcome(client, lead):
    m = merchant(status=MerchantStatus.UNDER_REQUALIFICATION)
    alert = make_alert(m, AlertKind.REQUALIFICATION, owner=lead)
    login(client, lead)
    url = f"/admin/alerts/{alert.pk}/"
    assert client.post(url, {"action": "acknowledge", "note": "calling them"}).status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.note == "calling them"
    # bad input: a form error on the page, nothing changes
    for data in ({"action": "close", "note": "", "outcome": "active"},
                 {"action": "close", "note": "ok", "outcome": "renew"},
                 {"action": "close", "note": "ok", "outcome": "active_with_conditions", "conditions": " "},
                 {"action": "bogus"}):
        response = client.post(url, data)
        assert response.status_code in (200, 302), data
        alert.refresh_from_db()
        assert alert.status == AlertStatus.ACKNOWLEDGED, data
    response = client.post(url, {"action": "close", "note": "ok", "outcome": "active_with_conditions"})
    assert "Give the conditions" in response.content.decode()
    response = client.post(url, {"action": "close", "note": "plan agreed", "outcome": "active_with_conditions",
                                 "conditions": "Complaints under 3%"})
    assert response.status_code == 302
    alert.refresh_from_db()
    m.refresh_from_db()
    assert (alert.status, alert.outcome, alert.conditions) == (AlertStatus.CLOSED,
                                                               AlertOutcome.ACTIVE_WITH_CONDITIONS,
                                                               "Complaints under 3%")
    assert m.status == MerchantStatus.ACTIVE
    page = client.get(url).content.decode()
    assert 'id="alert-closed-note"' in page and 'id="alert-acknowledge"' not in page
    assert "Alert closed" in page and "Complaints under 3%" in page  # the timeline
    # a closed alert cannot be acknowledged again: the reason on the page, no 500
    response = client.post(url, {"action": "acknowledge", "note": "again"})
    assert response.status_code == 200 and "cannot be acknowledged again" in response.content.decode()


def test_a_refused_merchant_move_is_a_form_error(client, lead):
    m = merchant(status=MerchantStatus.SUSPENDED)
    alert = make_alert(m, AlertKind.RED_LINE, owner=lead, data={"dimensions": []})
    login(client, lead)
    response = client.post(f"/admin/alerts/{alert.pk}/", {"action": "close", "note": "fine", "outcome": "active"})
    assert response.status_code == 200 and "cannot be kept active" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_services_and_list_agree_after_transitions(client, lead):
    a = make_alert(merchant(), owner=lead)
    alert_acknowledge(alert=a, actor=lead)
    b = alert_close(alert=make_alert(merchant(), AlertKind.TAIL_REVIEW, data={"rank": 1, "count": 10}),
                    actor=lead, note="no", outcome=AlertOutcome.NOT_RENEW)
    login(client, lead)
    assert ids(client.get(LIST, {"status": "acknowledged"})) == [a.pk]
    rows = client.get(LIST, {"status": "closed", "export": "csv"})
    assert str(b.get_outcome_display()) in b"".join(rows.streaming_content).decode("utf-8-sig")
