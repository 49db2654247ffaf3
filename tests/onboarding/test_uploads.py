"""Bad uploads get a clear message and nothing is stored."""

import hashlib
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from onboarding.models import ApplicationDocument, DocumentFile, DocumentType
from onboarding.services import document_add
from onboarding.uploads import upload_validate
from portal.models import PortalSettings
from tests.factories.onboarding import draft_application, jpeg_bytes, pdf_bytes, png_bytes

MB = 1024 * 1024
PIXELS = 40_000_000


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("licence.pdf", pdf_bytes(), "application/pdf"),
        ("scan.png", png_bytes(), "image/png"),
        ("photo.jpg", jpeg_bytes(), "image/jpeg"),
        ("named-wrongly.pdf", png_bytes(), "image/png"),  # the content decides, not the name
    ],
)
def test_good_files_pass_with_their_real_type(name, content, expected):
    f = upload(name, content)
    assert upload_validate(f, max_bytes=MB, max_pixels=PIXELS) == expected
    assert f.tell() == 0


def _message(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


def test_text_file_renamed_pdf_is_refused():
    with pytest.raises(ValidationError) as exc:
        upload_validate(upload("licence.pdf", b"just some text, not a PDF\n" * 10), max_bytes=MB, max_pixels=PIXELS)
    assert exc.value.code == "file_type"
    message = _message(exc)
    assert "licence.pdf" in message and ("PDF, JPEG or PNG" in message or "PDF、JPEG 或 PNG" in message)


def test_other_real_types_are_refused():
    gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
    with pytest.raises(ValidationError) as exc:
        upload_validate(upload("anim.gif", gif), max_bytes=MB, max_pixels=PIXELS)
    assert exc.value.code == "file_type"


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as exc:
        upload_validate(upload("empty.pdf", b""), max_bytes=MB, max_pixels=PIXELS)
    assert exc.value.code == "empty"
    assert "empty" in _message(exc)


def test_oversized_file_is_refused():
    big = pdf_bytes() + b"0" * (2 * MB)
    with pytest.raises(ValidationError) as exc:
        upload_validate(upload("big.pdf", big), max_bytes=MB, max_pixels=PIXELS)
    assert exc.value.code == "too_large"
    assert "1.0" in _message(exc)  # the limit is stated


def test_corrupted_png_is_refused():
    data = bytearray(png_bytes((32, 32)))
    data[40:60] = b"\x00" * 20  # damage the image data and its checksum
    with pytest.raises(ValidationError) as exc:
        upload_validate(upload("scan.png", bytes(data)), max_bytes=MB, max_pixels=PIXELS)
    assert exc.value.code == "damaged"
    assert "damaged" in _message(exc) or "损坏" in _message(exc)


def test_truncated_jpeg_is_refused():
    data = jpeg_bytes((64, 64))
    with pytest.raises(ValidationError) as exc:
        upload_validate(upload("photo.jpg", data[: len(data) // 2]), max_bytes=MB, max_pixels=PIXELS)
    assert exc.value.code == "damaged"


def test_pdf_without_end_marker_is_refused():
    with pytest.raises(ValidationError) as exc:
        upload_validate(upload("cut.pdf", pdf_bytes().replace(b"%%EOF", b"")), max_bytes=MB, max_pixels=PIXELS)
    assert exc.value.code == "damaged"


def _stored_files() -> list[str]:
    root = storages["private"].location
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad",
    [
        upload("licence.pdf", b"plain text pretending to be a PDF"),
        upload("empty.pdf", b""),
        upload("corrupt.png", png_bytes()[:30]),
    ],
    ids=["text-as-pdf", "empty", "corrupt-png"],
)
def test_document_add_stores_nothing_when_any_file_is_bad(bad):
    app = draft_application(with_documents=False)
    user = app.created_by
    before = _stored_files()
    doc_type = DocumentType.objects.get(code="business_licence")
    with pytest.raises(ValidationError) as exc:
        document_add(application=app, actor=user, document_type=doc_type, number="N1",
                     files=[upload("good.pdf", pdf_bytes()), bad])
    assert "files" in exc.value.message_dict
    assert not ApplicationDocument.objects.filter(application=app).exists()
    assert not DocumentFile.objects.exists()
    assert _stored_files() == before


@pytest.mark.django_db
def test_document_add_respects_the_configured_size_limit():
    settings = PortalSettings.load()
    settings.upload_max_mb = 1
    settings.save()
    app = draft_application(with_documents=False)
    doc_type = DocumentType.objects.get(code="business_licence")
    with pytest.raises(ValidationError) as exc:
        document_add(application=app, actor=app.created_by, document_type=doc_type, number="N1",
                     files=[upload("big.pdf", pdf_bytes() + b"0" * (MB + 10))])
    assert exc.value.message_dict["files"][0].startswith("“big.pdf”")
    assert not ApplicationDocument.objects.exists()


@pytest.mark.django_db
def test_document_add_stores_privately_under_a_random_name():
    app = draft_application(with_documents=False)
    doc_type = DocumentType.objects.get(code="business_licence")
    doc = document_add(application=app, actor=app.created_by, document_type=doc_type, number="N1",
                       files=[upload("营业执照 scan.pdf", pdf_bytes())])
    stored = doc.files.get()
    assert stored.original_name == "营业执照 scan.pdf"
    assert stored.file.name.startswith(f"applications/{app.pk}/")
    assert "scan" not in stored.file.name
    assert stored.content_type == "application/pdf"
    assert stored.size == len(pdf_bytes())
    assert stored.sha256 == hashlib.sha256(pdf_bytes()).hexdigest()
    from django.conf import settings

    private_root = storages["private"].location
    assert stored.file.path.startswith(private_root)
    assert not stored.file.path.startswith(str(settings.MEDIA_ROOT))
