"""The settlement screens of the admin: the statements and payouts lists (filters, totals, downloads, a constant
number of queries), a run's approval and payouts, the payout file (masked on screen and in the masked download,
full account numbers only for staff allowed to unmask, every download audited), marking paid, and the
reconciliation report."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client

from billing.models import Payout, PayoutFile, PayoutStatus, SettlementRun, Statement, StatementStatus
from billing.services.payouts import payout_file_create, settlement_run_approve
from portal.models import AuditEntry
from portal.roles import Role
from tests.factories.onboarding import MerchantFactory, staff_user
from tests.factories.settlements import LineSpec, bank_account_for, issued_run, statement_from_spec

pytestmark = pytest.mark.django_db
S = StatementStatus
D = Decimal
BASE = "/admin/billing/payouts/"


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


class World:
    def __init__(self):
        self.finance = staff_user(Role.FINANCE, first_name="Qian", last_name="Finance")
        self.finance2 = staff_user(Role.FINANCE, first_name="Zhao", last_name="Finance")
        self.management = staff_user(Role.MANAGEMENT, first_name="Sun", last_name="Director")
        self.run = issued_run(created_by=self.finance)
        self.older = issued_run(created_by=self.finance)
        self.m1, self.m2 = MerchantFactory(name="云帆商贸"), MerchantFactory(name="禾润食品")
        bank_account_for(self.m1, number="6222020200112233445")
        bank_account_for(self.m2, number="6228480000000009876")
        self.s1 = statement_from_spec(run=self.run, merchant=self.m1)
        self.s2 = statement_from_spec(run=self.run, merchant=self.m2, status=S.DISPUTED, spec=LineSpec(
            orders=[("2000.00", "0.00", "100.00")], frozen=["300.00"]))
        self.s3 = statement_from_spec(run=self.older, merchant=self.m1, spec=LineSpec(
            orders=[("100.00", "0.00", "5.00")], fees=["500.00"]))


@pytest.fixture
def w():
    return World()


def rows_of(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


def test_the_settlement_screens_are_for_finance(client, w):
    client.force_login(staff_user(Role.REVIEWER))
    for path in ("statements/", "", f"runs/{w.run.pk}/", f"runs/{w.run.pk}/reconciliation/"):
        assert client.get(BASE + path).status_code == 403
    assert client.post(BASE + f"runs/{w.run.pk}/approve/").status_code == 403
    assert SettlementRun.objects.get(pk=w.run.pk).status == SettlementRun.Status.ISSUED
    client.force_login(w.finance)
    menu = client.get("/admin/").content.decode()
    assert BASE + "statements/" in menu and f'"{BASE}"' in menu


def test_the_statements_list_filters_totals_and_downloads(client, w):
    client.force_login(w.finance)
    page = client.get(BASE + "statements/", {"run": w.run.pk}).content.decode()
    assert w.s1.number in page and w.s2.number in page and w.s3.number not in page
    totals = page[page.index('id="finance-totals"'):]
    assert 'data-total="count">2<' in totals and "¥2,850.00" in totals  # net payable 950 + 1,900
    page = client.get(BASE + "statements/", {"status": "disputed"}).content.decode()
    assert w.s2.number in page and w.s1.number not in page
    page = client.get(BASE + "statements/", {"merchant": "禾润"}).content.decode()
    assert w.s2.number in page and w.s1.number not in page
    page = client.get(BASE + "statements/", {"carried_forward": "yes"}).content.decode()
    assert w.s3.number in page and w.s1.number not in page
    rows = rows_of(client.get(BASE + "statements/", {"run": w.run.pk, "export": "csv"}))
    assert rows[0][:3] == ["Statement number", "Merchant", "Period start"]
    assert {row[0] for row in rows[1:]} == {w.s1.number, w.s2.number}
    assert AuditEntry.objects.filter(action="billing.finance.statements.exported").count() == 1


def test_the_statements_list_costs_the_same_queries_for_more_rows(client, w, django_assert_num_queries):
    client.force_login(w.finance)
    client.get(BASE + "statements/")  # warm up the session and the user's roles
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(BASE + "statements/")
    for _i in range(15):
        statement_from_spec(run=w.run, merchant=MerchantFactory(), status=S.CONFIRMED)
    with CaptureQueriesContext(connection) as many:
        page = client.get(BASE + "statements/").content.decode()
    assert page.count("statement_") >= 18
    assert len(many.captured_queries) == len(few.captured_queries)


def approve(w) -> SettlementRun:
    return settlement_run_approve(run=w.run, actor=w.finance2)


def test_finance_approves_the_run_from_its_page_and_the_maker_is_told_why_not(client, w):
    client.force_login(w.finance)
    page = client.get(BASE + f"runs/{w.run.pk}/", follow=True).content.decode()
    assert 'id="run-why-not"' in page and "another person has to approve it" in page
    assert 'id="run-approve"' not in page
    client.force_login(w.finance2)
    page = client.get(BASE + f"runs/{w.run.pk}/", follow=True).content.decode()
    assert 'id="run-approve"' in page and "One, by someone other than who started the run" in page
    response = client.post(BASE + f"runs/{w.run.pk}/approve/", {"note": "ok"}, follow=True)
    assert "Settlement run approved: 2 payouts to send." in response.content.decode()
    assert SettlementRun.objects.get(pk=w.run.pk).status == SettlementRun.Status.APPROVED


def test_a_refused_approval_comes_back_as_a_message(client, w):
    client.force_login(w.finance)  # the maker
    response = client.post(BASE + f"runs/{w.run.pk}/approve/", follow=True)
    assert response.status_code == 200
    assert "another person has to approve it" in response.content.decode()
    assert not Payout.objects.exists()


def test_the_payout_file_is_masked_on_screen_and_full_only_for_who_may_unmask(client, w):
    run = approve(w)
    client.force_login(w.finance)
    response = client.post(BASE + f"runs/{run.pk}/files/", follow=True)
    payout_file = PayoutFile.objects.get(run=run)
    assert f"Payout file {payout_file.reference} made." in response.content.decode()
    page = client.get(BASE + f"files/{payout_file.pk}/").content.decode()
    assert "**** **** 3445" in page and "6222020200112233445" not in page
    assert 'id="payout-file-csv-full"' in page
    masked = rows_of(client.get(BASE + f"files/{payout_file.pk}/", {"export": "csv"}))
    assert "Account number" in masked[0]
    column = masked[0].index("Account number")
    assert sorted(row[column] for row in masked[1:]) == ["**** **** 3445", "**** **** 9876"]
    full = rows_of(client.get(BASE + f"files/{payout_file.pk}/full/", {"export": "csv"}))
    assert sorted(row[column] for row in full[1:]) == ["6222020200112233445", "6228480000000009876"]
    amounts = sorted(D(row[full[0].index("Amount")]) for row in full[1:])
    assert amounts == [D("950.00"), D("1900.00")]
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(
        client.get(BASE + f"files/{payout_file.pk}/full/", {"export": "xlsx"}).streaming_content)))
    sheet = list(workbook.active.iter_rows(values_only=True))
    assert {row[column] for row in sheet[1:]} == {"6222020200112233445", "6228480000000009876"}
    downloads = list(AuditEntry.objects.filter(action="billing.payout_file.downloaded").order_by("id")
                     .values_list("data__full_numbers", flat=True))
    assert downloads == [False, True, True]
    # management approves but may not see full numbers: no button, and the full download is refused
    client.force_login(w.management)
    page = client.get(BASE + f"files/{payout_file.pk}/").content.decode()
    assert 'id="payout-file-csv-full"' not in page
    response = client.get(BASE + f"files/{payout_file.pk}/full/", {"export": "csv"}, follow=True)
    assert "6222020200112233445" not in response.content.decode()
    assert "You may not see full bank account numbers" in response.content.decode()
    assert AuditEntry.objects.filter(action="billing.payout_file.downloaded").count() == 3


def test_the_payouts_list_shows_masked_accounts_and_the_paid_total(client, w):
    run = approve(w)
    payout_file_create(run=run, actor=w.finance)
    client.force_login(w.finance)
    response = client.post(BASE + f"files/{PayoutFile.objects.get().pk}/paid/",
                           {"bank_reference": "ICBC-BATCH-9"}, follow=True)
    assert "2 payouts marked paid." in response.content.decode()
    page = client.get(BASE).content.decode()
    assert "**** **** 3445" in page and "6222020200112233445" not in page and "ICBC-BATCH-9" in page
    totals = page[page.index('id="finance-totals"'):]
    assert "¥2,850.00" in totals
    rows = rows_of(client.get(BASE, {"export": "csv", "status": "paid"}))
    assert len(rows) == 3 and all("6222020200112233445" not in cell for row in rows for cell in row)
    assert SettlementRun.objects.get(pk=run.pk).status == SettlementRun.Status.CLOSED


def test_a_payout_is_marked_paid_or_returned_from_its_page(client, w):
    run = approve(w)
    payout_file_create(run=run, actor=w.finance)
    p1, p2 = Payout.objects.get(statement=w.s1), Payout.objects.get(statement=w.s2)
    client.force_login(w.finance)
    page = client.get(BASE + f"{p1.pk}/").content.decode()
    assert 'id="payout-paid"' in page and "**** **** 3445" in page
    response = client.post(BASE + f"{p1.pk}/paid/", {"bank_reference": ""}, follow=True)
    assert "Bank reference: This field is required." in response.content.decode()
    client.post(BASE + f"{p1.pk}/paid/", {"bank_reference": "ICBC-1", "paid_on": "2026-11-25"})
    assert Payout.objects.get(pk=p1.pk).status == PayoutStatus.PAID
    client.post(BASE + f"{p2.pk}/returned/", {"reason": "account closed"})
    assert Payout.objects.get(pk=p2.pk).status == PayoutStatus.RETURNED
    page = client.get(BASE + f"{p1.pk}/").content.decode()
    assert "ICBC-1" in page and "Payout marked paid" in page


def test_the_reconciliation_report_lists_a_planted_difference(client, w):
    run = approve(w)
    payout_file_create(run=run, actor=w.finance)
    client.force_login(w.finance)
    page = client.get(BASE + f"runs/{run.pk}/reconciliation/").content.decode()
    assert 'id="reconciliation-ties-out"' in page
    Payout.objects.filter(statement=w.s2).update(amount=D("1900.50"))
    page = client.get(BASE + f"runs/{run.pk}/reconciliation/").content.decode()
    table = page[page.index('id="reconciliation-exceptions"'):]
    assert "Payout amount" in table and w.s2.number in table and "¥0.50" in table
    assert "Amount in the payout file" in table
    run_page = client.get(BASE + f"runs/{run.pk}/", follow=True).content.decode()
    assert 'data-ties-out="no"' in run_page
    response = client.get(BASE + f"runs/{run.pk}/reconciliation/", {"export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Check", "Where", "Merchant", "Currency", "Expected", "Found", "Difference"]
    assert ["Payout amount", w.s2.number, "禾润食品", "CNY", "1900.00", "1900.50", "0.50"] in rows
    assert AuditEntry.objects.filter(action="billing.reconciliation.exported").count() == 1
    assert Statement.objects.filter(run=run, status=S.APPROVED).count() == 2
