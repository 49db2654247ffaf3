"""The document matrix, an application's document slots, and what blocks submission or approval."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from portal.models import Category

from ..models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    DocumentCheckStatus,
    DocumentRequirement,
    DocumentType,
)

BRAND_AUTHORISATION_CODE = "brand_authorisation"


def documents_required_for(
    *, categories: Iterable[Category | int | None], cooperation_mode: str | None, cross_border: bool | None,
) -> list[tuple[DocumentType, bool]]:
    """The document types an applicant with these answers is asked for, and whether each is required.

    Per category, the most specific matching matrix row decides for each document type (a row matches
    when each of its conditions is empty or equal); between equally specific rows "required" wins.
    Across several categories a type is required if any category requires it. `cross_border=None`
    (not answered) counts as domestic. Types marked "always optional" are never required.
    """
    category_ids = [c.pk if isinstance(c, Category) else c for c in categories] or [None]
    mode = cooperation_mode or ""
    cb = bool(cross_border)
    rows = list(
        DocumentRequirement.objects.select_related("document_type")
        .filter(Q(category__isnull=True) | Q(category_id__in=[c for c in category_ids if c is not None]))
        .filter(Q(cooperation_mode="") | Q(cooperation_mode=mode))
        .filter(Q(cross_border__isnull=True) | Q(cross_border=cb))
    )
    result: dict[int, tuple[DocumentType, bool]] = {}
    for category_id in category_ids:
        best: dict[int, tuple[int, bool]] = {}
        for row in rows:
            if row.category_id is not None and row.category_id != category_id:
                continue
            spec = row.specificity
            current = best.get(row.document_type_id)
            if current is None or spec > current[0] or (spec == current[0] and row.required):
                best[row.document_type_id] = (spec, row.required)
        for type_id, (_spec, required) in best.items():
            doc_type = next(r.document_type for r in rows if r.document_type_id == type_id)
            required = required and not doc_type.is_optional
            previous = result.get(type_id)
            result[type_id] = (doc_type, required or (previous[1] if previous else False))
    return sorted(result.values(), key=lambda item: (item[0].sort_order, item[0].code))


def application_required_documents(application: Application) -> list[tuple[DocumentType, bool]]:
    categories: list[int | None] = []
    if application.main_category_id:
        categories.append(application.main_category_id)
    categories += [pk for pk in application.other_categories.values_list("pk", flat=True) if pk not in categories]
    rows = documents_required_for(categories=categories, cooperation_mode=application.cooperation_mode,
                                  cross_border=application.cross_border)
    authorised = any(isinstance(b, dict) and b.get("ownership") == "authorised" for b in application.brands or [])
    if authorised:
        rows = [(t, required or (t.code == BRAND_AUTHORISATION_CODE and not t.is_optional)) for t, required in rows]
        if not any(t.code == BRAND_AUTHORISATION_CODE for t, _r in rows):
            extra = DocumentType.objects.filter(code=BRAND_AUTHORISATION_CODE).first()
            if extra is not None:
                rows.append((extra, not extra.is_optional))
    return rows


def current_documents(queryset: QuerySet[ApplicationDocument] | None = None) -> QuerySet[ApplicationDocument]:
    """The documents that count: for each application and type only the newest upload (a replacement is
    a new row and the older one stays for the record). One SQL condition, usable inside a subquery."""
    queryset = ApplicationDocument.objects.all() if queryset is None else queryset
    newer = ApplicationDocument.objects.filter(
        Q(uploaded_at__gt=OuterRef("uploaded_at")) | Q(uploaded_at=OuterRef("uploaded_at"), pk__gt=OuterRef("pk")),
        application=OuterRef("application"), document_type=OuterRef("document_type"),
    )
    return queryset.filter(~Exists(newer))


@dataclass
class DocumentSlot:
    document_type: DocumentType
    required: bool
    current: ApplicationDocument | None
    earlier: list[ApplicationDocument] = field(default_factory=list)

    @property
    def satisfied_for_submission(self) -> bool:
        return self.current is not None and self.current.check_status != DocumentCheckStatus.REJECTED

    @property
    def satisfied_for_approval(self) -> bool:
        return self.current is not None and self.current.check_status in (DocumentCheckStatus.ACCEPTED,
                                                                          DocumentCheckStatus.WAIVED)


def application_document_slots(application: Application) -> list[DocumentSlot]:
    """One slot per document type asked for (plus any other type the applicant uploaded)."""
    wanted = application_required_documents(application)
    documents = list(
        ApplicationDocument.objects.filter(application=application)
        .select_related("document_type", "checked_by")
        .prefetch_related("files")
        .order_by("-uploaded_at", "-id")
    )
    by_type: dict[int, list[ApplicationDocument]] = {}
    for doc in documents:
        by_type.setdefault(doc.document_type_id, []).append(doc)
    slots = [
        DocumentSlot(t, required, (by_type.get(t.pk) or [None])[0], by_type.get(t.pk, [])[1:])
        for t, required in wanted
    ]
    listed = {t.pk for t, _r in wanted}
    for type_id, docs in by_type.items():
        if type_id not in listed:
            slots.append(DocumentSlot(docs[0].document_type, False, docs[0], docs[1:]))
    return slots


SUBMISSION_REQUIRED_FIELDS = [
    "company_name", "credit_code", "legal_representative", "contact_name", "contact_phone", "contact_email",
    "address", "main_category", "cooperation_mode", "cross_border",
]


def application_missing_items(application: Application) -> list[str]:
    """What still blocks submission (or resubmission), as messages for the applicant."""
    missing = []
    for name in SUBMISSION_REQUIRED_FIELDS:
        value = getattr(application, name if name != "main_category" else "main_category_id")
        if value is None or value == "":
            label = Application._meta.get_field(name).verbose_name
            missing.append(_("%(field)s is not filled in.") % {"field": str(capfirst(label))})
    for slot in application_document_slots(application):
        if not slot.required:
            continue
        if slot.current is None:
            missing.append(_("%(document)s is required and has not been uploaded.")
                           % {"document": slot.document_type.name})
        elif slot.current.check_status == DocumentCheckStatus.REJECTED:
            missing.append(_("%(document)s was rejected; please upload a new one.")
                           % {"document": slot.document_type.name})
    return missing


def application_approval_blockers(application: Application) -> list[str]:
    """Why the application cannot be approved yet (empty list = it can)."""
    blockers = []
    if application.status != ApplicationStatus.IN_REVIEW:
        blockers.append(_("The application is not in review."))
    if application.compliance_signed_off_at is None:
        blockers.append(_("Compliance has not signed off."))
    for slot in application_document_slots(application):
        if slot.required and not slot.satisfied_for_approval:
            state = _("missing") if slot.current is None else slot.current.get_check_status_display()
            blockers.append(_("Required document %(document)s is %(state)s.")
                            % {"document": slot.document_type.name, "state": str(state).lower()})
    return blockers
