"""Checking an uploaded file before anything is stored: the one content check every upload path uses (an
applicant's documents in onboarding, a deduction's evidence and a bank receipt in billing). It looks at the file's
real content, never its name. An image's pixel count is read from its header and checked against the limit
before any pixel is decoded, so a small file that would decode to gigabytes is refused cheaply.

The file imports (performance data, bank statements) share the keeping of an uploaded file between its upload
and its preview: `pending_upload_keep`, `pending_upload`, `pending_upload_forget`, `pending_upload_content`.
"""

from __future__ import annotations

import io
import uuid
import warnings
from typing import IO, Any

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
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


def read_all(file: IO[bytes]) -> bytes:
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
    data = read_all(file)
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


def upload_limits() -> tuple[int, int]:
    """The largest upload (bytes) and image (pixels) the portal settings allow."""
    from portal.models import PortalSettings

    settings = PortalSettings.load()
    return settings.upload_max_mb * 1024 * 1024, settings.upload_max_megapixels * 1_000_000


# ---- an uploaded file waiting for its preview
#
# A file import (performance data, bank statements) keeps the uploaded file in private storage under a random
# token until it is saved or abandoned. The token and the stored name live in the uploader's session under
# `session_key`, so only that session can open the preview; one upload waits per session and key.


def _private_storage():
    from django.core.files.storage import storages

    return storages["private"]


def pending_upload_keep(request, session_key: str, *, folder: str, content: bytes, **entry: Any) -> str:
    """Store `content` in private storage under `folder` and remember it in the session with `entry` (the
    file's name and whatever the preview needs); an earlier upload of the session under the same key is
    forgotten and its file removed. Returns the token."""
    for earlier in list(request.session.get(session_key, {})):
        pending_upload_forget(request, session_key, earlier)
    token = uuid.uuid4().hex
    name = _private_storage().save(f"{folder}/{token}.upload", ContentFile(content))
    pending = request.session.get(session_key, {})
    pending[token] = {"name": name, **entry}
    request.session[session_key] = pending
    return token


def pending_upload(request, session_key: str, token: str) -> dict | None:
    """What the session remembers of the upload waiting under `token`, or None when it is not this session's."""
    return request.session.get(session_key, {}).get(token)


def pending_upload_forget(request, session_key: str, token: str) -> None:
    """Forget the upload waiting under `token` and remove its file (nothing happens for an unknown token)."""
    pending = request.session.get(session_key, {})
    entry = pending.pop(token, None)
    request.session[session_key] = pending
    if entry:
        _private_storage().delete(entry["name"])


def pending_upload_content(entry: dict) -> bytes | None:
    """The waiting file's bytes, or None when it is gone from storage."""
    try:
        with _private_storage().open(entry["name"], "rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError):
        return None
