"""Checking uploaded documents before anything is stored.

`upload_validate` is the one check every upload path uses (the applicant's forms and
`onboarding.services.document_add`): it looks at the file's real content, never its name.
"""

from __future__ import annotations

import hashlib
from typing import IO, Any

import filetype
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

ALLOWED_CONTENT_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
}
_PDF_TAIL_BYTES = 2048  # the spec puts the last %%EOF within the final 1024 bytes; allow trailing junk


def _size(file: Any) -> int:
    size = getattr(file, "size", None)
    if size is None:
        pos = file.tell()
        file.seek(0, 2)
        size = file.tell()
        file.seek(pos)
    return int(size)


def _read_all(file: IO[bytes]) -> bytes:
    file.seek(0)
    data = file.read()
    file.seek(0)
    return data


def upload_validate(file: Any, *, max_bytes: int) -> str:
    """Check one uploaded file and return its real content type (`application/pdf`, `image/jpeg`, `image/png`).

    Raises `ValidationError` with a message for the applicant when the file is empty, larger than
    `max_bytes`, not really a PDF, JPEG or PNG (whatever its name says), a damaged image (Pillow cannot
    verify it) or a damaged PDF (no `%PDF-` header or no `%%EOF` marker). Stores nothing.
    """
    name = getattr(file, "name", "") or _("the file")
    size = _size(file)
    if size == 0:
        raise ValidationError(_("“%(name)s” is empty."), code="empty", params={"name": name})
    if size > max_bytes:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files can be at most %(max)s."),
            code="too_large", params={"name": name, "size": filesizeformat(size), "max": filesizeformat(max_bytes)},
        )
    data = _read_all(file)
    kind = filetype.guess(data)
    content_type = kind.mime if kind is not None else None
    if content_type not in ALLOWED_CONTENT_TYPES:
        raise ValidationError(
            _("“%(name)s” is not a PDF, JPEG or PNG file (its content was checked, not its name). "
              "Please upload a scan or photo in one of these formats."),
            code="file_type", params={"name": name},
        )
    if content_type == "application/pdf":
        if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-_PDF_TAIL_BYTES:]:
            raise ValidationError(
                _("“%(name)s” is a damaged or incomplete PDF. Please save it again and upload it once more."),
                code="damaged", params={"name": name},
            )
    else:
        _image_verify(data, name=name)
    return content_type


def _image_verify(data: bytes, *, name: str) -> None:
    import io

    message = _("“%(name)s” is a damaged or incomplete image. Please take the scan or photo again.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        # verify() does not decode pixels; loading catches truncated JPEG and PNG data
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except Image.DecompressionBombError as exc:
        raise ValidationError(
            _("“%(name)s” has too many pixels to be a document scan."), code="too_large", params={"name": name},
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(message, code="damaged", params={"name": name}) from exc


def file_sha256(file: Any) -> str:
    """The SHA-256 of a file's content, read in chunks; leaves the file at its start."""
    digest = hashlib.sha256()
    file.seek(0)
    chunks = file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(65536), b"")
    for chunk in chunks:
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()
