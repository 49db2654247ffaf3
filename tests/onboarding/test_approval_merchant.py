"""Approval moves the merchant into its lifecycle: applicant → onboarding with the approved grade and
deposit, in the approval's transaction; and the migration does the same for approvals made before."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from onboarding.models import Application
from onboarding.services import application_approve, application_override_propose, application_reject
from portal.exceptions import InvalidTransition
from portal.models import AuditEntry, Merchant, MerchantStatus, PortalSettings
from tests.onboarding.workflow import S, app_in, ready_to_approve, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world_build()


@pytest.fixture
def in_review(w):
    return app_in(w, S.IN_REVIEW)


def _merchant_entries(merchant):
    return AuditEntry.objects.filter(target_id=str(merchant.pk), action__startswith="portal.merchant.")


def test_approval_makes_the_merchant_onboarding_with_grade_and_deposit(w, in_review):
    ready_to_approve(w, in_review)
    assert in_review.merchant.status == MerchantStatus.APPLICANT
    app = application_approve(application=in_review, actor=w.lead, merchant_grade="A")
    merchant = Merchant.objects.get(pk=app.merchant_id)
    assert merchant.status == MerchantStatus.ONBOARDING and merchant.status_changed_at == app.decided_at
    assert (merchant.grade, merchant.deposit_amount, merchant.deposit_currency) == ("A", Decimal("20000.00"), "CNY")
    entry = _merchant_entries(merchant).get()
    assert entry.action == "portal.merchant.onboarding_started" and entry.actor == w.lead
    assert entry.data["application"] == app.pk and entry.data["from"] == "applicant"
    # the merchant's entry follows the application's, in the same transaction
    approved = AuditEntry.objects.get(action="onboarding.application.approved", target_id=str(app.pk))
    assert approved.pk < entry.pk


def test_a_four_eyes_override_reaches_the_merchant(w, in_review):
    settings = PortalSettings.load()
    settings.override_threshold = Decimal("30000")
    settings.save()
    ready_to_approve(w, in_review)
    application_override_propose(application=in_review, actor=w.lead, merchant_grade="D",
                                 deposit_amount=Decimal("0"), reason="Strategic partner, deposit waived.")
    app = application_approve(application=in_review, actor=w.lead2)
    merchant = Merchant.objects.get(pk=app.merchant_id)
    assert (merchant.grade, merchant.deposit_amount) == ("D", Decimal("0.00"))


def test_rejection_leaves_the_merchant_an_applicant(w, in_review):
    application_reject(application=in_review, actor=w.lead, reasons="Out of scope.")
    merchant = Merchant.objects.get(pk=in_review.merchant_id)
    assert (merchant.status, merchant.grade) == (MerchantStatus.APPLICANT, "")
    assert not _merchant_entries(merchant).exists()


def test_approval_rolls_back_when_the_merchant_cannot_start_onboarding(w, in_review):
    ready_to_approve(w, in_review)
    Merchant.objects.filter(pk=in_review.merchant_id).update(status=MerchantStatus.TERMINATED)
    with pytest.raises(InvalidTransition):
        application_approve(application=in_review, actor=w.lead)
    app = Application.objects.get(pk=in_review.pk)
    assert (app.status, app.merchant_grade, app.decided_at) == (S.IN_REVIEW, "", None)
    assert not AuditEntry.objects.filter(action="onboarding.application.approved").exists()


def test_migration_brings_earlier_approvals_into_the_lifecycle(w, in_review):
    ready_to_approve(w, in_review)
    app = application_approve(application=in_review, actor=w.lead, merchant_grade="B")
    Merchant.objects.filter(pk=app.merchant_id).update(status=MerchantStatus.APPLICANT, grade="",
                                                        deposit_amount=None, deposit_currency="")
    untouched = app_in(w, S.IN_REVIEW).merchant
    migration = importlib.import_module("onboarding.migrations.0004_merchants_of_approved_applications")
    migration.forwards(apps, None)
    merchant = Merchant.objects.get(pk=app.merchant_id)
    assert (merchant.status, merchant.grade, merchant.deposit_amount) == ("onboarding", "B", Decimal("40000.00"))
    assert merchant.status_changed_at == app.decided_at
    assert Merchant.objects.get(pk=untouched.pk).status == MerchantStatus.APPLICANT
