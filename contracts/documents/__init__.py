"""Contract documents: the terms snapshot and its digest, the PDF rendering, the stored and sealed copies.

The lifecycle calls `contract_document_schedule` on issue and after countersigning; everything else reads.
"""

from .build import (
    contract_document_build,
    contract_document_schedule,
    contract_pdf_render,
    template_preview_pdf,
)
from .render import Evidence, EvidenceRow
from .terms import content_digest, contract_terms_digest, contract_terms_snapshot

__all__ = [
    "Evidence",
    "EvidenceRow",
    "content_digest",
    "contract_document_build",
    "contract_document_schedule",
    "contract_pdf_render",
    "contract_terms_digest",
    "contract_terms_snapshot",
    "template_preview_pdf",
]
