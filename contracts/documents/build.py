"""Contract PDFs: render, seal, store once, and schedule the rendering after commit.

- `contract_pdf_render(*, contract, kind, evidence=None) -> bytes`: the PDF of a draft preview, the issued copy or
  the signed copy (the issued text plus the evidence page), not yet sealed and not stored.
- `contract_document_build(*, contract, kind) -> ContractDocument`: renders, seals a signed copy with the operator's
  PAdES signature (`contracts.signing.pdf_sign`), stores the file in private storage with its SHA-256, size and
  page count. The issued and the signed copy are written once: building one that exists returns the stored row.
- `contract_document_schedule(*, contract, kind)`: the same in a Celery task, enqueued after the transaction
  commits (the lifecycle calls it on issue and after countersigning).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.audit import audit_entries_for, audit_entry_create

from ..models import Contract, ContractDocument, ContractTemplateVersion
from .render import EVENT_LABELS, LABELS, Evidence, EvidenceRow, bilingual, contract_html, html_to_pdf
from .terms import content_digest, contract_terms_snapshot, sample_snapshot, terms_digest

logger = logging.getLogger(__name__)

Kind = ContractDocument.Kind


def commission_table_for(*, contract: Contract, snapshot: dict, on: date) -> list[dict] | None:
    """The commission table as it applies on `on` (the issue day, so every render of the contract prints the same
    figures): per category and ladder band, the category base rate and the rate that applies, from the commission
    engine with the contract's own grade. None for a joint operation (its revenue share replaces the table), for an
    unsaved contract (a template preview) or when no commission table is in effect on the day."""
    from ..commission import CommissionError, CommissionLine, commission_rates
    from ..commission.selectors import contract_commission_categories
    from .terms import LANGS, _money, percent_text

    if contract.pk is None or snapshot["revenue_share_percent"] is not None:
        return None
    from ..models import CommissionTableBand, CommissionTableVersion

    categories = list(contract_commission_categories(contract=contract).order_by("sort_order", "code"))
    edges = sorted(contract.ladder_bands.values_list("min_gmv", flat=True))
    version = (CommissionTableVersion.objects.filter(effective_from__lte=on)
               .order_by("-effective_from", "-number").first())
    if version is None:
        return None
    table_edges: dict[int | None, list] = {}
    if not edges:
        for category_id, min_gmv in CommissionTableBand.objects.filter(version=version).values_list(
                "category_id", "min_gmv"):
            table_edges.setdefault(category_id, []).append(min_gmv)
    plan = [(category, sorted({Decimal(0), *(edges or table_edges.get(category.pk, table_edges.get(None, [])))}))
            for category in categories]
    grade = snapshot["grade"] or None
    lines = [CommissionLine(contract.pk, category.pk, edge, on, grade) for category, bands in plan for edge in bands]
    try:
        results = iter(commission_rates(lines))
    except CommissionError:
        return None
    currency = snapshot["currency"]
    rows = []
    for category, bands in plan:
        for index, edge in enumerate(bands):
            result = next(results)
            base = next((step.output for step in result.steps if step.step == "base"), None)
            rows.append({"zh": category.name_zh, "en": category.name_en, "first": index == 0, "span": len(bands),
                         "from_gmv": {lang: _money(str(edge), currency, lang) for lang in LANGS},
                         "base": percent_text(str(base)) if base is not None else "—",
                         "rate": percent_text(str(result.rate)), "table_version": result.table_version})
    return rows


def _evidence_for(contract: Contract, *, terms_sha256: str) -> Evidence:
    """Every audit entry of the contract, oldest first, with the document hashes (completion-certificate style)."""
    rows = []
    for entry in audit_entries_for(target=contract):
        data = entry.data or {}
        label = EVENT_LABELS.get(entry.action)
        event = bilingual(label) if label else {"zh": entry.action, "en": entry.action}
        at = timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S %Z") if getattr(
            entry, "created_at", None) else ""
        actor = entry.actor_repr
        if entry.actor is not None:
            name, email = entry.actor.get_full_name(), entry.actor.email
            actor = f"{name} <{email}>" if name and email else (email or name or actor)
        if not actor:
            actor = bilingual(LABELS["system"])["zh"]
        rows.append(EvidenceRow(at=at, event=event, actor=actor, ip=entry.ip_address or data.get("ip", "") or "",
                                user_agent=str(data.get("user_agent", ""))[:300]))
    issued = contract.documents.filter(kind=Kind.ISSUED).first()
    term = ""
    if contract.starts_on:
        term = f"{contract.starts_on.isoformat()} – {contract.ends_on.isoformat() if contract.ends_on else ''}"
    return Evidence(rows=rows, issued_sha256=issued.sha256 if issued else "",
                    accepted_sha256=contract.accepted_pdf_sha256, terms_sha256=terms_sha256,
                    accepted_name=contract.accepted_name, term_dates=term)


def _render(*, contract: Contract, kind: str, evidence: Evidence | None):
    snapshot = contract_terms_snapshot(contract)
    digest = terms_digest(snapshot)
    on = timezone.localdate(contract.issued_at) if contract.issued_at else timezone.localdate()
    if kind == Kind.SIGNED and evidence is None:
        evidence = _evidence_for(contract, terms_sha256=digest)
    html = contract_html(snapshot=snapshot, content=contract.template_version.content, terms_sha256=digest,
                         mark="draft_mark" if kind == Kind.DRAFT else "",
                         evidence=evidence if kind == Kind.SIGNED else None,
                         commission_table=commission_table_for(contract=contract, snapshot=snapshot, on=on))
    return html_to_pdf(html), digest


def contract_pdf_render(*, contract: Contract, kind: str, evidence: Evidence | None = None) -> bytes:
    """The PDF of `contract` for `kind` (draft, issued or signed), unsealed. A signed copy carries the evidence
    page (`evidence`, or the contract's audit trail and document hashes when not given)."""
    return _render(contract=contract, kind=kind, evidence=evidence)[0].data


def _seal_reason(contract: Contract, digest: str) -> str:
    return f"portal-contract:{contract.number}; terms-sha256:{digest}"


def contract_document_build(*, contract: Contract, kind: str) -> ContractDocument:
    """Render (and for the signed copy seal) and store the PDF of `kind`. Issued and signed copies are stored once:
    a second call returns the stored row and writes nothing. Draft previews are stored each time."""
    if kind not in Kind.values:
        raise ValueError(f"unknown document kind {kind!r}")
    if kind != Kind.DRAFT:
        existing = ContractDocument.objects.filter(contract=contract, kind=kind).first()
        if existing is not None:
            return existing
    rendered, digest = _render(contract=contract, kind=kind, evidence=None)
    data = rendered.data
    if kind == Kind.SIGNED:
        from ..signing import pdf_sign

        data = pdf_sign(data, reason=_seal_reason(contract, digest),
                        name=(contract.template_version.content.get("operator") or {}).get("name", {}).get("en", ""))
    sha256 = hashlib.sha256(data).hexdigest()
    document = ContractDocument(contract=contract, kind=kind, sha256=sha256, size=len(data), pages=rendered.pages)
    document.file.save(f"{contract.number}-{kind}-{sha256[:12]}.pdf", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            document.save()
            audit_entry_create(actor=None, action="contracts.document.rendered", target=contract,
                               data={"kind": kind, "sha256": sha256, "pages": rendered.pages, "size": len(data)})
    except IntegrityError:
        # another worker stored this kind first: theirs is the one, ours is dropped
        document.file.delete(save=False)
        return ContractDocument.objects.get(contract=contract, kind=kind)
    return document


def contract_document_schedule(*, contract: Contract, kind: str) -> None:
    """Build the document in a Celery task once the current transaction has committed."""
    from ..tasks import contract_document_render

    contract_id = contract.pk
    transaction.on_commit(lambda: contract_document_render.delay(contract_id, kind))


# ---- template previews -------------------------------------------------------------------------------------------

def template_preview_pdf(*, template) -> bytes:
    """The PDF of a template (the live snippet or its draft, as edited) filled with sample data."""
    content = template.template_content()
    sha = content_digest(content)
    snapshot = sample_snapshot(mode=template.mode, template_sha256=sha)
    latest = ContractTemplateVersion.objects.filter(mode=template.mode).order_by("-number").first()
    snapshot["template_version"]["number"] = (latest.number + 1) if latest else 1
    snapshot["template_version"]["effective_from"] = template.effective_from.isoformat()
    html = contract_html(snapshot=snapshot, content=content, terms_sha256=terms_digest(snapshot),
                         mark="sample_mark")
    return html_to_pdf(html).data
