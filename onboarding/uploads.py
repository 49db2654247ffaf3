"""Checking uploaded documents before anything is stored.

`upload_validate` is the one check every upload path uses (the applicant's forms and
`onboarding.services.document_add`): it looks at the file's real content, never its name. An image's
pixel count is read from its header and checked against the limit before any pixel is decoded, so a
small file that would decode to gigabytes is refused cheaply. The stored extension and the download name
come from the detected type (`EXTENSIONS`, `upload_display_name`), and `pdf_active_content` lists the
active-content markers of a PDF for the reviewer.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import warnings
import zlib
from typing import IO, Any

import filetype
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from portal.models.settings import UPLOAD_MEGAPIXELS_CEILING

ALLOWED_CONTENT_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
}
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
# Pillow warns above this many pixels and refuses twice as many at open(); no configurable limit is higher.
Image.MAX_IMAGE_PIXELS = UPLOAD_MEGAPIXELS_CEILING * 1_000_000
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


def upload_validate(file: Any, *, max_bytes: int, max_pixels: int) -> str:
    """Check one uploaded file and return its real content type (`application/pdf`, `image/jpeg`, `image/png`).

    Raises `ValidationError` with a message for the applicant when the file is empty, larger than
    `max_bytes`, not really a PDF, JPEG or PNG (whatever its name says), an image of more than `max_pixels`
    pixels (read from the header, before decoding), a damaged image (Pillow cannot verify it) or a damaged
    PDF (no `%PDF-` header or no `%%EOF` marker). Stores nothing.
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
        _image_verify(data, name=name, max_pixels=max_pixels)
    return content_type


def _too_many_pixels(name: str, max_pixels: int) -> ValidationError:
    return ValidationError(
        _("“%(name)s” has too many pixels to be a document scan (at most %(megapixels)s megapixels). "
          "Please scan it at a lower resolution."),
        code="too_many_pixels", params={"name": name, "megapixels": f"{max_pixels / 1_000_000:g}"},
    )


def _image_verify(data: bytes, *, name: str, max_pixels: int) -> None:
    message = _("“%(name)s” is a damaged or incomplete image. Please take the scan or photo again.")
    try:
        # open() reads the header only; Pillow's own bomb warning above its ceiling counts as too many pixels
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
        if width * height > max_pixels:
            raise _too_many_pixels(name, max_pixels)
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        # verify() does not decode pixels; loading catches truncated JPEG and PNG data
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(name, max_pixels) from exc
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


def upload_display_name(raw: str, *, content_type: str) -> str:
    """The name a stored file is shown and downloaded under: the uploader's name up to any NUL byte, without
    folders or control characters, ending in the extension of its detected type (`a.pdf\\x00.html` is
    `a.pdf`, `scan.html` holding a PNG is `scan.png`)."""
    name = (raw or "").split("\x00", 1)[0].replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C")).strip(" .")
    stem = os.path.splitext(name)[0].strip(" .") or _("document")
    extension = EXTENSIONS.get(content_type, "")
    return stem[: 255 - len(extension)] + extension


# --- PDF active content --------------------------------------------------------------------------------------

# Names that make a PDF run something: scripts, actions on open or on events, launching programs.
PDF_ACTIVE_NAMES = ("JavaScript", "JS", "OpenAction", "AA", "Launch")
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_STREAM = re.compile(rb"stream\r?\n")
_PDF_SCAN_LIMIT = 64 * 1024 * 1024  # decompressed bytes scanned at most, so a compression bomb stays cheap


def _pdf_names(data: bytes) -> set[str]:
    """The PDF name objects in `data`, with `#xx` escapes decoded (`/J#61vaScript` is `JavaScript`)."""
    names = set()
    for match in _PDF_NAME.finditer(data):
        raw = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        names.add(raw.decode("latin-1"))
    return names


def _pdf_inflated_streams(data: bytes):
    """The content of every stream that inflates with zlib (FlateDecode, used by object streams too)."""
    budget = _PDF_SCAN_LIMIT
    view = memoryview(data)  # slices without copying
    for match in _PDF_STREAM.finditer(data):
        if budget <= 0:
            return
        inflater = zlib.decompressobj()
        try:
            content = inflater.decompress(view[match.end():], budget)
        except zlib.error:
            continue
        budget -= len(content)
        yield content


def pdf_active_content(file: Any) -> list[str]:
    """The active-content names (`PDF_ACTIVE_NAMES`) that a PDF holds, in the file or inside its compressed
    streams (object streams included); empty for a plain document. Reads the file, leaves it at its start."""
    data = _read_all(file)
    names = _pdf_names(data)
    for content in _pdf_inflated_streams(data):
        names |= _pdf_names(content)
    return [name for name in PDF_ACTIVE_NAMES if name in names]


def stored_file_headers(response: Any) -> Any:
    """Headers for serving a stored upload: the browser must neither guess another type from its bytes nor run
    anything in it (a sandboxed, script-less document), and no shared cache may keep it."""
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
