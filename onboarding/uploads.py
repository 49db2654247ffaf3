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
import os
import re
import unicodedata
import zlib
from typing import Any

from django.utils.translation import gettext as _

# the content check itself lives in portal (billing checks evidence and receipts with it too)
from portal.uploads import ALLOWED_CONTENT_TYPES, EXTENSIONS, read_all, upload_validate  # noqa: F401


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
    data = read_all(file)
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
