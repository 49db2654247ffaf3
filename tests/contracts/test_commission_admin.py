"""A contract's commission page in the admin, and the override services behind its buttons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from contracts.commission.overrides import (
    CommissionOverrideInvalid,
    commission_override_approve,
    commission_override_propose,
    commission_override_reject,
)
from contracts.commission.tables import commission_today
from contracts.models import CommissionOverride
from portal.exceptions import InvalidTransition, PermissionDenied
from portal.models import AuditEntry
from tests.factories.commission import categories, contract, staff, table

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def setup(client):
    table(bands=[("apparel", "1000000", "10")])
    c = contract(grade="A", launch_offer=True, activated_at=dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC),
                 category_codes=["apparel", "3c"])
    user = staff("finance")
    client.force_login(user)
    return client, c, user


def _url(c) -> str:
    return reverse("contracts_commission", args=[c.pk])


def _get(client, c, **params):
    return client.get(_url(c), params, HTTP_ACCEPT_LANGUAGE="en")


def test_page_shows_todays_table_for_each_contract_category(setup):
    client, c, _user = setup
    response = _get(client, c)
    assert response.status_code == 200
    rows = {row["category"].code: row for row in response.context["rows"]}
    assert set(rows) == {"apparel", "3c"}
    assert rows["apparel"]["base"] == "12%"
    # below the band and from ¥1,000,000: launch is over today (Dec 2026), grade A −10%
    assert [b["final"] for b in rows["apparel"]["bands"]] == ["10.8%", "9%"]
    assert [b["final"] for b in rows["3c"]["bands"]] == ["4.5%"]
    html = response.content.decode()
    assert "Commission table in effect today" in html and "10.8%" in html


def test_what_rate_tool_returns_the_explained_rate(setup):
    client, c, _user = setup
    response = _get(client, c, category=categories()["apparel"].pk, period_gmv="1200000", on="2026-05-01", grade="")
    assert response.status_code == 200
    result = response.context["result"]
    assert result["rate"] == "4.5%"
    assert [(s["label"], s["output"]) for s in result["steps"]] == [
        ("Category base rate", "12%"), ("GMV ladder", "10%"), ("Launch offer", "5%"), ("Credit discount", "4.5%"),
        ("Floor", "4.5%")]
    html = response.content.decode()
    assert "Rate: 4.5% (table v1)" in html
    assert "From ¥1,000,000.00 of the previous period&#x27;s GMV" in html
    assert "× 0.5 until 2026-07-01" in html
    assert "Grade A: −10% of the rate" in html


@pytest.mark.parametrize("params", [
    {"period_gmv": "abc", "on": "2026-05-01"},
    {"period_gmv": "-5", "on": "2026-05-01"},
    {"period_gmv": "100", "on": "not a day"},
    {"period_gmv": "100", "on": "2026-05-01", "grade": "Z"},
    {"period_gmv": "", "on": ""},
])
def test_bad_input_gives_form_errors_not_a_server_error(setup, params):
    client, c, _user = setup
    response = _get(client, c, category=categories()["apparel"].pk, **params)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["result"] is None


def test_a_category_outside_the_contract_is_a_form_error(setup):
    client, c, _user = setup
    response = _get(client, c, category=categories()["fresh"].pk, period_gmv="0", on="2026-05-01")
    assert "category" in response.context["form"].errors


def test_a_day_before_any_table_is_a_form_error(setup):
    client, c, _user = setup
    response = _get(client, c, category=categories()["apparel"].pk, period_gmv="0", on="2025-06-01")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["No commission table is in effect on 2025-06-01."]


def test_unknown_contract_is_404_and_other_roles_are_refused(setup, client):
    client_, c, _user = setup
    assert client_.get(reverse("contracts_commission", args=[c.pk + 999])).status_code == 404
    client.force_login(staff("recruitment_reviewer"))
    refused = client.get(_url(c))  # the admin turns a refusal into a redirect home with a message
    assert (refused.status_code, refused.url) == (302, reverse("wagtailadmin_home"))
    for role in ("recruitment_lead", "compliance", "admin"):
        client.force_login(staff(role))
        assert client.get(_url(c)).status_code == 200, role


def test_page_queries_do_not_grow_with_the_contracts_categories(setup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, c, _user = setup
    wide = contract(grade="B", ladder=[("0", "9"), ("500000", "8")],
                    category_codes=["apparel", "3c", "fresh", "pets", "fitness", "other"])
    _get(client, c)
    counts = []
    for one in (c, wide):
        with CaptureQueriesContext(connection) as queries:
            response = _get(client, one)
        counts.append(len(queries))
    assert len(response.context["rows"]) == 6
    assert counts[0] == counts[1]


# ---------------------------------------------------------------------------- overrides through the page


def test_override_proposed_on_the_page_and_approved_by_another_person(setup, client):
    client_, c, maker = setup
    start = commission_today()
    response = client_.post(reverse("contracts_commission_override_propose", args=[c.pk]), {
        "category": categories()["apparel"].pk, "rate_percent": "7", "effective_from": start.isoformat(),
        "effective_to": "", "reason": "strategic pilot"})
    assert response.status_code == 302
    override = CommissionOverride.objects.get()
    assert (override.status, override.proposed_by, override.reason) == ("proposed", maker, "strategic pilot")
    # the proposer's own approval is refused with a message
    client_.post(reverse("contracts_commission_override_decide", args=[c.pk, override.pk, "approve"]))
    override.refresh_from_db()
    assert override.status == "proposed"
    checker = staff("recruitment_lead")
    client.force_login(checker)
    client.post(reverse("contracts_commission_override_decide", args=[c.pk, override.pk, "approve"]))
    override.refresh_from_db()
    assert (override.status, override.approved_by) == ("approved", checker)
    response = _get(client, c, category=categories()["apparel"].pk, period_gmv="0", on=start.isoformat())
    steps = response.context["result"]["steps"]
    assert ("Approved override", "7%") in [(s["label"], s["output"]) for s in steps]
    assert f"override #{override.pk}" in [s["source"] for s in steps]


def test_override_proposal_without_reason_shows_the_errors(setup):
    client, c, _user = setup
    response = client.post(reverse("contracts_commission_override_propose", args=[c.pk]), {
        "category": "", "rate_percent": "101", "effective_from": "2020-01-01", "reason": ""})
    assert response.status_code == 400
    form = response.context["override_form"]
    assert {"reason", "rate_percent"} <= set(form.errors)
    assert not CommissionOverride.objects.exists()


# ---------------------------------------------------------------------------- the override services


def test_override_services_require_reason_a_second_person_and_write_audit_entries(setup):
    _client, c, maker = setup
    today = commission_today()
    with pytest.raises(CommissionOverrideInvalid) as bad:
        commission_override_propose(contract=c, rate_percent=D("5"), reason=" ", effective_from=today, actor=maker)
    assert "reason" in bad.value.errors
    with pytest.raises(CommissionOverrideInvalid) as past:
        commission_override_propose(contract=c, rate_percent=D("5"), reason="x",
                                    effective_from=today - dt.timedelta(days=1), actor=maker)
    assert "effective_from" in past.value.errors
    with pytest.raises(PermissionDenied):
        commission_override_propose(contract=c, rate_percent=D("5"), reason="x", effective_from=today,
                                    actor=staff("recruitment_reviewer"))
    o = commission_override_propose(contract=c, rate_percent=D("5"), reason="x", effective_from=today, actor=maker)
    with pytest.raises(PermissionDenied):
        commission_override_approve(override=o, actor=maker)
    with pytest.raises(PermissionDenied):
        commission_override_approve(override=o, actor=staff("compliance"))
    checker = staff("admin")
    commission_override_approve(override=o, actor=checker, note="ok")
    commission_override_approve(override=o, actor=checker)  # already approved: quiet
    with pytest.raises(InvalidTransition):
        commission_override_reject(override=o, actor=staff("finance"))
    actions = list(AuditEntry.objects.filter(target_id=str(o.pk), action__startswith="contracts.commission_override")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["contracts.commission_override.proposed", "contracts.commission_override.approved"]


def test_rejected_override_never_applies(setup):
    _client, c, maker = setup
    o = commission_override_propose(contract=c, rate_percent=D("2"), reason="x", effective_from=commission_today(),
                                    actor=maker)
    commission_override_reject(override=o, actor=staff("finance"), note="no")
    o.refresh_from_db()
    assert o.status == "rejected"
    from contracts.commission import commission_rate

    result = commission_rate(contract=c, category=categories()["3c"], period_gmv=D(0), on=commission_today())
    assert result.override_id is None
