"""CSV/XLSX export of the review queue and the bulk actions on selected rows."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from onboarding.models import ApplicationStatus
from portal.roles import Role
from tests.factories.portal import CategoryFactory

from .admin_support import application, queue_url, squad_with, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    cat_a, cat_b = CategoryFactory(code="apparel"), CategoryFactory(code="fresh")
    rev_a, rev_a2, rev_b = staff(Role.REVIEWER), staff(Role.REVIEWER), staff(Role.REVIEWER)
    lead = staff(Role.LEAD)
    squad_a = squad_with(name="Squad A", categories=[cat_a], members=[rev_a, rev_a2])
    squad_b = squad_with(name="Squad B", categories=[cat_b], members=[rev_b])
    a1 = application(squad=squad_a, reviewer=rev_a, company_name="福州服饰有限公司", score=80)
    a2 = application(squad=squad_a, reviewer=rev_a, company_name="=HYPERLINK(\"http://x\")", score=30,
                     status=ApplicationStatus.SUBMITTED)
    b1 = application(squad=squad_b, reviewer=rev_b, company_name="Berry Fresh", score=55)
    return {"lead": lead, "rev_a": rev_a, "rev_a2": rev_a2, "rev_b": rev_b, "a1": a1, "a2": a2, "b1": b1,
            "squad_a": squad_a}


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def read_xlsx(response) -> list[dict]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_csv_export_of_the_filtered_queue(client, world):
    client.force_login(world["lead"])
    rows = read_csv(client.get(queue_url(status="in_review", export="csv")))
    assert {int(r["ID"]) for r in rows} == {world["a1"].pk, world["b1"].pk}
    by_id = {int(r["ID"]): r for r in rows}
    row = by_id[world["a1"].pk]
    assert row["Company"] == "福州服饰有限公司"
    assert row["Squad"] == "Squad A" and row["Status"] == "In review" and row["Screening score"] == "80"
    assert row["SLA"] == "On time"
    assert row["Contact email"] == world["a1"].contact_email


def test_exports_are_logged(client, world):
    from portal.models import AuditEntry

    client.force_login(world["rev_a"])
    read_csv(client.get(queue_url(status="in_review", export="csv")))
    entry = AuditEntry.objects.get(action="onboarding.application_queue.exported")
    assert entry.actor == world["rev_a"]
    assert entry.data == {"format": "csv", "scope": "queue", "params": {"status": ["in_review"]}}


def test_xlsx_export_of_the_filtered_queue(client, world):
    client.force_login(world["lead"])
    rows = read_xlsx(client.get(queue_url(score_min="50", export="xlsx")))
    assert {r["ID"] for r in rows} == {world["a1"].pk, world["b1"].pk}
    assert {r["Company"] for r in rows} == {"福州服饰有限公司", "Berry Fresh"}
    assert all(r["Submitted"] is not None for r in rows)


def test_exports_defuse_spreadsheet_formulas(client, world):
    client.force_login(world["lead"])
    rows = read_csv(client.get(queue_url(export="csv")))
    assert {r["Company"] for r in rows} >= {"'=HYPERLINK(\"http://x\")"}
    xrows = read_xlsx(client.get(queue_url(export="xlsx")))
    assert "'=HYPERLINK(\"http://x\")" in {r["Company"] for r in xrows}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_is_scoped_like_the_queue(client, world, fmt):
    client.force_login(world["rev_b"])
    response = client.get(queue_url(export=fmt))
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    assert {int(r["ID"]) for r in rows} == {world["b1"].pk}


def bulk_url(name: str, *args, ids=()) -> str:
    query = "&".join(f"id={i}" for i in ids)
    return reverse(f"onboarding_review:{name}", args=args) + (f"?{query}" if query else "")


def test_export_selected_rows_only_within_scope(client, world):
    client.force_login(world["rev_a"])
    response = client.get(bulk_url("bulk_export", "csv", ids=[world["a1"].pk, world["b1"].pk]))
    assert {int(r["ID"]) for r in read_csv(response)} == {world["a1"].pk}
    response = client.get(bulk_url("bulk_export", "xlsx", ids=[world["a1"].pk, world["a2"].pk]))
    assert {r["ID"] for r in read_xlsx(response)} == {world["a1"].pk, world["a2"].pk}


def test_select_all_in_the_queue_keeps_the_filters(client, world):
    client.force_login(world["lead"])
    response = client.get(reverse("onboarding_review:bulk_export", args=["csv"]) + "?id=all&status=submitted")
    assert {int(r["ID"]) for r in read_csv(response)} == {world["a2"].pk}


def test_bulk_assign_by_a_lead(client, world):
    client.force_login(world["lead"])
    url = bulk_url("bulk_assign", ids=[world["a1"].pk, world["a2"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert {a.pk for a in page.context["applications"]} == {world["a1"].pk, world["a2"].pk}
    response = client.post(url, {"reviewer": world["rev_a2"].pk, "reason": "Balancing the load"})
    assert response.status_code == 302
    for key in ("a1", "a2"):
        world[key].refresh_from_db()
        assert world[key].assigned_reviewer == world["rev_a2"]
    assert any("2 applications assigned" in str(m) for m in get_messages(response.wsgi_request))


def test_bulk_assign_reports_rows_that_cannot_go_to_that_reviewer(client, world):
    client.force_login(world["lead"])
    url = bulk_url("bulk_assign", ids=[world["a1"].pk, world["b1"].pk])
    response = client.post(url, {"reviewer": world["rev_a2"].pk})
    world["a1"].refresh_from_db()
    world["b1"].refresh_from_db()
    assert world["a1"].assigned_reviewer == world["rev_a2"]
    assert world["b1"].assigned_reviewer == world["rev_b"]  # not a member of squad B
    levels = [m.level_tag for m in get_messages(response.wsgi_request)]
    assert levels.count("success") == 1 and levels.count("error") == 1


def test_bulk_assign_is_for_leads_only(client, world):
    client.force_login(world["rev_a"])
    response = client.post(bulk_url("bulk_assign", ids=[world["a1"].pk]), {"reviewer": world["rev_a2"].pk})
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    world["a1"].refresh_from_db()
    assert world["a1"].assigned_reviewer == world["rev_a"]
    # and the queue does not offer it to them
    page = client.get(queue_url())
    assert all("bulk/assign" not in a["url"] for a in page.context["bulk_actions"])


# Wider than 64 bits, exactly 2**63, not ASCII digits, signed, decimal: no id, and never a server error.
NOT_IDS = ["9" * 30, str(2**63), "²", "٣", "-1", "1.0", "0x1", "1 OR 1=1"]


@pytest.mark.parametrize("bad", NOT_IDS)
def test_bulk_actions_answer_a_selection_that_is_not_ids_with_400(client, world, bad):
    client.force_login(world["lead"])
    assign = bulk_url("bulk_assign", ids=[world["a1"].pk, bad])
    for response in (client.get(assign), client.post(assign, {"reviewer": world["rev_a2"].pk}),
                     client.get(bulk_url("bulk_export", "csv", ids=[bad]))):
        assert response.status_code == 400
        body = response.content.decode()
        assert "not application numbers" in body
    world["a1"].refresh_from_db()
    assert world["a1"].assigned_reviewer == world["rev_a"]


def test_the_largest_id_is_valid_and_simply_not_found(client, world):
    client.force_login(world["lead"])
    page = client.get(bulk_url("bulk_assign", ids=[2**63 - 1, world["a1"].pk]))
    assert page.status_code == 200
    assert [a.pk for a in page.context["applications"]] == [world["a1"].pk]


@pytest.mark.parametrize("bad", ["9" * 30, str(2**63)])
def test_application_pages_with_ids_beyond_64_bits_are_404(client, world, bad):
    client.force_login(world["lead"])
    for path in (f"{bad}/", f"{bad}/files/{bad}/", f"{world['a1'].pk}/files/{bad}/"):
        assert client.get(f"/admin/applications/{path}").status_code == 404
    assert client.post(f"/admin/applications/{world['a1'].pk}/documents/{bad}/check/").status_code == 404
