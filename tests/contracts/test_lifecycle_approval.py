"""Approval of an application drafts its contract in the same transaction (onboarding → contracts)."""

from __future__ import annotations

import pytest

from contracts.models import Contract, ContractStatus, ContractTemplateVersion
from onboarding.models import ApplicationStatus
from onboarding.services import application_approve
from portal.audit import audit_entries_for
from portal.exceptions import ApplicationError
from portal.models import MerchantStatus
from tests.onboarding.workflow import app_in, ready_to_approve, world_build

pytestmark = pytest.mark.django_db
S = ApplicationStatus


def test_approval_drafts_the_contract_with_the_approved_facts():
    w = world_build()
    app = app_in(w, S.APPROVED)
    contract = Contract.objects.get(merchant=app.merchant)
    assert contract.status == ContractStatus.DRAFT and contract.origin == f"application:{app.pk}"
    assert contract.mode == app.cooperation_mode and contract.grade == app.merchant_grade
    assert contract.deposit_amount == app.deposit_amount and contract.currency == app.currency
    assert contract.merchant_legal_name == app.company_name and contract.merchant_credit_code == app.credit_code
    assert contract.merchant_representative == app.legal_representative
    assert app.main_category in contract.categories.all()
    assert contract.created_by == w.lead
    assert contract.template_version == ContractTemplateVersion.objects.effective_on(mode=app.cooperation_mode,
                                                                                     on=contract.created_at.date())
    assert [e.action for e in audit_entries_for(target=contract)] == ["contracts.contract.drafted"]


def test_without_a_template_the_approval_is_refused_and_nothing_is_saved():
    w = world_build()
    app = app_in(w, S.IN_REVIEW)
    ready_to_approve(w, app)
    ContractTemplateVersion.objects.filter(mode=app.cooperation_mode).delete()
    with pytest.raises(ApplicationError, match="no contract template"):
        application_approve(application=app, actor=w.lead)
    app.refresh_from_db()
    app.merchant.refresh_from_db()
    assert app.status == S.IN_REVIEW and app.merchant.status == MerchantStatus.APPLICANT
    assert not Contract.objects.filter(merchant=app.merchant).exists()
