"""The review workflow's rules: approval, four-eyes overrides, document checks, information requests,
compliance sign-off, permissions and the applicant's own steps."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from onboarding.models import (
    Application,
    ApplicationDocument,
    ApprovalDefaults,
    DocumentCheckStatus,
    DocumentType,
    InfoRequest,
    Profile,
    WizardStep,
)
from onboarding.selectors import application_missing_items
from onboarding.services import (
    application_approve,
    application_compliance_signoff,
    application_create,
    application_override_propose,
    application_reject,
    application_resubmit,
    application_start_review,
    application_submit,
    application_update_step,
    document_add,
    document_check,
    document_delete,
    info_request_create,
)
from portal.exceptions import ApplicationError, InvalidTransition, PermissionDenied
from portal.models import AuditEntry, PortalSettings, Squad
from portal.roles import Role
from tests.factories.onboarding import VALID_CREDIT_CODE, merchant_user, pdf_upload, staff_user

from .workflow import S, accept_all_documents, app_in, owner, ready_to_approve, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world_build()


@pytest.fixture
def in_review(w):
    return app_in(w, S.IN_REVIEW)


def actions(app) -> list[str]:
    return list(AuditEntry.objects.filter(target_id=str(app.pk)).order_by("id").values_list("action", flat=True))


# ---------------------------------------------------------------------------------------- applicant


def test_create_prefills_and_refuses_a_second_open_application(w):
    merchant, user = merchant_user(first_name="Wang", last_name="Wu")
    app = application_create(merchant=merchant, actor=user)
    assert app.status == S.DRAFT
    assert app.company_name == merchant.name and app.contact_email == user.email
    with pytest.raises(ApplicationError) as exc:
        application_create(merchant=merchant, actor=user)
    assert exc.value.extra["application_id"] == app.pk


def test_create_by_an_outsider_is_refused(w):
    merchant, _user = merchant_user()
    _other, outsider = merchant_user()
    with pytest.raises(PermissionDenied):
        application_create(merchant=merchant, actor=outsider)


def test_reapply_only_after_the_waiting_period(w, in_review):
    decided = timezone.now()
    application_reject(application=in_review, actor=w.lead, reasons="Not now.", now=decided)
    user = owner(in_review)
    with pytest.raises(ApplicationError) as exc:
        application_create(merchant=in_review.merchant, actor=user, now=decided + dt.timedelta(days=89))
    assert "reapply_from" in exc.value.extra
    again = application_create(merchant=in_review.merchant, actor=user, now=decided + dt.timedelta(days=91))
    assert again.status == S.DRAFT


def test_update_step_validates_each_field(w):
    app = w.draft(with_documents=False)
    with pytest.raises(ValidationError) as exc:
        application_update_step(application=app, actor=owner(app), step=WizardStep.COMPANY,
                                data={"credit_code": "91350100M000100Y44", "address": "x"})
    errors = exc.value.message_dict
    assert "check character" in errors["credit_code"][0] or "校验位" in errors["credit_code"][0]
    assert "does not belong" in errors["address"][0] or "不属于此步骤" in errors["address"][0]
    with pytest.raises(ValidationError) as exc:
        application_update_step(application=app, actor=owner(app), step=WizardStep.SCREENING,
                                data={"sku_coverage": "130", "monthly_gmv": "lots"})
    assert set(exc.value.message_dict) == {"sku_coverage", "monthly_gmv"}
    saved = application_update_step(application=app, actor=owner(app), step=WizardStep.COMPANY,
                                    data={"credit_code": " 91350100m000100y43 "})
    assert saved.credit_code == VALID_CREDIT_CODE


def test_update_step_keeps_the_furthest_step_and_refuses_after_submission(w):
    app = w.draft()
    assert app.last_completed_step == WizardStep.SCREENING
    app = application_update_step(application=app, actor=owner(app), step=WizardStep.COMPANY,
                                  data={"legal_representative": "Zhao Liu"})
    assert app.last_completed_step == WizardStep.SCREENING
    app = application_submit(application=app, actor=owner(app))
    with pytest.raises(InvalidTransition):
        application_update_step(application=app, actor=owner(app), step=WizardStep.COMPANY,
                                data={"legal_representative": "Someone Else"})


def test_submit_says_what_is_missing(w):
    app = w.draft(with_documents=False)
    application_update_step(application=app, actor=owner(app), step=WizardStep.CONTACTS, data={"address": ""})
    with pytest.raises(ApplicationError) as exc:
        application_submit(application=app, actor=owner(app))
    missing = " ".join(exc.value.extra["missing"])
    assert "Address is not filled in." in missing or "地址" in missing
    assert Application.objects.get(pk=app.pk).status == S.DRAFT


def test_submit_computes_screening_assigns_and_grants(w):
    app = w.draft()
    app = application_submit(application=app, actor=owner(app))
    assert app.profile == Profile.CORE and app.score == 100
    assert app.screening_reasons["profile"] == "core"
    assert app.squad == w.squad
    assert app.assigned_reviewer in (w.reviewer, w.reviewer2)
    for user in (w.reviewer, w.reviewer2, w.lead):
        assert user.has_perm("onboarding.review_application", app)
        assert user.has_perm("onboarding.view_application", app)
    assert app.first_touch_due_at and app.decision_due_at > app.submitted_at


def test_round_robin_by_open_load(w):
    first = application_submit(application=(a := w.draft()), actor=owner(a))
    second = application_submit(application=(b := w.draft()), actor=owner(b))
    assert {first.assigned_reviewer, second.assigned_reviewer} == {w.reviewer, w.reviewer2}
    third = application_submit(application=(c := w.draft()), actor=owner(c))
    assert third.assigned_reviewer in (w.reviewer, w.reviewer2)


def test_no_squad_falls_back_to_a_lead(w):
    from tests.factories.portal import CategoryFactory

    category = CategoryFactory(code="no-squad")
    app = w.draft(category=category)
    Squad.objects.filter(categories=category).delete()  # the defaults gave it an empty squad
    app = application_submit(application=app, actor=owner(app))
    assert app.squad is None
    assert app.assigned_reviewer in (w.lead, w.lead2)
    assert app.assigned_reviewer.has_perm("onboarding.review_application", app)


def test_empty_squad_gets_a_lead_as_reviewer(w):
    from tests.factories.portal import CategoryFactory

    category = CategoryFactory(code="empty-squad")
    app = w.draft(category=category)
    app = application_submit(application=app, actor=owner(app))
    assert app.squad == Squad.objects.get(categories=category)
    assert app.assigned_reviewer in (w.lead, w.lead2)


def test_delete_an_unchecked_upload_while_editable(w, django_capture_on_commit_callbacks):
    app = w.draft()
    doc = app.documents.first()
    path = doc.files.get().file.path
    with django_capture_on_commit_callbacks(execute=True):
        document_delete(document=doc, actor=owner(app))
    assert not ApplicationDocument.objects.filter(pk=doc.pk).exists()
    assert not os.path.exists(path)


# --------------------------------------------------------------------------------------- documents


def test_document_check_needs_a_reason_to_reject_or_waive(w, in_review):
    doc = in_review.documents.first()
    with pytest.raises(ValidationError):
        document_check(document=doc, actor=w.reviewer, decision=DocumentCheckStatus.REJECTED)
    with pytest.raises(ValidationError):
        document_check(document=doc, actor=w.reviewer, decision=DocumentCheckStatus.WAIVED, reason="  ")
    checked = document_check(document=doc, actor=w.reviewer, decision=DocumentCheckStatus.REJECTED,
                             reason="The scan is unreadable.")
    assert checked.check_status == DocumentCheckStatus.REJECTED and checked.checked_by == w.reviewer
    assert actions(in_review)[-1] == "onboarding.application.document_rejected"


def test_document_decisions_are_final_and_repeat_quietly(w, in_review):
    doc = in_review.documents.first()
    document_check(document=doc, actor=w.reviewer, decision=DocumentCheckStatus.ACCEPTED)
    count = AuditEntry.objects.count()
    document_check(document=doc, actor=w.reviewer2, decision=DocumentCheckStatus.ACCEPTED)
    assert AuditEntry.objects.count() == count
    with pytest.raises(InvalidTransition):
        document_check(document=doc, actor=w.reviewer, decision=DocumentCheckStatus.WAIVED, reason="n/a")


def test_documents_are_checked_only_in_review(w):
    submitted = app_in(w, S.SUBMITTED)
    with pytest.raises(InvalidTransition):
        document_check(document=submitted.documents.first(), actor=w.reviewer, decision="accepted")


def test_reviewer_of_another_squad_cannot_check(w, in_review):
    from tests.factories.onboarding import squad_for
    from tests.factories.portal import CategoryFactory

    outsider = staff_user(Role.REVIEWER)
    squad_for(CategoryFactory(), members=[outsider])
    with pytest.raises(PermissionDenied):
        document_check(document=in_review.documents.first(), actor=outsider, decision="accepted")
    with pytest.raises(PermissionDenied):
        info_request_create(application=in_review, actor=outsider, items=[("address", "?")])


# ------------------------------------------------------------------------------------ info requests


def test_info_request_round_trip(w, in_review):
    request = info_request_create(application=in_review, actor=w.reviewer, message="Two things, please.", items=[
        ("address", "Give the registered address."), ("document:business_licence", "Upload a clearer scan."),
    ])
    app = Application.objects.get(pk=in_review.pk)
    assert app.status == S.INFO_REQUESTED and app.sla_paused_at is not None
    assert [i.field_name for i in request.items.all()] == ["address", "document:business_licence"]
    # changing a field or uploading the document marks its item answered
    application_update_step(application=app, actor=owner(app), step=WizardStep.CONTACTS,
                            data={"address": "88 Registered Road, Fuzhou"})
    assert request.items.get(field_name="address").answered
    assert not request.items.get(field_name="document:business_licence").answered
    document_add(application=app, actor=owner(app), document_type=DocumentType.objects.get(code="business_licence"),
                 files=[pdf_upload("clearer.pdf")], number="N-2")
    assert request.items.get(field_name="document:business_licence").answered
    item = request.items.first()
    app = application_resubmit(application=app, actor=owner(app), answers={item.pk: "Updated."}, response="Done")
    request.refresh_from_db()
    assert app.status == S.RESUBMITTED and app.sla_paused_at is None
    assert request.status == InfoRequest.Status.ANSWERED and request.response == "Done"
    assert request.items.get(pk=item.pk).answer == "Updated."


def test_info_request_items_must_name_real_fields(w, in_review):
    with pytest.raises(ValidationError):
        info_request_create(application=in_review, actor=w.reviewer, items=[])
    with pytest.raises(ValidationError) as exc:
        info_request_create(application=in_review, actor=w.reviewer,
                            items=[("password", "?"), ("document:nope", "?"), ("address", "")])
    assert len(exc.value.message_dict["items"]) == 3
    assert Application.objects.get(pk=in_review.pk).status == S.IN_REVIEW


def test_resubmission_clears_compliance_signoff(w, in_review):
    application_compliance_signoff(application=in_review, actor=w.compliance)
    info_request_create(application=in_review, actor=w.reviewer, items=[("address", "Full address?")])
    app = application_resubmit(application=in_review, actor=owner(in_review))
    assert app.compliance_signed_off_at is None


# ------------------------------------------------------------------------------- sign-off, decision


def test_only_compliance_signs_off(w, in_review):
    with pytest.raises(PermissionDenied):
        application_compliance_signoff(application=in_review, actor=w.lead)
    with pytest.raises(PermissionDenied):
        application_compliance_signoff(application=in_review, actor=w.reviewer)
    app = application_compliance_signoff(application=in_review, actor=w.compliance, note="Checked the register.")
    assert app.compliance_signed_off_by == w.compliance
    with pytest.raises(InvalidTransition):
        application_compliance_signoff(application=app_in(w, S.SUBMITTED), actor=w.compliance)


def test_only_a_lead_decides(w, in_review):
    ready_to_approve(w, in_review)
    for actor in (w.reviewer, w.compliance, owner(in_review)):
        with pytest.raises(PermissionDenied):
            application_approve(application=in_review, actor=actor)
        with pytest.raises(PermissionDenied):
            application_reject(application=in_review, actor=actor, reasons="No.")


def test_approval_needs_signoff_and_checked_documents(w, in_review):
    with pytest.raises(ApplicationError) as exc:
        application_approve(application=in_review, actor=w.lead)
    blockers = exc.value.extra["blockers"]
    assert any("Compliance" in b or "合规" in b for b in blockers)
    assert len(blockers) >= 2
    application_compliance_signoff(application=in_review, actor=w.compliance)
    docs = list(in_review.documents.all())
    for doc in docs[1:]:
        document_check(document=doc, actor=w.reviewer, decision="accepted")
    document_check(document=docs[0], actor=w.reviewer, decision="rejected", reason="Expired scan.")
    with pytest.raises(ApplicationError):
        application_approve(application=in_review, actor=w.lead)
    assert Application.objects.get(pk=in_review.pk).status == S.IN_REVIEW


def test_waived_document_does_not_block(w, in_review):
    docs = list(in_review.documents.all())
    document_check(document=docs[0], actor=w.reviewer, decision="waived", reason="Group licence covers it.")
    accept_all_documents(w, in_review)
    application_compliance_signoff(application=in_review, actor=w.compliance)
    assert application_approve(application=in_review, actor=w.lead).status == S.APPROVED


def test_approval_sets_default_grade_and_deposit(w, in_review):
    ready_to_approve(w, in_review)
    app = application_approve(application=in_review, actor=w.lead, reasons="Strong brand.")
    assert app.merchant_grade == "C"
    assert app.deposit_amount == Decimal("60000.00") and app.currency == "CNY"
    assert app.decided_by == w.lead and app.decided_at
    entry = AuditEntry.objects.filter(action="onboarding.application.approved", target_id=str(app.pk)).get()
    assert entry.data["grade"] == "C" and entry.data["override"] is None


def test_approval_with_another_grade_uses_its_deposit(w, in_review):
    ready_to_approve(w, in_review)
    app = application_approve(application=in_review, actor=w.lead, merchant_grade="A")
    assert (app.merchant_grade, app.deposit_amount) == ("A", Decimal("20000.00"))


def test_deposit_table_is_configurable(w, in_review):
    defaults = ApprovalDefaults.load()
    defaults.deposit_c = Decimal("65000")
    defaults.save()
    ready_to_approve(w, in_review)
    assert application_approve(application=in_review, actor=w.lead).deposit_amount == Decimal("65000.00")


def test_small_override_needs_a_reason(w, in_review):
    ready_to_approve(w, in_review)
    with pytest.raises(ValidationError) as exc:
        application_approve(application=in_review, actor=w.lead, deposit_amount=Decimal("50000"))
    assert "override_reason" in exc.value.message_dict
    app = application_approve(application=in_review, actor=w.lead, deposit_amount=Decimal("50000"),
                              override_reason="Long-standing supplier of the group.")
    assert app.deposit_amount == Decimal("50000.00")
    entry = AuditEntry.objects.get(action="onboarding.application.approved", target_id=str(app.pk))
    assert entry.data["override"]["reason"].startswith("Long-standing")
    assert Decimal(entry.data["override"]["default_deposit"]) == Decimal("60000")


def test_override_above_threshold_needs_four_eyes(w, in_review):
    settings = PortalSettings.load()
    settings.override_threshold = Decimal("30000")
    settings.save()
    ready_to_approve(w, in_review)
    with pytest.raises(PermissionDenied):
        application_approve(application=in_review, actor=w.lead, deposit_amount=Decimal("0"),
                            override_reason="Strategic partner.")
    application_override_propose(application=in_review, actor=w.lead, merchant_grade="C",
                                 deposit_amount=Decimal("0"), reason="Strategic partner, deposit waived.")
    with pytest.raises(PermissionDenied):
        application_approve(application=in_review, actor=w.lead)  # the proposer cannot approve it
    assert Application.objects.get(pk=in_review.pk).status == S.IN_REVIEW
    app = application_approve(application=in_review, actor=w.lead2)
    assert app.status == S.APPROVED and app.deposit_amount == Decimal("0.00")
    entry = AuditEntry.objects.get(action="onboarding.application.approved", target_id=str(app.pk))
    assert entry.data["override"]["proposed_by"] == w.lead.pk
    assert entry.data["override"]["approved_by"] == w.lead2.pk


def test_override_proposal_must_differ_and_have_a_reason(w, in_review):
    with pytest.raises(ValidationError):
        application_override_propose(application=in_review, actor=w.lead, merchant_grade="C",
                                     deposit_amount=Decimal("60000"), reason="same")
    with pytest.raises(ValidationError):
        application_override_propose(application=in_review, actor=w.lead, merchant_grade="C",
                                     deposit_amount=Decimal("1000"), reason="")
    with pytest.raises(PermissionDenied):
        application_override_propose(application=in_review, actor=w.reviewer, merchant_grade="C",
                                      deposit_amount=Decimal("1000"), reason="x")


def test_reject_needs_reasons(w, in_review):
    with pytest.raises(ValidationError):
        application_reject(application=in_review, actor=w.lead, reasons=" ")
    app = application_reject(application=in_review, actor=w.lead, reasons="Category is full this quarter.")
    assert app.status == S.REJECTED and app.reasons.startswith("Category is full")


def test_first_touch_is_recorded_once(w):
    app = app_in(w, S.SUBMITTED)
    touched = timezone.now()
    app = application_start_review(application=app, actor=w.reviewer2, now=touched)
    assert app.first_touched_at == touched
    info_request_create(application=app, actor=w.reviewer2, items=[("address", "?")])
    application_resubmit(application=app, actor=owner(app))
    app = application_start_review(application=app, actor=w.reviewer, now=touched + dt.timedelta(days=3))
    assert app.first_touched_at == touched


def test_missing_items_empty_for_a_complete_draft(w):
    assert application_missing_items(w.draft()) == []
