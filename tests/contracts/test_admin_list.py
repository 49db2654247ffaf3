"""The contract list in the Wagtail admin: filters, search, columns, who may open it, the query count, and the
CSV/XLSX export of the filtered list and of selected rows."""

from __future__ import annotations

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

from contracts.models import Contract, ContractKind, ContractStatus
from portal.models import AuditEntry, CooperationMode, Merchant
from portal.roles import Role
from tests.factories.portal import CategoryFactory

from .admin_support import contract, list_url, merchant_user, staff, template_version

pytestmark = pytest.mark.django_db

S = ContractStatus


def rows(response) -> set[int]:
    assert response.status_code == 200, response.content[:500]
    return {c.pk for c in response.context["page_obj"].object_list}


@pytest.fixture
def world():
    today = timezone.localdate()
    apparel, fresh = CategoryFactory(code="apparel"), CategoryFactory(code="fresh")
    alpha = Merchant.objects.create(name="Alpha Apparel")
    contracts = {
        "draft": contract(status=S.DRAFT, merchant=alpha, categories=[apparel], grade="A",
                          merchant_legal_name="福州阿尔法服饰有限公司"),
        "issued": contract(status=S.ISSUED, mode=CooperationMode.JOINT, categories=[fresh], grade="B"),
        "active_soon": contract(status=S.ACTIVE, categories=[apparel, fresh], grade="C",
                                ends_on=today + dt.timedelta(days=20)),
        "expiring": contract(status=S.EXPIRING, mode=CooperationMode.FRANCHISE, grade="D",
                             ends_on=today + dt.timedelta(days=55)),
        "active_later": contract(status=S.ACTIVE, categories=[fresh], grade="A",
                                 ends_on=today + dt.timedelta(days=400)),
        "expired": contract(status=S.EXPIRED, ends_on=today - dt.timedelta(days=3)),
    }
    contracts["amendment"] = contract(status=S.DRAFT, merchant=contracts["active_later"].merchant,
                                      kind=ContractKind.AMENDMENT, parent=contracts["active_later"],
                                      number="HT-2026-AMEND-1")
    lead = staff(Role.LEAD)
    return {"lead": lead, "contracts": contracts, "apparel": apparel, "fresh": fresh, "alpha": alpha}


def ids(world, *names):
    return {world["contracts"][n].pk for n in names}


def test_lead_sees_every_contract(client, world):
    client.force_login(world["lead"])
    assert rows(client.get(list_url())) == ids(world, *world["contracts"])


@pytest.mark.parametrize(("params", "expected"), [
    ({"status": "active"}, ["active_soon", "active_later"]),
    ({"status": ["draft", "issued"]}, ["draft", "issued", "amendment"]),
    ({"mode": "joint"}, ["issued"]),
    ({"mode": ["franchise", "joint"]}, ["issued", "expiring"]),
    ({"grade": "A"}, ["draft", "active_later"]),
    ({"kind": "amendment"}, ["amendment"]),
    ({"expiring_within": "30"}, ["active_soon"]),
    ({"expiring_within": "60"}, ["active_soon", "expiring"]),
    ({"expiring_within": "0"}, []),
    ({"expiring_within": "60", "status": "expiring"}, ["expiring"]),
    ({"merchant": "alpha"}, ["draft"]),
    ({"merchant": "阿尔法"}, ["draft"]),
    ({"number": "AMEND"}, ["amendment"]),
    ({"q": "amend-1"}, ["amendment"]),
])
def test_filters_return_the_right_rows(client, world, params, expected):
    client.force_login(world["lead"])
    assert rows(client.get(list_url(**params))) == ids(world, *expected)


def test_category_filter_counts_each_contract_once(client, world):
    client.force_login(world["lead"])
    assert rows(client.get(list_url(category=world["fresh"].pk))) == ids(world, "issued", "active_soon",
                                                                         "active_later")
    response = client.get(list_url(category=world["apparel"].pk))
    assert [c.pk for c in response.context["page_obj"].object_list].count(world["contracts"]["active_soon"].pk) == 1
    assert rows(response) == ids(world, "draft", "active_soon")


def test_credit_code_finds_the_merchant(client, world):
    client.force_login(world["lead"])
    code = world["contracts"]["issued"].merchant_credit_code
    assert rows(client.get(list_url(merchant=code))) == ids(world, "issued")


@pytest.mark.parametrize("params", [{"expiring_within": "-1"}, {"expiring_within": "soon"},
                                    {"expiring_within": "99999"}, {"status": "bogus"}, {"category": "nope"}])
def test_invalid_filter_values_give_the_form_error_not_a_500(client, world, params):
    client.force_login(world["lead"])
    response = client.get(list_url(**params))
    assert response.status_code == 200
    assert response.context["filters"].errors


def test_columns_show_number_merchant_mode_status_grade_deposit_and_term_end(client, world):
    client.force_login(world["lead"])
    item = world["contracts"]["active_soon"]
    html = client.get(list_url(status="active", ordering="ends_on")).content.decode()
    assert item.number in html and item.merchant_legal_name in html
    assert "Platform entry" in html and "Active" in html
    assert "¥60,000.00" in html
    assert reverse("contracts_admin:detail", args=[item.pk]) in html
    headings = ["Contract number", "Merchant", "Cooperation mode", "Status", "Grade", "Deposit", "Term ends"]
    table = html[html.index('class="contracts-list-scroll"'):]
    head = table[:table.index("</thead>")]
    positions = [head.index(h) for h in headings]
    assert positions == sorted(positions)


def test_sorting_by_term_end_both_ways(client, world):
    client.force_login(world["lead"])
    binding = list_url(status=["active", "expiring"], ordering="ends_on")
    ordered = [c.pk for c in client.get(binding).context["page_obj"].object_list]
    assert ordered == [world["contracts"][n].pk for n in ("active_soon", "expiring", "active_later")]
    desc = list_url(status=["active", "expiring"], ordering="-ends_on")
    assert [c.pk for c in client.get(desc).context["page_obj"].object_list] == ordered[::-1]


@pytest.mark.parametrize("role", [Role.EDITOR, Role.REVIEWER])
def test_staff_of_other_areas_are_refused(client, world, role):
    client.force_login(staff(role))
    response = client.get(list_url())
    assert response.status_code == 403
    assert "page_obj" not in (response.context or {})
    assert "recruitment leads, compliance, finance and administrators" in response.content.decode()
    assert client.get(list_url(export="csv")).status_code == 403


def test_merchant_users_never_reach_the_list(client, world):
    client.force_login(merchant_user(world["alpha"]))
    response = client.get(list_url())
    # the admin's own gate: no admin access, so off to the admin's log-in page
    assert response.status_code == 302 and response["Location"].startswith(reverse("wagtailadmin_login"))
    assert client.get(list_url(export="csv")).status_code == 302


@pytest.mark.parametrize("role", [Role.COMPLIANCE, Role.FINANCE, Role.ADMIN])
def test_contract_roles_open_the_list(client, world, role):
    client.force_login(staff(role))
    assert rows(client.get(list_url())) == ids(world, *world["contracts"])


def test_menu_item_only_for_contract_staff(client, world):
    client.force_login(world["lead"])
    assert reverse("contracts_admin:index") in client.get("/admin/").content.decode()
    client.force_login(staff(Role.EDITOR))
    assert reverse("contracts_admin:index") not in client.get("/admin/").content.decode()


def _bulk(n: int, world) -> None:
    base = world["contracts"]["active_later"]
    today = timezone.localdate()
    Contract.objects.bulk_create([
        Contract(number=f"BULK-{Contract.objects.count()}-{i}", merchant=Merchant.objects.create(name=f"Bulk {i}")
                 if i % 50 == 0 else base.merchant, mode=CooperationMode.PLATFORM,
                 template_version=template_version(), status=S.ACTIVE, merchant_legal_name=f"Bulk {i}",
                 grade="B", deposit_amount=Decimal(i), ends_on=today + dt.timedelta(days=i % 90))
        for i in range(n)
    ], batch_size=500)


def _count(client, url) -> int:
    client.get(url)  # warm the caches (site, settings, content types)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"expiring_within": "60", "category": "fresh", "ordering": "-ends_on"}])
def test_query_count_does_not_grow_with_the_list(client, world, params):
    client.force_login(world["lead"])
    if params.get("category"):
        params = {**params, "category": world["fresh"].pk}
    url = list_url(**params)
    _bulk(10, world)
    small = _count(client, url)
    _bulk(1000, world)
    large = _count(client, url)
    assert Contract.objects.count() > 1000
    assert large == small, f"{small} queries for the short list, {large} for the long one"
    assert large <= 20


# ------------------------------------------------------------------------------------------------- export


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def read_xlsx(response) -> list[dict]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    data = list(sheet.iter_rows(values_only=True))
    # read-only mode leaves out trailing empty cells
    return [dict(zip(data[0], tuple(row) + (None,) * (len(data[0]) - len(row)), strict=True)) for row in data[1:]]


def test_csv_export_of_the_filtered_list(client, world):
    client.force_login(world["lead"])
    exported = read_csv(client.get(list_url(status="active", export="csv")))
    by_number = {r["Contract number"]: r for r in exported}
    assert set(by_number) == {world["contracts"][n].number for n in ("active_soon", "active_later")}
    row = by_number[world["contracts"]["active_soon"].number]
    assert row["Status"] == "Active" and row["Cooperation mode"] == "Platform entry"
    assert row["Deposit"] == "60000.00" and row["Currency"] == "CNY"
    assert set(row["Categories"].split(", ")) == {world["apparel"].name_en, world["fresh"].name_en}
    entry = AuditEntry.objects.get(action="contracts.contract_list.exported")
    assert entry.actor == world["lead"] and entry.data["params"] == {"status": ["active"]}


def test_xlsx_export_keeps_chinese_and_defuses_formulas(client, world):
    contract(status=S.DRAFT, merchant_legal_name='=HYPERLINK("http://x")')
    client.force_login(world["lead"])
    exported = read_xlsx(client.get(list_url(status="draft", export="xlsx")))
    names = {r["Registered name"] for r in exported}
    assert "福州阿尔法服饰有限公司" in names and "'=HYPERLINK(\"http://x\")" in names


def test_export_of_selected_rows(client, world):
    client.force_login(world["lead"])
    wanted = [world["contracts"]["draft"].pk, world["contracts"]["expired"].pk]
    url = reverse("contracts_admin:bulk_export", args=["csv"]) + "?" + urlencode({"id": wanted}, doseq=True)
    assert {r["Contract number"] for r in read_csv(client.get(url))} == {
        world["contracts"]["draft"].number, world["contracts"]["expired"].number}
    url = reverse("contracts_admin:bulk_export", args=["csv"]) + "?id=all&mode=joint"
    assert [r["Contract number"] for r in read_csv(client.get(url))] == [world["contracts"]["issued"].number]


def test_a_selection_of_non_ids_is_a_400_naming_them(client, world):
    client.force_login(world["lead"])
    url = reverse("contracts_admin:bulk_export", args=["csv"])
    response = client.get(url + "?id=1&id=DROP&id=99999999999999999999")
    assert response.status_code == 400
    assert "DROP" in response.content.decode()


def urlencode(params, doseq=False):
    from urllib.parse import urlencode as encode

    return encode(params, doseq=doseq)
