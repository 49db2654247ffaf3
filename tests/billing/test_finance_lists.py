"""The finance lists of the admin: who may open them, the Finance menu, filters, the totals of the filtered rows,
CSV/XLSX downloads, the deposit's page, and a query count that does not grow with the list."""

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

from billing.admin_views.finance_viewset import MENU
from billing.models import Deduction, DepositAccount, Invoice, LedgerEntry, Payment, Refund
from billing.services.ledger import ledger_append
from billing.services.payments import deposit_payment_open, payment_pending, payment_succeeded
from portal.models import AuditEntry, Merchant
from portal.roles import Role
from tests.factories.billing import BillingWorld
from tests.factories.onboarding import staff_user

pytestmark = pytest.mark.django_db

LISTS = [view.url_name for view, *_rest in MENU]


@pytest.fixture
def client():
    """The admin in English (it follows the browser's language; the site's default is Chinese)."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def w():
    world = BillingWorld()
    payment = deposit_payment_open(account=world.account, provider="bank_transfer", actor=world.owner)
    payment_succeeded(payment=payment, actor=world.finance_staff)
    ledger_append(account=world.account, kind="freeze", amount=Decimal("1000"), currency="CNY",
                  hold_reference="dp_1")
    return world


def list_url(name: str, **params) -> str:
    from urllib.parse import urlencode

    base = reverse(f"billing_finance:{name}")
    return base + ("?" + urlencode(params, doseq=True) if params else "")


def _accounts(n: int, *, start: int = 0) -> None:
    """n more merchants with a deposit account and two ledger entries each."""
    merchants = Merchant.objects.bulk_create([Merchant(name=f"Bulk merchant {start + i}") for i in range(n)])
    accounts = DepositAccount.objects.bulk_create([
        DepositAccount(merchant=m, currency="CNY", required_amount=Decimal("20000"),
                       status=DepositAccount.Status.AWAITING) for m in merchants])
    LedgerEntry.objects.bulk_create([
        LedgerEntry(account=a, kind=kind, amount=Decimal(amount), currency="CNY")
        for a in accounts for kind, amount in (("payment", "5000"), ("payment", "2500"))])
    Payment.objects.bulk_create([
        Payment(merchant=m, purpose="deposit", provider=p, amount=Decimal("7500"), currency="CNY", account=a,
                status=s, reference=f"ZS-B{start + i:03d}-{p[:4].upper()}")
        for i, (m, a) in enumerate(zip(merchants, accounts, strict=True))
        for p, s in (("stripe", "succeeded"), ("bank_transfer", "pending"))])
    Refund.objects.bulk_create([
        Refund(merchant=m, reason="fee", provider="bank_transfer", account=a, amount=Decimal("10"), currency="CNY",
               due_on=timezone.localdate()) for m, a in zip(merchants, accounts, strict=True)])
    Invoice.objects.bulk_create([
        Invoice(merchant=m, currency="CNY", total=Decimal("100"), status="draft") for m in merchants])


def test_the_finance_menu_and_lists_are_for_finance_management_and_admins(client, w):
    client.force_login(w.finance_staff)
    home = client.get("/admin/").content.decode()
    for name in LISTS:
        assert reverse(f"billing_finance:{name}") in home
    for role in (Role.FINANCE, Role.MANAGEMENT, Role.ADMIN):
        client.force_login(staff_user(role))
        assert client.get(list_url("deposits")).status_code == 200
    for user in (w.lead, w.compliance, staff_user(Role.EDITOR)):
        client.force_login(user)
        response = client.get(list_url("deposits"))
        assert response.status_code == 403
        assert reverse("billing_finance:deposits") not in client.get("/admin/").content.decode()


def test_deposits_list_shows_sums_of_the_ledger_and_totals(client, w):
    client.force_login(w.finance_staff)
    response = client.get(list_url("deposits"))
    assert response.status_code == 200
    row = next(a for a in response.context["page_obj"].object_list if a.pk == w.account.pk)
    assert (row.balance, row.frozen, row.outstanding) == (Decimal("60000.00"), Decimal("1000.00"), Decimal("0.00"))
    totals = response.context["totals"]
    assert [line["currency"] for line in totals] == ["CNY"]
    figures = {f["key"]: f["value"] for f in totals[0]["figures"]}
    assert figures == {"required_amount": Decimal("60000.00"), "balance": Decimal("60000.00"),
                       "frozen": Decimal("1000.00")}
    assert 'id="finance-totals"' in response.content.decode()


def test_deposit_filters_and_totals_follow_the_filter(client, w):
    _accounts(3)
    client.force_login(w.finance_staff)
    response = client.get(list_url("deposits", outstanding_due="yes"))
    rows = list(response.context["page_obj"].object_list)
    assert len(rows) == 3 and w.account.pk not in {a.pk for a in rows}
    figures = {f["key"]: f["value"] for f in response.context["totals"][0]["figures"]}
    assert (figures["required_amount"], figures["balance"]) == (Decimal("60000.00"), Decimal("22500.00"))
    assert response.context["totals"][0]["count"] == 3
    assert {a.outstanding for a in rows} == {Decimal("12500.00")}  # 20,000 − 7,500 each
    response = client.get(list_url("deposits", has_frozen="yes", status=["held"]))
    assert [a.pk for a in response.context["page_obj"].object_list] == [w.account.pk]
    response = client.get(list_url("deposits", ordering="-balance"))
    assert response.context["page_obj"].object_list[0].pk == w.account.pk


def test_payments_filters_and_totals(client, w):
    _accounts(2)
    client.force_login(w.finance_staff)
    response = client.get(list_url("payments", provider=["stripe"], status=["succeeded"]))
    rows = list(response.context["page_obj"].object_list)
    assert {p.provider for p in rows} == {"stripe"} and len(rows) == 2
    figures = {f["key"]: f["value"] for f in response.context["totals"][0]["figures"]}
    assert figures["amount"] == Decimal("15000.00")


def test_pending_bank_transfers_list(client, w):
    payment = Payment.objects.create(merchant=w.merchant, purpose="deposit", provider="bank_transfer",
                                     amount=Decimal("500"), currency="CNY", account=w.account)
    payment_pending(payment=payment, actor=w.finance_staff, received_on=timezone.localdate(),
                    recorded_by=w.finance_staff)
    client.force_login(w.finance_staff)
    response = client.get(list_url("bank_transfers"))
    rows = list(response.context["page_obj"].object_list)
    assert [p.pk for p in rows] == [payment.pk]  # the succeeded transfer is not pending
    assert "Received, awaiting confirmation" in response.content.decode()


def test_refunds_due_flag_overdue(client, w):
    today = timezone.localdate()
    Refund.objects.create(merchant=w.merchant, reason="fee", provider="bank_transfer", account=w.account,
                          amount=Decimal("50"), currency="CNY", due_on=today - dt.timedelta(days=1))
    Refund.objects.create(merchant=w.merchant, reason="fee", provider="bank_transfer", account=w.account,
                          amount=Decimal("70"), currency="CNY", due_on=today + dt.timedelta(days=9))
    client.force_login(w.finance_staff)
    response = client.get(list_url("refunds", overdue="yes"))
    assert [r.amount for r in response.context["page_obj"].object_list] == [Decimal("50.00")]
    response = client.get(list_url("refunds"))
    figures = {f["key"]: f["value"] for f in response.context["totals"][0]["figures"]}
    assert figures == {"amount": Decimal("120.00"), "overdue": Decimal("50.00")}


def test_deductions_awaiting_approval(client, w):
    from django.core.files.base import ContentFile

    deduction = Deduction(account=w.account, breach="fake_shipment", reference="ORD-1", description="Empty parcel",
                          amount=Decimal("3000"), currency="CNY", created_by=w.finance_staff)
    deduction.evidence.save("e.pdf", ContentFile(b"%PDF-1.4"), save=False)
    deduction.save()
    client.force_login(w.finance2)
    response = client.get(list_url("deductions"))
    assert [d.pk for d in response.context["page_obj"].object_list] == [deduction.pk]
    assert "ORD-1" in response.content.decode()


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", LISTS)
def test_query_count_does_not_grow_with_the_list(client, w, name):
    client.force_login(w.finance_staff)
    _accounts(3)
    small = _count(client, list_url(name))
    _accounts(120, start=3)
    large = _count(client, list_url(name))
    assert large == small, f"{name}: {small} queries for the short list, {large} for the long one"
    assert large <= 15


def test_query_count_of_a_filtered_deposit_page_does_not_grow_with_the_list(client, w):
    """Page 2 of a filter, sorted by balance: the same queries for 60 or 160 matching accounts, the page's rows in
    order and the totals of the whole filter (not of the page)."""
    client.force_login(w.finance_staff)
    _accounts(60)
    page_2 = list_url("deposits", status=["awaiting", "shortfall"], ordering="-balance", p=2)
    small = _count(client, page_2)
    response = client.get(page_2)
    assert len(response.context["page_obj"].object_list) == 10
    _accounts(100, start=60)
    ledger_append(account=DepositAccount.objects.get(merchant__name="Bulk merchant 70"), kind="payment",
                  amount=Decimal("1"), currency="CNY")
    large = _count(client, page_2)
    assert large == small == _count(client, list_url("deposits", status=["awaiting"], ordering="-balance", p=3))
    response = client.get(page_2)
    rows = list(response.context["page_obj"].object_list)
    assert len(rows) == 50 and w.account.pk not in {a.pk for a in rows}
    assert {a.balance for a in rows} == {Decimal("7500.00")}  # the one at 7,501 is first, on page 1
    assert client.get(list_url("deposits", status=["awaiting"], ordering="-balance")).context[
        "page_obj"].object_list[0].merchant.name == "Bulk merchant 70"
    totals = response.context["totals"][0]
    assert totals["count"] == 160
    assert {f["key"]: f["value"] for f in totals["figures"]}["balance"] == Decimal("1200001.00")  # 160 × 7,500 + 1


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_and_xlsx_export_of_the_filtered_deposits(client, w):
    _accounts(2)
    Merchant.objects.filter(pk=w.merchant.pk).update(name='=HYPERLINK("x")')
    client.force_login(w.finance_staff)
    rows = read_csv(client.get(list_url("deposits", status=["held"], export="csv")))
    assert len(rows) == 1
    assert rows[0]["Merchant"] == "'=HYPERLINK(\"x\")" and rows[0]["Balance"] == "60000.00"
    assert rows[0]["Frozen"] == "1000.00" and rows[0]["Available"] == "59000.00"
    response = client.get(list_url("payments", export="xlsx"))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    assert len(list(sheet.iter_rows(values_only=True))) == 1 + Payment.objects.count()
    entry = AuditEntry.objects.get(action="billing.finance.deposits.exported")
    assert entry.actor == w.finance_staff and entry.data["params"] == {"status": ["held"]}


@pytest.mark.parametrize("name", LISTS)
def test_every_list_exports_csv(client, w, name):
    _accounts(1)
    client.force_login(w.finance_staff)
    assert isinstance(read_csv(client.get(list_url(name, export="csv"))), list)


def test_lists_in_chinese(client, w):
    client.force_login(w.finance_staff)
    for name in LISTS:
        response = client.get(list_url(name), HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200
    assert "保证金" in client.get(list_url("deposits"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def test_bad_filter_values_are_a_form_error_not_a_500(client, w):
    client.force_login(w.finance_staff)
    assert client.get(list_url("payments", created_at_after="not-a-date", status=["nope"])).status_code == 200


def test_deposit_page_with_ledger_running_balance_and_timeline(client, w):
    client.force_login(w.finance_staff)
    response = client.get(reverse("billing_finance:deposit", args=[w.account.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert [(r.balance, r.frozen) for r in response.context["rows"]] == [
        (Decimal("60000.00"), Decimal("1000.00")), (Decimal("60000.00"), Decimal("0.00"))]
    assert "Deposit held in full" in body and "Deposit payment recorded" in body
    assert 'id="deposit-requirements"' in body and "Contract countersigned" in body
    assert client.get(reverse("billing_finance:deposit", args=[999999])).status_code == 404
    client.force_login(w.lead)
    assert client.get(reverse("billing_finance:deposit", args=[w.account.pk])).status_code == 403


def test_deposit_totals_are_never_stale(client, w):
    """The totals follow a new ledger entry and a new account at once."""
    client.force_login(w.finance_staff)

    def balance_total():
        response = client.get(list_url("deposits"))
        return {f["key"]: f["value"] for f in response.context["totals"][0]["figures"]}["balance"]

    assert balance_total() == Decimal("60000.00")
    assert balance_total() == Decimal("60000.00")
    ledger_append(account=w.account, kind="payment", amount=Decimal("250"), currency="CNY")
    assert balance_total() == Decimal("60250.00")
    _accounts(1)
    assert balance_total() == Decimal("67750.00")
