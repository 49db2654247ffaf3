"""A merchant user reaches only their own organisation's applications: every other one answers 404, exactly like
a page that does not exist; staff reach the files of applications they review through the selectors."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from onboarding.models import Application, ApplicationDocument, ApplicationStatus, DocumentFile, DocumentType
from portal.models import AuditEntry, MerchantMembership, Squad
from portal.roles import Role
from tests.factories.portal import CategoryFactory, UserFactory

from .views_support import complete_draft, pdf_bytes, step_url, url, verified_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant_a(client):
    """Merchant A's application with an uploaded document."""
    app, user = complete_draft(client)
    return app, user


def _a_pages(app):
    doc = ApplicationDocument.objects.filter(application=app).first()
    doc_file = DocumentFile.objects.filter(document__application=app).first()
    gets = [url("onboarding:application_status", pk=app.pk), url("onboarding:application_review", pk=app.pk),
            url("onboarding:application_withdraw", pk=app.pk),
            url("onboarding:document_file", file_pk=doc_file.pk)]
    gets += [step_url(app, step) for step in
             ["company", "contacts", "categories", "screening", "capability", "policies", "documents"]]
    posts = [
        (url("onboarding:application_review", pk=app.pk), {}),
        (url("onboarding:application_resubmit", pk=app.pk), {"response": "x"}),
        (url("onboarding:application_withdraw", pk=app.pk), {"confirm": "on"}),
        (url("onboarding:document_remove", pk=app.pk, document_pk=doc.pk), {}),
        (step_url(app, "company"), {"company_name": "Hijacked"}),
        (step_url(app, "documents"), {"document_type": DocumentType.objects.get(code="business_licence").pk,
                                      "number": "X", "files": [SimpleUploadedFile("x.pdf", pdf_bytes())]}),
    ]
    return gets, posts


def test_merchant_b_gets_404_on_every_page_of_merchant_a(merchant_a):
    app, _owner = merchant_a
    _merchant_b, user_b = verified_user()
    other = Client()
    other.force_login(user_b)
    gets, posts = _a_pages(app)
    documents_before = ApplicationDocument.objects.count()
    for target in gets:
        assert other.get(target).status_code == 404, target
    for target in gets[:1]:
        assert other.get(target.replace("/en/", "/zh-hans/", 1)).status_code == 404
    for target, data in posts:
        assert other.post(target, data).status_code == 404, target
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT and app.company_name != "Hijacked"
    assert ApplicationDocument.objects.count() == documents_before
    assert not AuditEntry.objects.filter(actor=user_b).exists()
    # and merchant B's own start page does not list A's application
    page = other.get(url("onboarding:application_start"))
    assert page.context["current"] is None and page.context["past"] == []


def test_ids_that_do_not_exist_answer_the_same_404(client):
    _merchant, user = verified_user()
    client.force_login(user)
    assert client.get(url("onboarding:application_status", pk=987654)).status_code == 404
    assert client.get(url("onboarding:application_step", pk=987654, step="company")).status_code == 404
    assert client.get(url("onboarding:document_file", file_pk=987654)).status_code == 404


def test_a_colleague_in_the_same_organisation_can_work_on_the_application(merchant_a):
    app, _owner = merchant_a
    _merchant, colleague = verified_user(app.merchant)
    other = Client()
    other.force_login(colleague)
    assert other.get(url("onboarding:application_status", pk=app.pk)).status_code == 200
    doc_file = DocumentFile.objects.filter(document__application=app).first()
    assert other.get(url("onboarding:document_file", file_pk=doc_file.pk)).status_code == 200


def test_a_squad_reviewer_may_download_the_files_of_an_application_they_review(client):
    category = CategoryFactory()
    reviewer = UserFactory(email="squad-reviewer@example.com", is_staff=True, email_verified_at=timezone.now())
    reviewer.groups.add(Group.objects.get_or_create(name=Role.REVIEWER.value)[0])
    squad = Squad.objects.create(name_zh="组", name_en="Squad")
    squad.categories.add(category)
    squad.members.add(reviewer)
    outsider = UserFactory(email="other-reviewer@example.com", is_staff=True)
    outsider.groups.add(Group.objects.get_or_create(name=Role.REVIEWER.value)[0])

    app, user = complete_draft(client, category=category)
    client.post(url("onboarding:application_review", pk=app.pk))
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.SUBMITTED
    doc_file = DocumentFile.objects.filter(document__application=app).first()

    staff_client = Client()
    staff_client.force_login(reviewer)
    response = staff_client.get(url("onboarding:document_file", file_pk=doc_file.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert AuditEntry.objects.filter(action="onboarding.application.document_viewed", actor=reviewer).count() == 1
    # the applicant's own pages are not the reviewer's way in
    assert staff_client.get(url("onboarding:application_status", pk=app.pk))["Location"] == url("portal:home")

    staff_client.force_login(outsider)
    assert staff_client.get(url("onboarding:document_file", file_pk=doc_file.pk)).status_code == 404


def test_a_user_in_two_organisations_starts_in_the_one_they_work_in(client):
    merchant_a, user = verified_user()
    merchant_b, _other = verified_user()
    MerchantMembership.objects.create(merchant=merchant_b, user=user, role=MerchantMembership.Role.OPERATIONS)
    client.force_login(user)
    client.post(url("onboarding:application_start"))
    assert Application.objects.filter(merchant=merchant_a).count() == 1
    assert not Application.objects.filter(merchant=merchant_b).exists()
