"""The staff list of order lines: who may open it, the "Performance" menu, the filters (merchant, category,
T range, source), the totals of the filtered rows, CSV/XLSX downloads of the same rows, and a page costing the
same number of queries for a few lines or many."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from itertools import count
from urllib.parse import urlencode

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEntry, Merchant, OrderLine
from portal.roles import Role
from tests.factories.onboarding import staff_user
from tests.factories.portal import CategoryFactory
from tests.onboarding.admin_support import english_admin

pytestmark = pytest.mark.django_db

_ids = count(1)


@pytest.fixture
def world():
    class World:
        yunfan = Merchant.objects.create(name="上海云帆贸易有限公司")
        herun = Merchant.objects.create(name="北京禾润食品有限公司")
        apparel = CategoryFactory(code="apparel", name_en="Apparel", name_zh="服装")
        food = CategoryFactory(code="food", name_en="Food", name_zh="食品")
        finance = staff_user(Role.FINANCE)
        lead = staff_user(Role.LEAD)
        reviewer = staff_user(Role.REVIEWER)

    english_admin(World.finance, World.lead, World.reviewer)
    lines(World.yunfan, World.apparel, 2, t=dt.date(2026, 11, 9), amount="100.00", source="api")
    lines(World.yunfan, World.food, 1, t=dt.date(2026, 11, 16), amount="40.00", source="import", refund="10.00")
    lines(World.herun, World.food, 3, t=dt.date(2026, 11, 2), amount="25.50", source="demo")
    return World


def lines(merchant, category, n, *, t, amount, source, refund="0", currency="CNY"):
    now = timezone.now()
    OrderLine.objects.bulk_create([
        OrderLine(external_id=f"OL-{next(_ids):05d}", merchant=merchant, category=category, amount=Decimal(amount),
                  currency=currency, completed_on=t - dt.timedelta(days=7), settleable_on=t,
                  refund_amount=Decimal(refund), refunded_on=t if Decimal(refund) else None, digest="0" * 32,
                  source=source, received_at=now, updated_at=now) for _ in range(n)])


def list_url(**params) -> str:
    return reverse("performance:order_lines") + ("?" + urlencode(params, doseq=True) if params else "")


def ids_on(page: str) -> set[str]:
    import re

    return set(re.findall(r"<td[^>]*>\s*(OL-\d{5})\s*</td>", page))


def test_the_menu_and_list_for_finance_and_leads_not_reviewers(client, world):
    client.force_login(world.finance)
    home = client.get("/admin/").content.decode()
    assert "Performance" in home and reverse("performance:order_lines") in home
    assert reverse("performance:import_new") in home
    client.force_login(world.lead)
    home = client.get("/admin/").content.decode()
    assert reverse("performance:order_lines") in home and reverse("performance:import_new") not in home
    assert client.get(list_url()).status_code == 200
    client.force_login(world.reviewer)
    assert reverse("performance:order_lines") not in client.get("/admin/").content.decode()
    response = client.get(list_url())
    assert response.status_code == 403 and 'id="performance-forbidden"' in response.content.decode()


def test_filters_merchant_category_t_range_and_source(client, world):
    client.force_login(world.finance)
    assert len(ids_on(client.get(list_url()).content.decode())) == 6
    by_merchant = ids_on(client.get(list_url(merchant="云帆")).content.decode())
    assert by_merchant == set(OrderLine.objects.filter(merchant=world.yunfan).values_list("external_id", flat=True))
    assert ids_on(client.get(list_url(merchant=str(world.herun.pk))).content.decode()) == set(
        OrderLine.objects.filter(merchant=world.herun).values_list("external_id", flat=True))
    by_category = ids_on(client.get(list_url(category=[world.food.pk])).content.decode())
    assert len(by_category) == 4
    in_range = ids_on(client.get(list_url(settleable_on_from="2026-11-03",
                                          settleable_on_to="2026-11-15")).content.decode())
    assert in_range == set(OrderLine.objects.filter(settleable_on=dt.date(2026, 11, 9))
                           .values_list("external_id", flat=True))
    assert len(ids_on(client.get(list_url(source=["import", "demo"])).content.decode())) == 4


def test_totals_follow_the_filter_per_currency(client, world):
    lines(world.herun, world.food, 1, t=dt.date(2026, 11, 2), amount="9.00", source="api", currency="USD")
    client.force_login(world.finance)
    page = client.get(list_url(category=[world.food.pk])).content.decode()
    assert 'data-currency="CNY"' in page and 'data-currency="USD"' in page
    assert "¥116.50" in page  # 40.00 + 3 × 25.50
    assert "¥10.00" in page  # the refund
    assert "$9.00" in page


def test_csv_and_xlsx_export_of_the_filtered_lines(client, world):
    client.force_login(world.finance)
    response = client.get(list_url(source=["import"], export="csv"))
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["Merchant"] == "上海云帆贸易有限公司" and row["Category code"] == "food"
    assert row["Amount"] == "40.00" and row["Refund amount"] == "10.00" and row["Settleable on (T)"] == "2026-11-16"
    assert row["Source"] == "File import"
    response = client.get(list_url(export="xlsx"))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    assert len(list(sheet.iter_rows(values_only=True))) == 1 + 6
    csv_entry, xlsx_entry = AuditEntry.objects.filter(action="portal.performance.order_lines.exported").order_by("pk")
    assert csv_entry.actor == world.finance and csv_entry.data == {"format": "csv", "params": {"source": ["import"]}}
    assert xlsx_entry.data["format"] == "xlsx"


def test_bad_filter_values_are_a_form_error_not_a_500(client, world):
    client.force_login(world.finance)
    response = client.get(list_url(settleable_on_from="not-a-date", source=["nope"], category=["x"],
                                   merchant="9" * 40))
    assert response.status_code == 200


def test_the_list_in_chinese(client, world):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(world.finance)
    profile.preferred_language = "zh-hans"
    profile.save()
    client.force_login(world.finance)
    page = client.get(list_url()).content.decode()
    assert "订单明细" in page and "T日" in page and "服装" in page


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_list(client, world, django_assert_max_num_queries):
    client.force_login(world.finance)
    small = _queries(client, list_url())
    for merchant in Merchant.objects.bulk_create([Merchant(name=f"Bulk {i}") for i in range(30)]):
        lines(merchant, world.apparel, 3, t=dt.date(2026, 11, 9), amount="1.00", source="api")
    large = _queries(client, list_url())
    assert large == small, f"{small} queries for 6 lines, {large} for 96"
    with django_assert_max_num_queries(15):
        client.get(list_url())


def test_imports_list_query_count_does_not_grow(client, world):
    from portal.models import PerformanceImport

    def imports(n):
        PerformanceImport.objects.bulk_create([
            PerformanceImport(kind="order_line", file="performance/imports/x.csv", filename=f"day-{i}.csv",
                              file_sha256="0" * 64, imported_at=timezone.now(),
                              imported_by=staff_user(Role.FINANCE), rows_total=3) for i in range(n)])

    client.force_login(world.finance)
    imports(2)
    small = _queries(client, reverse("performance:imports"))
    imports(40)
    large = _queries(client, reverse("performance:imports"))
    assert large == small <= 15
