"""The contract's lifecycle services: drafting, terms, issue, withdraw, cancel, countersign, activate, terminate,
the end of the term, amendments; refused moves; the signals after commit; the audit entries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contracts.models import (
    AcceptanceCode,
    Contract,
    ContractDocument,
    ContractKind,
    ContractSettings,
    ContractStatus,
    ContractTemplateVersion,
)
from contracts.services import (
    contract_activate,
    contract_amendment_draft,
    contract_cancel,
    contract_countersign,
    contract_draft_for_approval,
    contract_expire,
    contract_expiring_mark,
    contract_issue,
    contract_ladder_set,
    contract_renew_mark,
    contract_renewal_draft,
    contract_terminate,
    contract_terms_update,
    contract_withdraw,
    launch_offer_applies,
    term_end,
)
from contracts.signals import contract_countersigned, contract_terminated
from portal.audit import audit_entries_for
from portal.exceptions import ApplicationError, InvalidTransition, PermissionDenied
from portal.merchants.services import merchant_onboarding_start
from portal.models import CooperationMode, MerchantStatus, PortalSettings
from tests.factories.contracts import (
    ContractTemplateVersionFactory,
    ContractWorld,
    document_attach,
    draft_contract,
)
from tests.factories.onboarding import MerchantFactory
from tests.factories.portal import CategoryFactory

pytestmark = pytest.mark.django_db
S = ContractStatus


@pytest.fixture
def w():
    return ContractWorld()


def accepted(w, **kwargs) -> Contract:
    """An issued contract accepted by the owner through the real code flow."""
    from django.core import mail

    from contracts.services import contract_accept, contract_acceptance_code_send

    contract = w.issued(**kwargs)
    mail.outbox.clear()
    with _commit_callbacks():
        contract_acceptance_code_send(contract=contract, user=w.owner, ip="1.2.3.4", user_agent="UA")
    code = _code_from(mail.outbox[-1].body)
    return contract_accept(contract=contract, user=w.owner, typed_name="张三", code=code, ip="1.2.3.4",
                           user_agent="UA")


def _code_from(body: str) -> str:
    import re

    return re.search(r"^\s*(\d{6})\s*$", body, re.MULTILINE).group(1)


class _commit_callbacks:
    """Run on_commit callbacks registered inside the block (the test's transaction never commits)."""

    def __enter__(self):
        from django.db import connection

        self._start = len(connection.run_on_commit)
        return self

    def __exit__(self, *exc):
        from django.db import connection

        callbacks = connection.run_on_commit[self._start:]
        del connection.run_on_commit[self._start:]
        if exc[0] is None:
            for _sids, func, _robust in callbacks:
                func()
        return False


def signed(w, **kwargs) -> Contract:
    return contract_countersign(contract=accepted(w, **kwargs), actor=w.lead, ip="10.0.0.9", user_agent="Lead/2")


def actions(contract) -> list[str]:
    return [entry.action for entry in audit_entries_for(target=contract)]


# ---------------------------------------------------------------- drafting

def test_draft_copies_the_template_version_settings_and_the_approved_facts(w):
    settings = ContractSettings.load()
    settings.settlement_days, settings.deposit_top_up_days, settings.term_months = 20, 10, 24
    settings.save()
    category = CategoryFactory(code="apparel-x")
    contract = w.draft(categories=[category], deposit=Decimal("30000"), grade="B")
    assert contract.status == S.DRAFT
    assert contract.template_version == ContractTemplateVersion.objects.effective_on(
        mode=CooperationMode.PLATFORM, on=timezone.localdate())
    assert (contract.settlement_days, contract.deposit_top_up_days, contract.term_months) == (20, 10, 24)
    assert contract.deposit_amount == Decimal("30000.00") and contract.grade == "B"
    assert list(contract.categories.all()) == [category]
    assert contract.merchant_representative == "张三"
    # a later change of the settings does not alter the drafted contract
    settings.settlement_days = 30
    settings.save()
    contract.refresh_from_db()
    assert contract.settlement_days == 20
    entry = audit_entries_for(target=contract).get()
    assert entry.action == "contracts.contract.drafted"
    assert entry.data["template_number"] == contract.template_version.number


def test_draft_takes_the_version_in_effect_today_not_a_future_one(w):
    today = timezone.localdate()
    ContractTemplateVersionFactory(mode=CooperationMode.JOINT, number=7, effective_from=today - dt.timedelta(days=3))
    ContractTemplateVersionFactory(mode=CooperationMode.JOINT, number=8, effective_from=today + dt.timedelta(days=3))
    contract = w.draft(mode=CooperationMode.JOINT)
    assert contract.template_version.number == 7


def test_without_a_template_in_effect_drafting_is_refused_clearly():
    ContractTemplateVersion.objects.all().delete()
    with pytest.raises(ApplicationError, match="no contract template"):
        contract_draft_for_approval(merchant=MerchantFactory(), actor=None, mode=CooperationMode.FRANCHISE,
                                    grade="C", deposit_amount=Decimal(1000), currency="CNY", categories=[],
                                    legal_name="X", credit_code="", representative="", address="", origin="a:1")


def test_contract_numbers_are_consecutive_per_year(w):
    first, second = w.draft(), w.draft()
    year = timezone.localdate().year
    assert first.number == f"HT-{year}-000001" and second.number == f"HT-{year}-000002"
    later = w.draft(now=timezone.make_aware(dt.datetime(year + 1, 3, 1, 10)))
    assert later.number == f"HT-{year + 1}-000001"


def test_strategic_partner_gets_at_least_the_strategic_term(w):
    settings = ContractSettings.load()
    settings.term_months, settings.strategic_min_term_months = 12, 36
    settings.save()
    assert w.draft(strategic=True, min_annual_marketing=Decimal(500000)).term_months == 36
    assert w.draft().term_months == 12


def test_the_same_origin_drafts_once(w):
    first = w.draft(origin="application:99")
    assert w.draft(origin="application:99") == first
    assert Contract.objects.filter(origin="application:99").count() == 1


# ---------------------------------------------------------------- terms

def test_terms_update_changes_a_draft_and_records_before_and_after(w):
    contract = w.draft()
    contract = contract_terms_update(contract=contract, actor=w.compliance, exclusive=True,
                                     technical_service_fee="6000", regions="福建，浙江", settlement_days=30)
    contract.refresh_from_db()
    assert contract.exclusive and contract.technical_service_fee == Decimal("6000.00")
    assert contract.regions == ["福建", "浙江"] and contract.settlement_days == 30
    entry = audit_entries_for(target=contract).last()
    assert entry.action == "contracts.contract.terms_updated"
    assert entry.data["before"]["exclusive"] is False and entry.data["after"]["exclusive"] is True


@pytest.mark.parametrize(("terms", "field"), [
    ({"strategic": True, "term_months": 24, "min_annual_marketing": "100000"}, "term_months"),
    ({"strategic": True, "term_months": 36}, "min_annual_marketing"),
    ({"settlement_days": -3}, "settlement_days"),
    ({"advertising_fee_percent": "120"}, "advertising_fee_percent"),
    ({"technical_service_fee": "abc"}, "technical_service_fee"),
    ({"grade": "Z"}, "grade"),
])
def test_terms_update_refuses_bad_terms_on_their_field(w, terms, field):
    contract = w.draft()
    with pytest.raises(ValidationError) as exc:
        contract_terms_update(contract=contract, actor=w.lead, **terms)
    assert field in exc.value.message_dict
    contract.refresh_from_db()
    assert contract.strategic is False and contract.settlement_days == 15


def test_joint_operation_needs_the_revenue_share_and_franchise_the_fee(w):
    joint = w.draft(mode=CooperationMode.JOINT)
    with pytest.raises(ValidationError) as exc:
        contract_terms_update(contract=joint, actor=w.lead, revenue_share_percent=None)
    assert "revenue_share_percent" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        contract_issue(contract=joint, actor=w.lead)
    assert "revenue_share_percent" in exc.value.message_dict
    contract_terms_update(contract=joint, actor=w.lead, revenue_share_percent="18.5")
    assert contract_issue(contract=joint, actor=w.lead).status == S.ISSUED
    franchise = w.draft(mode=CooperationMode.FRANCHISE)
    with pytest.raises(ValidationError) as exc:
        contract_issue(contract=franchise, actor=w.lead)
    assert "franchise_fee" in exc.value.message_dict


def test_only_contract_staff_edit_terms(w):
    contract = w.draft()
    for user in (w.reviewer, w.finance_staff, w.owner):
        with pytest.raises(PermissionDenied):
            contract_terms_update(contract=contract, actor=user, exclusive=True)


def test_an_issued_or_signed_contract_cannot_be_edited(w):
    contract = w.issued()
    with pytest.raises(InvalidTransition, match="only be changed while it is a draft"):
        contract_terms_update(contract=contract, actor=w.lead, exclusive=True)
    done = signed(w)
    with pytest.raises(InvalidTransition, match="amendment"):
        contract_terms_update(contract=done, actor=w.lead, deposit_amount="1")
    with pytest.raises(InvalidTransition):
        contract_ladder_set(contract=done, actor=w.lead, bands=[])


def test_ladder_bands_start_at_zero_and_rise(w):
    contract = w.draft()
    contract_ladder_set(contract=contract, actor=w.lead, bands=[
        {"min_gmv": "0", "rate_percent": "8"}, {"min_gmv": "1000000", "rate_percent": "6.5"}])
    assert [(b.min_gmv, b.rate_percent) for b in contract.ladder_bands.all()] == [
        (Decimal("0.00"), Decimal("8.00")), (Decimal("1000000.00"), Decimal("6.50"))]
    for bands in ([{"min_gmv": "10", "rate_percent": "8"}],
                  [{"min_gmv": "0", "rate_percent": "8"}, {"min_gmv": "0", "rate_percent": "7"}],
                  [{"min_gmv": "0", "rate_percent": "101"}], [{"min_gmv": "x", "rate_percent": "1"}]):
        with pytest.raises(ValidationError):
            contract_ladder_set(contract=contract, actor=w.lead, bands=bands)
    assert contract.ladder_bands.count() == 2


# ---------------------------------------------------------------- issue, withdraw, cancel

def test_issue_freezes_the_terms_and_records_the_issuer(w):
    contract = contract_issue(contract=w.draft(), actor=w.compliance, ip="10.1.1.1", user_agent="Firefox/1")
    assert contract.status == S.ISSUED and contract.issued_by == w.compliance and contract.issued_at
    assert len(contract.content_sha256) == 64
    entry = audit_entries_for(target=contract).last()
    assert entry.action == "contracts.contract.issued" and entry.ip_address == "10.1.1.1"
    assert entry.data["user_agent"] == "Firefox/1" and entry.data["content_sha256"] == contract.content_sha256
    assert contract_issue(contract=contract, actor=w.compliance).issued_at == contract.issued_at  # quiet


def test_withdraw_returns_to_draft_and_removes_the_issued_pdf_and_codes(w):
    contract = w.issued()
    AcceptanceCode.objects.create(contract=contract, user=w.owner, code_hash="x$y", pdf_sha256="a" * 64,
                                  expires_at=timezone.now() + dt.timedelta(minutes=10))
    pdf = ContractDocument.objects.get(contract=contract)
    with pytest.raises(ValidationError):
        contract_withdraw(contract=contract, actor=w.lead, reason=" ")
    contract = contract_withdraw(contract=contract, actor=w.lead, reason="Wrong deposit")
    assert contract.status == S.DRAFT and contract.content_sha256 == ""
    assert not ContractDocument.objects.filter(contract=contract).exists()
    assert not AcceptanceCode.objects.filter(contract=contract, expires_at__gt=timezone.now()).exists()
    entry = audit_entries_for(target=contract).last()
    assert entry.data["withdrawn_pdf_sha256"] == [pdf.sha256] and entry.data["reason"] == "Wrong deposit"
    contract_terms_update(contract=contract, actor=w.lead, deposit_amount="20000")
    assert contract_issue(contract=contract, actor=w.compliance).status == S.ISSUED


def test_cancel_is_final(w):
    contract = contract_cancel(contract=w.draft(), actor=w.lead, reason="Merchant withdrew")
    assert contract.status == S.CANCELLED
    with pytest.raises(InvalidTransition):
        contract_issue(contract=contract, actor=w.lead)


# ---------------------------------------------------------------- countersign

def test_countersigning_before_acceptance_is_refused(w):
    contract = w.issued()
    with pytest.raises(InvalidTransition, match="cannot become"):
        contract_countersign(contract=contract, actor=w.lead)
    with pytest.raises(InvalidTransition):
        contract_countersign(contract=w.draft(), actor=w.lead)


def test_countersign_needs_a_lead_or_admin_who_did_not_issue_it(w):
    contract = accepted(w)
    with pytest.raises(PermissionDenied, match="lead or an administrator"):
        contract_countersign(contract=contract, actor=w.compliance)  # compliance issued it, and may not sign
    other = w.draft()
    other = contract_issue(contract=other, actor=w.lead)
    document_attach(other)
    # the issuer is refused; another lead signs
    from django.core import mail

    from contracts.services import contract_accept, contract_acceptance_code_send
    with _commit_callbacks():
        contract_acceptance_code_send(contract=other, user=w.member_admin, ip=None, user_agent="")
    other = contract_accept(contract=other, user=w.member_admin, typed_name="Li Mei", code=_code_from(
        mail.outbox[-1].body), ip=None, user_agent="")
    with pytest.raises(PermissionDenied, match="someone else"):
        contract_countersign(contract=other, actor=w.lead)
    assert contract_countersign(contract=other, actor=w.lead2).status == S.SIGNED


def test_countersign_sets_the_term_and_the_launch_offer_and_signals_after_commit(w, django_capture_on_commit_callbacks):
    settings = PortalSettings.load()
    settings.launch_date = timezone.localdate() - dt.timedelta(days=30)
    settings.save()
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    contract_countersigned.connect(receiver)
    try:
        contract = accepted(w)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            contract = contract_countersign(contract=contract, actor=w.lead, ip="10.0.0.9", user_agent="Lead/2")
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        contract_countersigned.disconnect(receiver)
    today = timezone.localdate()
    assert contract.status == S.SIGNED and contract.countersigned_by == w.lead
    assert contract.starts_on == today and contract.ends_on == term_end(today, 36)
    assert contract.launch_offer is True and contract.countersigned_ip == "10.0.0.9"
    assert len(received) == 1 and received[0]["contract_id"] == contract.pk
    assert received[0]["deposit_amount"] == Decimal("50000.00") and received[0]["kind"] == ContractKind.CONTRACT
    entry = audit_entries_for(target=contract).get(action="contracts.contract.countersigned")
    assert entry.ip_address == "10.0.0.9" and entry.data["user_agent"] == "Lead/2"
    # after the commit the signed copy was rendered and sealed (the renderer's task, eager in tests)
    signed_pdf = contract.documents.get(kind=ContractDocument.Kind.SIGNED)
    assert signed_pdf.file.open("rb").read(5) == b"%PDF-" and signed_pdf.pages >= 1


def test_launch_offer_window_edges():
    d0 = dt.date(2026, 1, 1)
    assert launch_offer_applies(signed_on=d0, launch_date=d0, window_months=6)
    assert launch_offer_applies(signed_on=dt.date(2026, 6, 30), launch_date=d0, window_months=6)
    assert not launch_offer_applies(signed_on=dt.date(2026, 7, 1), launch_date=d0, window_months=6)
    assert not launch_offer_applies(signed_on=dt.date(2025, 12, 31), launch_date=d0, window_months=6)
    assert term_end(dt.date(2026, 3, 1), 36) == dt.date(2029, 2, 28)


def test_outside_the_launch_window_no_launch_offer(w):
    settings = PortalSettings.load()
    settings.launch_date = timezone.localdate() - dt.timedelta(days=400)
    settings.save()
    assert signed(w).launch_offer is False


# ---------------------------------------------------------------- activate, terminate, term end

def test_activate_makes_contract_and_merchant_active(w):
    merchant_onboarding_start(merchant=w.merchant, actor=w.lead, grade="C", deposit_amount=Decimal(50000),
                              currency="CNY")
    contract = signed(w)
    with pytest.raises(InvalidTransition):
        contract_activate(contract=accepted(w))
    contract = contract_activate(contract=contract, actor=None)
    w.merchant.refresh_from_db()
    assert contract.status == S.ACTIVE and contract.activated_at
    assert w.merchant.status == MerchantStatus.ACTIVE
    assert "contracts.contract.activated" in actions(contract)


def test_billing_saying_the_deposit_is_paid_activates_contract_and_merchant(w):
    from contracts.signals import deposit_paid

    merchant_onboarding_start(merchant=w.merchant, actor=w.lead, grade="C", deposit_amount=Decimal(50000),
                              currency="CNY")
    contract = signed(w)
    paid_at = timezone.now()
    deposit_paid.send(sender=None, contract_id=contract.pk, paid_at=paid_at)
    contract.refresh_from_db()
    w.merchant.refresh_from_db()
    assert (contract.status, contract.activated_at) == (S.ACTIVE, paid_at)
    assert w.merchant.status == MerchantStatus.ACTIVE
    deposit_paid.send(sender=None, contract_id=contract.pk, paid_at=timezone.now())  # sent again: nothing changes
    contract.refresh_from_db()
    assert contract.activated_at == paid_at
    assert actions(contract).count("contracts.contract.activated") == 1


def test_deposit_paid_for_a_contract_not_yet_countersigned_is_refused(w):
    from contracts.signals import deposit_paid

    contract = accepted(w)
    with pytest.raises(InvalidTransition):
        deposit_paid.send(sender=None, contract_id=contract.pk, paid_at=timezone.now())
    contract.refresh_from_db()
    assert contract.status == S.ACCEPTED


def test_terminate_by_either_side_records_and_signals(w, django_capture_on_commit_callbacks):
    contract = signed(w)
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    contract_terminated.connect(receiver)
    try:
        with pytest.raises(PermissionDenied):
            contract_terminate(contract=contract, actor=w.compliance, side="merchant", reason="x",
                               effective_on=timezone.localdate())
        with pytest.raises(ValidationError):
            contract_terminate(contract=contract, actor=w.lead, side="nobody", reason="x",
                               effective_on=timezone.localdate())
        with pytest.raises(ValidationError):
            contract_terminate(contract=contract, actor=w.lead, side="merchant", reason="x",
                               effective_on=timezone.localdate() - dt.timedelta(days=5))
        effective = timezone.localdate() + dt.timedelta(days=30)
        with django_capture_on_commit_callbacks(execute=True):
            contract = contract_terminate(contract=contract, actor=w.lead, side="merchant",
                                          reason="Leaving the platform", effective_on=effective)
    finally:
        contract_terminated.disconnect(receiver)
    assert contract.status == S.TERMINATED and contract.termination_side == "merchant"
    assert contract.termination_effective_on == effective
    assert received == [{"signal": contract_terminated, "contract_id": contract.pk, "merchant_id": w.merchant.pk,
                         "side": "merchant", "reason": "Leaving the platform", "effective_on": effective,
                         "deposit_amount": Decimal("50000.00"), "currency": "CNY"}]


def test_expiring_expired_renewed_follow_the_term(w):
    contract = contract_activate(contract=signed(w))
    ends = contract.ends_on
    before_review = timezone.make_aware(dt.datetime.combine(ends - dt.timedelta(days=61), dt.time(12)))
    with pytest.raises(ApplicationError, match="opens on"):
        contract_expiring_mark(contract=contract, now=before_review)
    in_review = timezone.make_aware(dt.datetime.combine(ends - dt.timedelta(days=60), dt.time(12)))
    contract = contract_expiring_mark(contract=contract, now=in_review)
    assert contract.status == S.EXPIRING
    with pytest.raises(ApplicationError, match="runs until"):
        contract_expire(contract=contract, now=in_review)
    renewal = contract_renewal_draft(contract=contract, actor=w.lead)
    assert renewal.kind == ContractKind.RENEWAL and renewal.parent == contract and renewal.status == S.DRAFT
    renewed = contract_renew_mark(contract=contract, actor=w.lead, renewal=renewal, reason="GMV up 20%")
    assert renewed.status == S.RENEWED


def test_expire_after_the_last_day(w):
    contract = contract_activate(contract=signed(w))
    ends = contract.ends_on
    contract = contract_expiring_mark(contract=contract,
                                      now=timezone.make_aware(dt.datetime.combine(ends, dt.time(9))))
    contract = contract_expire(contract=contract,
                               now=timezone.make_aware(dt.datetime.combine(ends + dt.timedelta(days=1), dt.time(9))))
    assert contract.status == S.EXPIRED


# ---------------------------------------------------------------- amendments

def test_amendment_copies_the_terms_and_leaves_the_signed_contract_unchanged(w):
    from django.core import mail

    from contracts.services import contract_accept, contract_acceptance_code_send

    original = w.draft()
    contract_ladder_set(contract=original, actor=w.lead, bands=[{"min_gmv": 0, "rate_percent": "9"},
                                                               {"min_gmv": 500000, "rate_percent": "7"}])
    original = contract_issue(contract=original, actor=w.compliance)
    document_attach(original)
    with _commit_callbacks():
        contract_acceptance_code_send(contract=original, user=w.owner, ip=None, user_agent="")
    original = contract_accept(contract=original, user=w.owner, typed_name="张三",
                               code=_code_from(mail.outbox[-1].body), ip=None, user_agent="")
    original = contract_countersign(contract=original, actor=w.lead)
    with pytest.raises(InvalidTransition):
        contract_amendment_draft(contract=w.draft(), actor=w.lead, summary="x")
    with pytest.raises(ValidationError):
        contract_amendment_draft(contract=original, actor=w.lead, summary=" ")
    amendment = contract_amendment_draft(contract=original, actor=w.compliance, summary="Add the fresh category")
    assert amendment.kind == ContractKind.AMENDMENT and amendment.parent == original
    assert amendment.status == S.DRAFT and amendment.number != original.number
    assert amendment.deposit_amount == original.deposit_amount
    assert list(amendment.categories.all()) == list(original.categories.all())
    assert [(b.min_gmv, b.rate_percent) for b in amendment.ladder_bands.all()] == [
        (Decimal("0.00"), Decimal("9.00")), (Decimal("500000.00"), Decimal("7.00"))]
    contract_terms_update(contract=amendment, actor=w.compliance, exclusive=True)
    original.refresh_from_db()
    assert original.exclusive is False and original.status == S.SIGNED
    assert "contracts.contract.amendment_drafted" in actions(original)


def test_an_amendment_goes_through_issue_accept_countersign(w):
    from django.core import mail

    from contracts.services import contract_accept, contract_acceptance_code_send

    original = signed(w)
    amendment = contract_amendment_draft(contract=original, actor=w.compliance, summary="Longer settlement")
    contract_terms_update(contract=amendment, actor=w.compliance, settlement_days=20)
    amendment = contract_issue(contract=amendment, actor=w.compliance)
    document_attach(amendment)
    with _commit_callbacks():
        contract_acceptance_code_send(contract=amendment, user=w.owner, ip=None, user_agent="")
    amendment = contract_accept(contract=amendment, user=w.owner, typed_name="张三",
                                code=_code_from(mail.outbox[-1].body), ip=None, user_agent="")
    amendment = contract_countersign(contract=amendment, actor=w.lead)
    assert amendment.status == S.SIGNED and amendment.ends_on == original.ends_on
    with pytest.raises(InvalidTransition):
        contract_activate(contract=amendment)


def test_terminating_a_contract_ends_its_signed_amendments(w):
    from django.core import mail

    from contracts.services import contract_accept, contract_acceptance_code_send

    original = signed(w)
    amendment = contract_issue(contract=contract_amendment_draft(contract=original, actor=w.compliance,
                                                                 summary="x"), actor=w.compliance)
    document_attach(amendment)
    with _commit_callbacks():
        contract_acceptance_code_send(contract=amendment, user=w.owner, ip=None, user_agent="")
    contract_accept(contract=amendment, user=w.owner, typed_name="张三", code=_code_from(mail.outbox[-1].body),
                    ip=None, user_agent="")
    contract_countersign(contract=amendment, actor=w.lead)
    contract_terminate(contract=original, actor=w.admin, side="operator", reason="Breach",
                       effective_on=timezone.localdate())
    amendment.refresh_from_db()
    assert amendment.status == S.TERMINATED


def test_draft_for_any_merchant_uses_its_own_factory_defaults():
    contract = draft_contract(mode=CooperationMode.PLATFORM)
    assert contract.currency == "CNY" and contract.kind == ContractKind.CONTRACT


def test_the_periodic_review_finds_contracts_due_for_expiring_and_expiry(w):
    from contracts.selectors import contracts_to_expire, contracts_to_mark_expiring

    contract = contract_activate(contract=signed(w))
    ends = contract.ends_on
    assert list(contracts_to_mark_expiring(today=ends - dt.timedelta(days=61))) == []
    assert list(contracts_to_mark_expiring(today=ends - dt.timedelta(days=60))) == [contract]
    contract_expiring_mark(contract=contract, now=timezone.make_aware(dt.datetime.combine(ends, dt.time(9))))
    assert list(contracts_to_expire(today=ends)) == []
    assert list(contracts_to_expire(today=ends + dt.timedelta(days=1))) == [contract]


def test_issue_emails_the_owners_and_admins_and_countersigning_every_member(w, django_capture_on_commit_callbacks):
    from django.core import mail

    contract = w.draft()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contract_issue(contract=contract, actor=w.compliance)
    issued_to = sorted(a for m in mail.outbox for a in m.to if contract.number in m.subject)
    assert issued_to == sorted([w.owner.email, w.member_admin.email])
    assert all("/portal/contracts/" in m.body for m in mail.outbox if contract.number in m.subject)
    assert contract.documents.filter(kind="issued").exists()  # rendered after the commit
    contract = accepted_existing(w, contract)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contract_countersign(contract=contract, actor=w.lead)
    signed_to = sorted(a for m in mail.outbox for a in m.to if contract.number in m.subject)
    assert signed_to == sorted([w.owner.email, w.member_admin.email, w.finance.email, w.operations.email])


def accepted_existing(w, contract):
    from django.core import mail

    from contracts.services import contract_accept, contract_acceptance_code_send

    with _commit_callbacks():
        contract_acceptance_code_send(contract=contract, user=w.owner, ip=None, user_agent="")
    return contract_accept(contract=contract, user=w.owner, typed_name="张三", code=_code_from(mail.outbox[-1].body),
                           ip=None, user_agent="")
