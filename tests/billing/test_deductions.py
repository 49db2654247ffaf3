"""Deductions: evidence checked like an applicant's documents; the maker never approves; above the threshold finance
and management both approve (either order); the final approval deducts up to what the deposit can give, invoices the
excess, asks for a top-up within 15 days and emails the merchant."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from billing.models import BillingSettings, Deduction, DepositAccount, LedgerEntry, TopUpRequest
from billing.services.deductions import deduction_approve, deduction_propose, deduction_reject
from billing.services.ledger import balance_of
from portal.exceptions import InvalidTransition, PermissionDenied
from portal.models import AuditEntry
from portal.roles import Role
from tests.billing.deposit_world import DepositWorld, evidence
from tests.factories.onboarding import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return DepositWorld()


def propose(w, amount="5000.00", actor=None, **kwargs):
    return deduction_propose(account=w.account, breach=kwargs.pop("breach", "fake_shipment"),
                             reference=kwargs.pop("reference", "ORD-2026-0001"),
                             description=kwargs.pop("description", "Tracking numbers that never moved"),
                             evidence=kwargs.pop("evidence", evidence()), amount=amount,
                             actor=actor or w.finance_staff)


def test_a_proposal_records_the_breach_and_moves_nothing(w):
    deduction = propose(w)
    assert (deduction.status, deduction.amount, deduction.currency) == ("proposed", Decimal("5000.00"), "CNY")
    assert deduction.evidence.name.startswith("billing/evidence/")
    assert balance_of(w.account).balance == Decimal("60000.00")
    assert AuditEntry.objects.filter(action="billing.deduction.proposed", target_id=str(deduction.pk)).count() == 1


@pytest.mark.parametrize(("field", "kwargs"), [
    ("amount", {"amount": "0"}), ("amount", {"amount": "-5"}), ("amount", {"amount": "lots"}),
    ("reference", {"reference": "  "}), ("description", {"description": ""}), ("breach", {"breach": "rudeness"}),
    ("evidence", {"evidence": evidence("complaint.pdf", b"just text, not a PDF\n" * 5)}),
    ("evidence", {"evidence": None}),
])
def test_bad_input_is_refused_on_its_field(w, field, kwargs):
    with pytest.raises(ValidationError) as exc:
        propose(w, **kwargs)
    assert field in exc.value.message_dict
    assert not Deduction.objects.exists()


def test_only_finance_or_management_propose(w):
    for user in (w.lead, w.admin, w.owner):
        with pytest.raises(PermissionDenied):
            propose(w, actor=user)
    assert propose(w, actor=w.management).created_by == w.management


def test_the_maker_never_approves_not_even_a_superuser(w):
    from tests.factories.onboarding import UserFactory

    root = UserFactory(is_superuser=True, is_staff=True)
    deduction = propose(w, actor=root)
    with pytest.raises(PermissionDenied):
        deduction_approve(deduction=deduction, actor=root)
    deduction.refresh_from_db()
    assert deduction.status == "proposed" and deduction.first_approved_by is None
    assert deduction_approve(deduction=deduction, actor=w.finance2).status == "approved"


def test_at_the_threshold_one_other_approver_deducts_and_asks_for_a_top_up(w, django_capture_on_commit_callbacks):
    deduction = propose(w, amount="50000.00")  # exactly the threshold: one approver
    with django_capture_on_commit_callbacks(execute=True):
        deduction = deduction_approve(deduction=deduction, actor=w.finance2, note="Evidence checked")
    assert (deduction.status, deduction.decided_by, deduction.excess_invoice) == ("approved", w.finance2, None)
    entry = LedgerEntry.objects.get(deduction=deduction)
    assert (entry.kind, entry.amount) == ("deduction", Decimal("-50000.00"))
    assert balance_of(w.account).balance == Decimal("10000.00")
    w.account.refresh_from_db()
    assert w.account.status == DepositAccount.Status.SHORTFALL
    top_up = TopUpRequest.objects.get(account=w.account)
    assert (top_up.amount, top_up.reason, top_up.deduction, top_up.status) == (
        Decimal("50000.00"), "deduction", deduction, "open")
    assert top_up.due_on == timezone.localdate() + dt.timedelta(days=15)
    # the merchant's owner, admin and finance users are told; operations is not
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([w.owner.email, w.member_admin.email, w.finance.email])
    assert "ORD-2026-0001" in mail.outbox[0].body and "50,000.00" in mail.outbox[0].body
    # approving again changes nothing
    assert deduction_approve(deduction=deduction, actor=w.management).status == "approved"
    assert LedgerEntry.objects.filter(deduction=deduction).count() == 1


@pytest.mark.parametrize("first", ["finance", "management"])
def test_above_the_threshold_finance_and_management_approve_in_either_order(w, first):
    deduction = propose(w, amount="50000.01")
    one, two = (w.finance2, w.management) if first == "finance" else (w.management, w.finance2)
    deduction = deduction_approve(deduction=deduction, actor=one)
    assert (deduction.status, deduction.first_approved_by) == ("proposed", one)
    assert not LedgerEntry.objects.filter(deduction=deduction).exists()
    with pytest.raises(PermissionDenied):
        deduction_approve(deduction=deduction, actor=one)  # the same person twice
    deduction = deduction_approve(deduction=deduction, actor=two)
    assert (deduction.status, deduction.decided_by) == ("approved", two)
    assert LedgerEntry.objects.get(deduction=deduction).amount == Decimal("-50000.01")


def test_above_the_threshold_two_finance_users_are_not_enough(w):
    finance3 = staff_user(Role.FINANCE)
    deduction = deduction_approve(deduction=propose(w, amount="60000.00"), actor=w.finance2)
    with translation.override("en"), pytest.raises(PermissionDenied) as exc:
        deduction_approve(deduction=deduction, actor=finance3)
    assert "has to come from management" in exc.value.message
    deduction.refresh_from_db()
    assert deduction.status == "proposed"
    # the maker cannot be the second approver either
    with pytest.raises(PermissionDenied):
        deduction_approve(deduction=deduction, actor=w.finance_staff)


def test_the_threshold_is_a_setting(w):
    settings = BillingSettings.load()
    settings.deduction_approval_threshold = Decimal("1000")
    settings.save()
    deduction = deduction_approve(deduction=propose(w, amount="1000.01"), actor=w.management)
    assert deduction.status == "proposed" and deduction.first_approved_by == w.management


def test_staff_without_a_money_role_cannot_approve(w):
    deduction = propose(w)
    for user in (w.lead, w.admin, w.compliance):
        with pytest.raises(PermissionDenied):
            deduction_approve(deduction=deduction, actor=user)
    assert Deduction.objects.get(pk=deduction.pk).status == "proposed"


def test_a_rejected_deduction_moves_nothing_and_cannot_be_approved(w):
    deduction = propose(w)
    with pytest.raises(ValidationError):
        deduction_reject(deduction=deduction, actor=w.finance2, note=" ")
    deduction = deduction_reject(deduction=deduction, actor=w.finance2, note="The order was delivered")
    assert (deduction.status, deduction.decision_note) == ("rejected", "The order was delivered")
    with pytest.raises(InvalidTransition):
        deduction_approve(deduction=deduction, actor=w.management)
    assert balance_of(w.account).balance == Decimal("60000.00")


def test_a_second_deduction_supersedes_the_open_top_up_with_the_whole_shortfall(w):
    deduction_approve(deduction=propose(w, amount="1000.00"), actor=w.finance2)
    first = TopUpRequest.objects.get(account=w.account)
    deduction_approve(deduction=propose(w, amount="2000.00", reference="CMP-7"), actor=w.finance2)
    first.refresh_from_db()
    assert first.status == "cancelled"
    current = TopUpRequest.objects.get(account=w.account, status="open")
    assert current.amount == Decimal("3000.00")


def test_a_frozen_sum_is_not_deducted(w):
    from billing.services.ledger import ledger_append

    ledger_append(account=w.account, kind="freeze", amount=Decimal("59000"), currency="CNY", hold_reference="dp_9")
    deduction = deduction_approve(deduction=propose(w, amount="5000.00"), actor=w.finance2)
    assert LedgerEntry.objects.get(deduction=deduction).amount == Decimal("-1000.00")
    assert deduction.excess_invoice is not None and deduction.excess_invoice.total == Decimal("4000.00")


# ---- the admin pages

def test_the_admin_proposes_and_a_second_person_approves(w, client):
    client.force_login(w.finance_staff)
    response = client.post("/admin/billing/deductions/new/", {
        "account": w.account.pk, "breach": "counterfeit", "reference": "CMP-42", "description": "Fake labels",
        "amount": "1200.50", "evidence": evidence("photo.pdf")})
    deduction = Deduction.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/billing/deductions/{deduction.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "CMP-42" in page and "deduction-why-not" in page and "deduction-approve-form" not in page
    client.post(f"/admin/billing/deductions/{deduction.pk}/approve/", {"note": ""})
    assert Deduction.objects.get().status == "proposed"  # the maker's approval was refused
    client.force_login(w.finance2)
    assert "deduction-approve-form" in client.get(response["Location"]).content.decode()
    client.post(f"/admin/billing/deductions/{deduction.pk}/approve/", {"note": "ok"})
    assert Deduction.objects.get().status == "approved"
    assert balance_of(w.account).balance == Decimal("58799.50")
    evidence_response = client.get(f"/admin/billing/deductions/{deduction.pk}/evidence/")
    assert evidence_response["Content-Type"] == "application/pdf"
    assert b"".join(evidence_response.streaming_content).startswith(b"%PDF-")
    assert AuditEntry.objects.filter(action="billing.deduction.evidence_viewed").count() == 1


def test_a_bad_evidence_file_is_a_message_on_the_field(w, client):
    client.force_login(w.finance_staff)
    response = client.post("/admin/billing/deductions/new/", {
        "account": w.account.pk, "breach": "counterfeit", "reference": "CMP-42", "description": "Fake labels",
        "amount": "1200.50", "evidence": evidence("photo.pdf", b"<html>not a pdf</html>" * 4)})
    assert response.status_code == 400
    assert "不是 PDF、JPEG 或 PNG 文件" in response.content.decode()  # the admin speaks the default language
    assert not Deduction.objects.exists()


def test_staff_without_a_money_role_get_403(w, client):
    deduction = propose(w)
    for user in (w.lead, w.admin, w.owner):
        client.force_login(user)
        assert client.get(f"/admin/billing/deductions/{deduction.pk}/").status_code in (302, 403)
        client.post(f"/admin/billing/deductions/{deduction.pk}/approve/", {})
    assert Deduction.objects.get().status == "proposed"


def test_the_excess_beyond_the_deposit_is_invoiced_once(w, django_capture_on_commit_callbacks):
    deduction = propose(w, amount="45000.00")
    deduction_approve(deduction=deduction, actor=w.finance2)
    big = propose(w, amount="40000.00", reference="CMP-99")  # only 15,000 left
    with django_capture_on_commit_callbacks(execute=True):
        big = deduction_approve(deduction=big, actor=w.finance2)
    assert LedgerEntry.objects.get(deduction=big).amount == Decimal("-15000.00")
    assert balance_of(w.account).balance == 0
    invoice = big.excess_invoice
    assert (invoice.total, invoice.source_key, invoice.merchant_id) == (Decimal("25000.00"), f"deduction:{big.pk}",
                                                                        w.merchant.pk)
    assert [line.fee_type for line in invoice.lines.all()] == ["deduction_excess"]
    assert invoice.number in mail.outbox[-1].body
    # the top-up asks for the whole requirement again
    assert TopUpRequest.objects.get(account=w.account, status="open").amount == Decimal("60000.00")
