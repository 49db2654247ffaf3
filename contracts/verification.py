"""Is this PDF an intact contract of ours? The check behind the public verify page and `manage.py verify_contract`.

A file is **intact** when its SHA-256 is that of a stored contract document (the issued or the signed copy) and, for a
signed copy, its PAdES signature validates against our root, certifies the document and nothing was changed after
it. A file that is not byte-for-byte one of ours but names one of our contracts (in its metadata, its signature's
reason, or anywhere in its bytes when it no longer parses) is **altered**. Anything else is **unknown**: not a
contract of ours, or not a PDF at all. Only an intact match reveals the parties, the template version and the events.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.audit import audit_entries_for

from .models import Contract, ContractDocument
from .signing import SignatureCheck, pdf_signature_check

INTACT, ALTERED, UNKNOWN = "intact", "altered", "unknown"
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_OCTAL = re.compile(rb"\\([0-7]{3})")
_MARKER = re.compile(rb"portal-contract:([A-Za-z0-9][A-Za-z0-9_./-]{0,29})")
# the events a verifier sees (not the internal ones such as "PDF rendered")
PUBLIC_EVENTS = {
    "contracts.contract.issued": _("Issued to the merchant"),
    "contracts.contract.accepted": _("Accepted by the merchant"),
    "contracts.contract.countersigned": _("Countersigned by the operator"),
    "contracts.contract.signed": _("Countersigned by the operator"),
    "contracts.contract.activated": _("Became active"),
    "contracts.contract.terminated": _("Terminated"),
    "contracts.contract.expired": _("Expired"),
    "contracts.contract.renewed": _("Renewed"),
}


@dataclass
class VerifyEvent:
    at: datetime
    label: str
    action: str


@dataclass
class VerifyResult:
    """The answer for one file (or one number + hash). `contract` and the details are set only when intact."""

    status: str
    sha256: str = ""
    contract: Contract | None = None
    document: ContractDocument | None = None
    claimed_number: str = ""
    signature: SignatureCheck | None = None
    events: list[VerifyEvent] = field(default_factory=list)
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.status == INTACT

    @property
    def number(self) -> str:
        return self.contract.number if self.contract else self.claimed_number


def _events(contract: Contract) -> list[VerifyEvent]:
    return [VerifyEvent(at=entry.created_at, label=str(PUBLIC_EVENTS[entry.action]), action=entry.action)
            for entry in audit_entries_for(target=contract) if entry.action in PUBLIC_EVENTS]


def _claimed_number(data: bytes) -> str:
    """The contract number the file says it is (metadata keywords or the seal's reason), readable or not."""
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader

        reader = PdfFileReader(io.BytesIO(data), strict=False)
        info = reader.trailer_view.get("/Info")
        keywords = str(info.get_object().get("/Keywords", "")) if info is not None else ""
        match = _MARKER.search(keywords.encode())
        if match:
            return match.group(1).decode()
    except Exception:  # noqa: BLE001,S110 (an unreadable file falls back to the raw bytes below)
        pass
    # the seal's /Reason is a literal string in the file's last (uncompressed) update, with "-" and ":" escaped
    # as octal (\\055, \\072): unescape, then look for the marker
    unescaped = _OCTAL.sub(lambda m: bytes([int(m.group(1), 8) & 0xFF]), data)
    match = _MARKER.search(unescaped)
    return match.group(1).decode().rstrip(".;,") if match else ""


def _intact(document: ContractDocument, sha256: str, signature: SignatureCheck | None) -> VerifyResult:
    contract = document.contract
    return VerifyResult(status=INTACT, sha256=sha256, contract=contract, document=document, signature=signature,
                        events=_events(contract))


def contract_pdf_verify(data: bytes) -> VerifyResult:
    """Check a file. Never raises on bad input: garbage is simply not a contract of ours."""
    sha256 = hashlib.sha256(data).hexdigest()
    document = (ContractDocument.objects.select_related("contract__template_version", "contract__merchant")
                .filter(sha256=sha256).exclude(kind=ContractDocument.Kind.DRAFT).first())
    is_pdf = data[:1024].lstrip().startswith(b"%PDF-") or b"%PDF-" in data[:1024]
    if document is not None:
        if document.kind == ContractDocument.Kind.SIGNED:
            signature = pdf_signature_check(data)
            if not signature.ok:
                return VerifyResult(status=ALTERED, sha256=sha256, claimed_number=document.contract.number,
                                    signature=signature, reason="signature")
            return _intact(document, sha256, signature)
        return _intact(document, sha256, None)
    number = _claimed_number(data) if is_pdf else ""
    if number and Contract.objects.filter(number=number).exists():
        signature = pdf_signature_check(data) if is_pdf else None
        return VerifyResult(status=ALTERED, sha256=sha256, claimed_number=number, signature=signature,
                            reason="hash")
    return VerifyResult(status=UNKNOWN, sha256=sha256, reason="not_ours" if is_pdf else "not_pdf")


def contract_hash_verify(*, number: str, sha256: str) -> VerifyResult:
    """Check a contract number and a SHA-256 entered by hand against the stored documents."""
    number = (number or "").strip()
    sha256 = (sha256 or "").strip().lower()
    if not SHA256_RE.match(sha256):
        return VerifyResult(status=UNKNOWN, sha256=sha256, claimed_number=number, reason="bad_hash")
    document = (ContractDocument.objects.select_related("contract__template_version", "contract__merchant")
                .filter(Q(contract__number=number) | Q(contract__number__iexact=number), sha256=sha256)
                .exclude(kind=ContractDocument.Kind.DRAFT).first())
    if document is not None:
        return _intact(document, sha256, None)
    if Contract.objects.filter(number__iexact=number).exists():
        return VerifyResult(status=ALTERED, sha256=sha256, claimed_number=number, reason="hash")
    return VerifyResult(status=UNKNOWN, sha256=sha256, claimed_number=number, reason="not_ours")
