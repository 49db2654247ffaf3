"""The documents step: uploads checked by content and size before anything is stored, private storage, the
permission-checked and audited download, and removal of an unchecked upload."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from onboarding.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    CooperationMode,
    DocumentFile,
    DocumentType,
)
from onboarding.services import application_update_step
from portal.models import AuditEntry, PortalSettings
from tests.factories.portal import CategoryFactory

from .views_support import pdf_bytes, png_bytes, started, step_url, url, verified_user

pytestmark = pytest.mark.django_db

NEXT_YEAR = (timezone.localdate() + dt.timedelta(days=365)).isoformat()


def _stored_files() -> set[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _media_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def draft(client):
    """A draft with its categories chosen, so the matrix asks for documents; the applicant is logged in."""
    app, user = started(client)
    app = application_update_step(application=app, actor=user, step="categories", data={
        "main_category": CategoryFactory().pk, "cooperation_mode": CooperationMode.PLATFORM, "cross_border": False,
    })
    return app, user


def _licence_post(*files, **overrides):
    data = {"document_type": DocumentType.objects.get(code="business_licence").pk, "number": "BL-2024-001",
            "issuer": "Fuzhou Administration for Market Regulation", "issued_on": "2024-01-15",
            "expires_on": NEXT_YEAR, "files": list(files)}
    data.update(overrides)
    return data


def _files_errors(response) -> list[str]:
    slot = next(e for e in response.context["slots"] if e["slot"].document_type.code == "business_licence")
    return slot["form"].errors.get("files", [])


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: SimpleUploadedFile("licence.pdf", b"just some text, not a PDF at all\n" * 20, "application/pdf"),
         "is not a PDF, JPEG or PNG file"),
        (lambda: SimpleUploadedFile("empty.pdf", b"", "application/pdf"), "is empty"),
        (lambda: SimpleUploadedFile("scan.png", png_bytes((64, 64))[:-40], "image/png"),
         "damaged or incomplete image"),
        (lambda: SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10) + b"\n%%EOF\n",
                                    "application/pdf"), "files can be at most 1"),
    ],
    ids=["text-renamed-pdf", "empty", "corrupted-png", "oversized"],
)
def test_a_bad_file_is_refused_on_the_field_and_nothing_is_stored(client, draft, upload, message):
    app, _user = draft
    limit = PortalSettings.load()
    limit.upload_max_mb = 1
    limit.save()
    before = _stored_files()

    response = client.post(step_url(app, "documents"), _licence_post(upload()))

    assert response.status_code == 200
    errors = _files_errors(response)
    assert any(message in e for e in errors), errors
    html = response.content.decode()
    assert message.split("“")[0] in html
    assert not ApplicationDocument.objects.filter(application=app).exists()
    assert not DocumentFile.objects.exists()
    assert _stored_files() == before


def test_a_bad_file_sent_by_script_gets_the_form_back_with_its_message(client, draft):
    app, _user = draft
    response = client.post(step_url(app, "documents"),
                           _licence_post(SimpleUploadedFile("licence.pdf", b"hello", "application/pdf")),
                           headers={"x-requested-with": "XMLHttpRequest"})
    assert response.status_code == 400
    answer = json.loads(response.content)
    assert answer["ok"] is False
    assert "data-upload" in answer["html"] and "is not a PDF, JPEG or PNG file" in answer["html"]
    assert not DocumentFile.objects.exists()


def test_good_pdf_and_png_are_stored_privately_and_the_owner_can_download_them(client, draft):
    app, user = draft
    media_before = _media_files()
    pdf, png = pdf_bytes("front"), png_bytes()
    response = client.post(step_url(app, "documents"), _licence_post(
        SimpleUploadedFile("licence front.pdf", pdf, "application/pdf"),
        SimpleUploadedFile("licence back.png", png, "image/png"),
    ))
    assert response.status_code == 302
    assert response["Location"] == step_url(app, "documents") + "#doc-business_licence"

    document = ApplicationDocument.objects.get(application=app)
    assert (document.number, document.issuer, document.issued_on.isoformat(), document.expires_on.isoformat()) == (
        "BL-2024-001", "Fuzhou Administration for Market Regulation", "2024-01-15", NEXT_YEAR)
    assert document.uploaded_by == user
    files = {f.original_name: f for f in document.files.all()}
    assert {name: f.content_type for name, f in files.items()} == {
        "licence front.pdf": "application/pdf", "licence back.png": "image/png"}
    for doc_file in files.values():
        path = Path(doc_file.file.path).resolve()
        assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
        assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
        assert "licence" not in path.name  # stored under a random name
    assert _media_files() == media_before

    page = client.get(step_url(app, "documents")).content.decode()
    for doc_file in files.values():
        assert url("onboarding:document_file", file_pk=doc_file.pk) in page
    assert "BL-2024-001" in page

    for name, content in [("licence front.pdf", pdf), ("licence back.png", png)]:
        doc_file = files[name]
        response = client.get(url("onboarding:document_file", file_pk=doc_file.pk))
        assert response.status_code == 200
        assert response["Content-Type"] == doc_file.content_type
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content) == content
    viewed = AuditEntry.objects.filter(action="onboarding.application.document_viewed", target_id=str(app.pk))
    assert viewed.count() == 2
    assert {e.data["file"] for e in viewed} == {f.pk for f in files.values()}
    assert all(e.actor_id == user.pk for e in viewed)


def test_an_upload_sent_by_script_answers_where_to_go_next(client, draft):
    app, _user = draft
    response = client.post(step_url(app, "documents"),
                           _licence_post(SimpleUploadedFile("l.pdf", pdf_bytes(), "application/pdf")),
                           headers={"x-requested-with": "XMLHttpRequest"})
    assert response.status_code == 200
    assert json.loads(response.content) == {"ok": True,
                                            "redirect": step_url(app, "documents") + "#doc-business_licence"}
    assert DocumentFile.objects.filter(document__application=app).count() == 1


def test_details_are_checked_too(client, draft):
    app, _user = draft
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(step_url(app, "documents"), _licence_post(
        SimpleUploadedFile("l.pdf", pdf_bytes(), "application/pdf"), number="", expires_on=past, issued_on="x"))
    assert response.status_code == 200
    slot = next(e for e in response.context["slots"] if e["slot"].document_type.code == "business_licence")
    assert "issued_on" in slot["form"].errors
    response = client.post(step_url(app, "documents"), _licence_post(
        SimpleUploadedFile("l.pdf", pdf_bytes(), "application/pdf"), number="", expires_on=past))
    slot = next(e for e in response.context["slots"] if e["slot"].document_type.code == "business_licence")
    assert "number" in slot["form"].errors and "expired" in " ".join(slot["form"].errors["expires_on"])
    response = client.post(step_url(app, "documents"), _licence_post())
    assert "Choose at least one file" in " ".join(_files_errors(response))
    assert not DocumentFile.objects.exists()
    # a document type the application is not asked for, or nonsense, is not accepted
    response = client.post(step_url(app, "documents"), _licence_post(document_type="nonsense"))
    assert response.status_code == 302
    assert not ApplicationDocument.objects.exists()


def test_a_pending_upload_can_be_removed_with_its_files(client, draft, django_capture_on_commit_callbacks):
    app, _user = draft
    client.post(step_url(app, "documents"), _licence_post(SimpleUploadedFile("l.pdf", pdf_bytes(), "application/pdf")))
    document = ApplicationDocument.objects.get(application=app)
    path = Path(document.files.get().file.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("onboarding:document_remove", pk=app.pk, document_pk=document.pk))
    assert response["Location"] == step_url(app, "documents") + "#doc-business_licence"
    assert not ApplicationDocument.objects.filter(pk=document.pk).exists()
    assert not path.exists()


def test_files_of_another_merchant_are_404_and_strangers_see_nothing(client, draft):
    app, _user = draft
    client.post(step_url(app, "documents"), _licence_post(SimpleUploadedFile("l.pdf", pdf_bytes(), "application/pdf")))
    doc_file = DocumentFile.objects.get()
    document = doc_file.document
    file_url = url("onboarding:document_file", file_pk=doc_file.pk)

    _other, stranger = verified_user()
    client.force_login(stranger)
    assert client.get(file_url).status_code == 404
    assert client.get(url("onboarding:document_file", file_pk=999999)).status_code == 404
    assert client.post(url("onboarding:document_remove", pk=app.pk, document_pk=document.pk)).status_code == 404
    assert ApplicationDocument.objects.filter(pk=document.pk).exists()
    assert not AuditEntry.objects.filter(action="onboarding.application.document_viewed").exists()

    client.logout()
    response = client.get(file_url)
    assert response.status_code == 302
    assert response["Location"].startswith(url("accounts:login"))


def test_after_approval_only_renewed_documents_with_an_expiry_can_be_uploaded(client, draft):
    app, _user = draft
    client.post(step_url(app, "documents"), _licence_post(SimpleUploadedFile("l.pdf", pdf_bytes(), "application/pdf")))
    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.APPROVED)  # as the review left it

    status = client.get(url("onboarding:application_status", pk=app.pk)).content.decode()
    assert step_url(app, "documents") in status
    page = client.get(step_url(app, "documents"))
    codes = {entry["slot"].document_type.code for entry in page.context["slots"]}
    assert "business_licence" in codes and "quality_incident_declaration" not in codes  # that one has no expiry
    assert "Continue to review" not in page.content.decode()
    assert client.get(step_url(app, "company"))["Location"] == url("onboarding:application_status", pk=app.pk)

    response = client.post(step_url(app, "documents"), _licence_post(
        SimpleUploadedFile("renewed.pdf", pdf_bytes("renewed"), "application/pdf"), number="BL-2025-002"))
    assert response.status_code == 302
    current = ApplicationDocument.objects.filter(application=app).order_by("-uploaded_at", "-id").first()
    assert current.number == "BL-2025-002" and current.check_status == "pending"
    declaration = DocumentType.objects.get(code="quality_incident_declaration")
    response = client.post(step_url(app, "documents"), {
        "document_type": declaration.pk, "files": [SimpleUploadedFile("d.pdf", pdf_bytes(), "application/pdf")]})
    assert response.status_code == 302  # not offered: refused with a message, nothing stored
    assert not ApplicationDocument.objects.filter(application=app, document_type=declaration).exists()
