"""A merchant's own document (an invoice or statement PDF, a fapiao, a dispute's evidence) from private storage, as
a download. The caller has already checked that the document belongs to `request.merchant`."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _


def private_file_response(field, filename: str, content_type: str = "application/pdf") -> FileResponse:
    """`field`'s file as an attachment named `filename`, never cached or sniffed; a 404 while it is missing."""
    if not field:
        raise Http404(_("This document does not exist or is not ready yet."))
    try:
        handle = field.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(_("This document does not exist or is not ready yet.")) from exc
    response = FileResponse(handle, as_attachment=True, content_type=content_type, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
