"""Subsidy enrolments in the admin: the list with filters (merchant, policy item, year) and, for the year, the
item's annual cap, what statements used of it (SubsidyUsage) and what is left, in a fixed number of queries; finance
enrols and changes dates through the service (checked, audited); management reads only; bad input lands on the
fields and writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import SubsidyEnrolment, SubsidyUsage
from billing.services.subsidy_enrolments import subsidy_enrolment_create
from portal.exceptions import PermissionDenied
from portal.models import AuditEntry
from portal.roles import Role
from tests.billing.settlement_world import WEEK1, enrol, logistics_subsidy, merchant_active, orders, run_built
from tests.factories.commission import table
from tests.factories.onboarding import staff_user
from tests.factories.policy import PolicyItemFactory
from tests.onboarding.admin_support import english_admin

pytestmark = pytest.mark.django_db
D = Decimal
INDEX = "billing_subsidies:index"


@pytest.fixture(autouse=True)
def commission_table():
    return table()


def staff_client(user) -> Client:
    english_admin(user)
    client = Client()
    client.force_login(user)
    return client


def rows(response) -> dict[str, list[str]]:
    """merchant name → the row's cells, from the rendered list."""
    import re

    html = response.content.decode()
    html = re.search(r'<table class="listing.*?</table>', html, flags=re.S)
    html = html.group(0) if html else ""
    out = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S)[1:]:
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if cells:
            out[cells[0].split("\n")[0].strip()] = cells
    return out


def test_the_list_shows_the_cap_used_and_remaining_for_the_year_and_filters():
    item = logistics_subsidy(rate="0.5", cap="12.00")
    used_one, fresh_one = merchant_active(), merchant_active()
    for c, name in ((used_one, "云帆服饰"), (fresh_one, "Hill Farm")):
        c.merchant.name = name
        c.merchant.save(update_fields=["name"])
    enrol(used_one.merchant, item)
    enrol(fresh_one.merchant, item, starts_on=dt.date(2026, 6, 1))
    orders(used_one.merchant, day=dt.date(2026, 11, 4), amounts=["100.00"] * 10)
    run_built(WEEK1)
    assert SubsidyUsage.objects.get(merchant=used_one.merchant).amount == D("5.00")

    client = staff_client(staff_user(Role.FINANCE))
    page = client.get(reverse(INDEX))
    assert page.status_code == 200
    listed = rows(page)
    assert set(listed) == {"云帆服饰", "Hill Farm"}
    assert listed["云帆服饰"][5:8] == ["¥12.00", "¥5.00", "¥7.00"]
    assert listed["Hill Farm"][5:8] == ["¥12.00", "¥0.00", "¥12.00"]

    assert set(rows(client.get(reverse(INDEX), {"merchant": "云帆"}))) == {"云帆服饰"}
    other = PolicyItemFactory(code="other_subsidy")
    assert rows(client.get(reverse(INDEX), {"item": item.pk})).keys() == {"云帆服饰", "Hill Farm"}
    # an item no run pays per order is not even offered as a filter: the filter's own message, not a 500
    refused = client.get(reverse(INDEX), {"item": other.pk})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert rows(client.get(reverse(INDEX), {"year": "2025"})) == {}  # neither was enrolled in 2025
    # another year: its own usage (none in 2027), the enrolments still in force
    assert rows(client.get(reverse(INDEX), {"year": "2027"}))["云帆服饰"][5:8] == ["¥12.00", "¥0.00", "¥12.00"]
    assert client.get(reverse(INDEX), {"year": "1999"}).status_code == 200  # not a choice: ignored, no 500

    export = client.get(reverse(INDEX), {"export": "csv", "merchant": "云帆"})
    import csv
    import io

    [header, row] = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert row[:2] == ["云帆服饰", "logistics_subsidy"]
    assert [D(value) for value in row[6:9]] == [D("12"), D("5"), D("7")]


def test_the_list_costs_the_same_queries_for_one_or_many_enrolments():
    item = logistics_subsidy()
    client = staff_client(staff_user(Role.FINANCE))
    enrol(merchant_active().merchant, item)
    client.get(reverse(INDEX))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse(INDEX))
    for _n in range(12):
        enrol(merchant_active().merchant, item)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse(INDEX))
    assert len(rows(page)) == 13
    assert len(many.captured_queries) == len(one.captured_queries)


def test_finance_enrols_a_merchant_and_the_change_is_audited():
    item = logistics_subsidy()
    c = merchant_active()
    finance = staff_user(Role.FINANCE)
    client = staff_client(finance)
    assert client.get(reverse("billing_subsidies:create")).status_code == 200
    response = client.post(reverse("billing_subsidies:create"), {
        "merchant": c.merchant.pk, "item": item.pk, "starts_on": "2026-12-01", "ends_on": "", "cross_border": "on"})
    assert response.status_code == 302 and response["Location"] == reverse(INDEX)
    enrolment = SubsidyEnrolment.objects.get()
    assert (enrolment.merchant, enrolment.item, enrolment.starts_on, enrolment.ends_on, enrolment.cross_border,
            enrolment.created_by) == (c.merchant, item, dt.date(2026, 12, 1), None, True, finance)
    entry = AuditEntry.objects.get(action="billing.subsidy_enrolment.created")
    assert entry.actor == finance and entry.data["item"] == "logistics_subsidy"

    edited = client.post(reverse("billing_subsidies:edit", args=[enrolment.pk]),
                         {"starts_on": "2026-12-01", "ends_on": "2027-06-30"})
    assert edited.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.ends_on, enrolment.cross_border) == (dt.date(2027, 6, 30), False)
    change = AuditEntry.objects.get(action="billing.subsidy_enrolment.changed")
    assert change.data["before"]["ends_on"] is None and change.data["after"]["ends_on"] == "2027-06-30"
    page = client.get(reverse("billing_subsidies:edit", args=[enrolment.pk])).content.decode()
    assert "Enrolled for the subsidy" in page and "Subsidy enrolment changed" in page


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"starts_on": "2026-12-10", "ends_on": "2026-12-01"}, "ends_on", "cannot end before it starts"),
    ({"starts_on": "2026-03-01"}, "starts_on", "already enrolled for this item from 2026-01-01"),
    ({"starts_on": "not a date"}, "starts_on", ""),  # the form's own checks (in the admin's language)
    ({"item": "other"}, "item", ""),  # not paid per order: not offered
])
def test_bad_input_lands_on_its_field_and_writes_nothing(data, field, message):
    item = logistics_subsidy()
    other = PolicyItemFactory(code="other_subsidy")
    c = merchant_active()
    enrol(c.merchant, item, starts_on=dt.date(2026, 1, 1))
    client = staff_client(staff_user(Role.FINANCE))
    post = {"merchant": c.merchant.pk, "item": item.pk, "starts_on": "2026-12-01", "ends_on": ""} | data
    if post["item"] == "other":
        post["item"] = other.pk
    response = client.post(reverse("billing_subsidies:create"), post)
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field]), response.context["form"].errors
    assert SubsidyEnrolment.objects.count() == 1
    assert not AuditEntry.objects.filter(action="billing.subsidy_enrolment.created").exists()


def test_the_service_refuses_items_not_paid_per_order_and_non_finance_users():
    from django.core.exceptions import ValidationError

    other = PolicyItemFactory(code="other_subsidy")
    c = merchant_active()
    with pytest.raises(ValidationError) as error:
        subsidy_enrolment_create(merchant=c.merchant, item=other, starts_on=dt.date(2026, 1, 1),
                                 actor=staff_user(Role.FINANCE))
    assert "not paid per order" in error.value.message_dict["item"][0]
    with pytest.raises(PermissionDenied):
        subsidy_enrolment_create(merchant=c.merchant, item=logistics_subsidy(), starts_on=dt.date(2026, 1, 1),
                                 actor=staff_user(Role.MANAGEMENT))


def test_management_reads_but_cannot_write_and_others_get_403():
    item = logistics_subsidy()
    c = merchant_active()
    enrolment = enrol(c.merchant, item)
    manager = staff_client(staff_user(Role.MANAGEMENT))
    page = manager.get(reverse(INDEX))
    assert page.status_code == 200 and reverse("billing_subsidies:create") not in page.content.decode()
    edit = manager.get(reverse("billing_subsidies:edit", args=[enrolment.pk])).content.decode()
    assert 'id="subsidy-enrolment-read-only"' in edit
    refused = manager.post(reverse("billing_subsidies:edit", args=[enrolment.pk]),
                           {"starts_on": "2026-02-01", "ends_on": ""})
    assert refused.status_code == 400 and "Only finance records subsidy enrolments." in refused.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.starts_on == dt.date(2026, 1, 1)
    assert staff_client(staff_user(Role.REVIEWER)).get(reverse(INDEX)).status_code == 403
