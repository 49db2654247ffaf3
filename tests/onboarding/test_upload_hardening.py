"""Uploads that attack the server or the reviewer: pixel bombs, names that lie about the type, PDFs with active
content; and how stored files are written and served."""

import io
import os
import stat
import struct
import time
import tracemalloc
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from onboarding.models import DocumentType
from onboarding.services import document_add
from onboarding.uploads import pdf_active_content, upload_display_name, upload_validate
from portal.models import PortalSettings
from portal.roles import Role
from tests.factories.onboarding import draft_application, pdf_bytes, png_bytes

from .admin_support import application, detail_url, squad_with, staff

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(width: int = 13000, height: int = 13000) -> bytes:
    """A valid PNG of width × height black pixels (1-bit greyscale): about 170 megapixels in a few hundred
    kilobytes, made by compressing the zero rows in pieces so the test itself stays cheap."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row * 500) for _ in range(height // 500))
    idat += compressor.compress(row * (height % 500)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


# --- the pixel limit -----------------------------------------------------------------------------------------


def test_a_13000_by_13000_png_is_refused_from_its_header_without_decoding():
    data = huge_png()
    assert len(data) < MB
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ValidationError) as exc:
        upload_validate(upload("scan.png", data), max_bytes=20 * MB, max_pixels=40_000_000)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert exc.value.code == "too_many_pixels"
    assert "“scan.png” has too many pixels" in " ".join(exc.value.messages)
    assert "40 megapixels" in " ".join(exc.value.messages)
    assert peak < 10 * MB  # decoding would take ~170 MB at 1 bit a pixel, ~500 MB as RGB
    assert elapsed < 0.5


def test_the_pixel_limit_is_exact():
    assert upload_validate(upload("ok.png", png_bytes((100, 100))), max_bytes=MB, max_pixels=10_000) == "image/png"
    with pytest.raises(ValidationError) as exc:
        upload_validate(upload("big.png", png_bytes((100, 101))), max_bytes=MB, max_pixels=10_000)
    assert exc.value.code == "too_many_pixels"


@pytest.mark.django_db
def test_document_add_uses_the_pixel_limit_of_the_portal_settings():
    assert PortalSettings.load().upload_max_megapixels == 40
    app = draft_application(with_documents=False)
    doc_type = DocumentType.objects.get(code="business_licence")
    settings = PortalSettings.load()
    settings.upload_max_megapixels = 1
    settings.save()
    with pytest.raises(ValidationError) as exc:
        document_add(application=app, actor=app.created_by, document_type=doc_type, number="N1",
                     files=[upload("photo.png", png_bytes((1001, 1000)))])
    assert "1 megapixels" in exc.value.message_dict["files"][0]
    doc = document_add(application=app, actor=app.created_by, document_type=doc_type, number="N1",
                       files=[upload("photo.png", png_bytes((1000, 1000)))])
    assert doc.files.get().content_type == "image/png"


@pytest.mark.django_db
def test_ten_huge_pngs_in_one_upload_are_refused_quickly():
    app = draft_application(with_documents=False)
    doc_type = DocumentType.objects.get(code="business_licence")
    data = huge_png()
    started = time.perf_counter()
    with pytest.raises(ValidationError) as exc:
        document_add(application=app, actor=app.created_by, document_type=doc_type, number="N1",
                     files=[upload(f"scan{n}.png", data) for n in range(10)])
    assert len(exc.value.message_dict["files"]) == 10
    assert time.perf_counter() - started < 2


# --- names and extensions ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "content_type", "expected"), [
    ("a.pdf\x00.html", "application/pdf", "a.pdf"),
    ("scan.html", "image/png", "scan.png"),
    ("photo.JPEG", "image/jpeg", "photo.jpg"),
    ("..\\..\\etc\\passwd.pdf", "application/pdf", "passwd.pdf"),
    ("营业执照 scan.pdf", "application/pdf", "营业执照 scan.pdf"),
    ("re\u202eport\r\n.pdf", "application/pdf", "report.pdf"),
    ("\x00.html", "application/pdf", "document.pdf"),
    ("", "image/png", "document.png"),
])
def test_display_name_takes_its_extension_from_the_detected_type(raw, content_type, expected):
    assert upload_display_name(raw, content_type=content_type) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "content", "stored_name", "extension"), [
    ("a.pdf\x00.html", pdf_bytes(), "a.pdf", ".pdf"),
    ("licence.html", pdf_bytes(), "licence.pdf", ".pdf"),
    ("scan.pdf", png_bytes(), "scan.png", ".png"),
])
def test_stored_extension_and_name_come_from_the_content(client, name, content, stored_name, extension):
    app = draft_application(with_documents=False)
    doc_type = DocumentType.objects.get(code="business_licence")
    doc = document_add(application=app, actor=app.created_by, document_type=doc_type, number="N1",
                       files=[upload(name, content)])
    stored = doc.files.get()
    assert stored.original_name == stored_name
    assert os.path.splitext(stored.file.name)[1] == extension
    assert ".html" not in stored.file.name

    client.force_login(app.created_by)
    response = client.get(f"/en/portal/applications/files/{stored.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{stored_name}"'
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == content


@pytest.mark.django_db
def test_stored_files_are_readable_by_the_owner_only():
    app = draft_application(with_documents=False)
    doc_type = DocumentType.objects.get(code="business_licence")
    doc = document_add(application=app, actor=app.created_by, document_type=doc_type, number="N1",
                       files=[upload("licence.pdf", pdf_bytes())])
    path = doc.files.get().file.path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700


# --- PDF active content --------------------------------------------------------------------------------------


def pdf_with(body: bytes) -> bytes:
    return b"%PDF-1.7\n" + body + b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def object_stream_pdf(hidden: bytes) -> bytes:
    """A PDF whose catalog sits inside a compressed object stream (PDF 1.5), so the names are not in the bytes."""
    content = b"1 0 " + hidden
    stream = zlib.compress(content)
    return pdf_with(b"5 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
                    + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream\nendobj")


@pytest.mark.parametrize(("content", "expected"), [
    (pdf_bytes(), []),
    (pdf_with(b"1 0 obj\n<< /Type /Catalog /OpenAction 2 0 R >>\nendobj\n"
              b"2 0 obj\n<< /S /JavaScript /JS (app.alert(1)) >>\nendobj"), ["JavaScript", "JS", "OpenAction"]),
    (pdf_with(b"1 0 obj\n<< /Type /Catalog /OpenAction << /S /Launch /F (calc.exe) >> >>\nendobj"),
     ["OpenAction", "Launch"]),
    (pdf_with(b"1 0 obj\n<< /Type /Page /AA << /O 3 0 R >> >>\nendobj"), ["AA"]),
    (pdf_with(b"1 0 obj\n<< /Type /Catalog /Names << /J#61vaScript 4 0 R >> >>\nendobj"), ["JavaScript"]),
    (object_stream_pdf(b"<< /Type /Catalog /OpenAction << /S /JavaScript /JS (x) >> >>"),
     ["JavaScript", "JS", "OpenAction"]),
    (pdf_with(b"1 0 obj\n<< /Type /Catalog /AAPL 1 /JSON 2 >>\nendobj"), []),  # longer names are other names
])
def test_pdf_active_content_is_found_in_plain_and_compressed_objects(content, expected):
    assert pdf_active_content(io.BytesIO(content)) == expected


@pytest.mark.django_db
def test_a_pdf_with_active_content_is_flagged_to_the_reviewer(client):
    app = draft_application(with_documents=False)
    doc_type = DocumentType.objects.get(code="business_licence")
    bad = pdf_with(b"1 0 obj\n<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\nendobj")
    doc = document_add(application=app, actor=app.created_by, document_type=doc_type, number="N1",
                       files=[upload("licence.pdf", bad), upload("plain.pdf", pdf_bytes())])
    flagged, plain = doc.files.order_by("pk")
    assert flagged.active_content == ["JavaScript", "JS", "OpenAction"]
    assert plain.active_content == []

    reviewer = staff(Role.REVIEWER)
    squad = squad_with(name="Squad", categories=[], members=[reviewer])
    in_review = application(squad=squad, reviewer=reviewer)
    doc.application = in_review
    doc.save(update_fields=["application"])
    client.force_login(reviewer)
    html = client.get(detail_url(in_review)).content.decode()
    assert html.count("This PDF holds active content") == 1
    assert "(JavaScript, JS, OpenAction)" in html
    response = client.get(f"/admin/applications/{in_review.pk}/files/{flagged.pk}/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'inline; filename="licence.pdf"'


def test_the_pixel_message_in_chinese():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        upload_validate(upload("scan.png", huge_png()), max_bytes=20 * MB, max_pixels=40_000_000)
    assert "“scan.png”像素过多" in exc.value.messages[0] and "40兆像素" in exc.value.messages[0]
