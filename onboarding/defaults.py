"""Default reference data of onboarding: the document types and the document matrix
(operator guide §5.2), and one squad per category that has none. Idempotent: existing rows are left as
staff have edited them; only missing ones are added."""

from __future__ import annotations

from django.db import transaction

from portal.models import Category, Squad

from .models import DocumentRequirement, DocumentType

# code, Chinese name, English name, has_number, has_expiry, is_optional
DOCUMENT_TYPES: list[tuple[str, str, str, bool, bool, bool]] = [
    ("business_licence", "营业执照", "Business licence", True, True, False),
    ("production_licence", "生产许可证", "Production licence", True, True, False),
    ("quality_certificate", "质量认证（如ISO 9001）", "Quality certificate (such as ISO 9001)", True, True, False),
    ("trademark_registration", "商标注册证", "Trademark registration certificate", True, True, False),
    ("brand_authorisation", "品牌授权书（完整授权链）", "Brand authorisation (the full chain)", False, True, False),
    ("quality_incident_declaration", "近三年无重大质量事故声明",
     "Declaration: no major quality incident in the last 3 years", False, False, False),
    ("customs_credit_rating", "海关信用评级", "Customs credit rating", True, True, False),
    ("import_export_qualification", "进出口资质", "Import/export qualification", True, True, False),
    ("green_certification", "绿色认证", "Green certification", True, True, True),
]

# document type code, required, cross_border (None = any); category: None = any.
# The production licence is added per category that needs one; the brand authorisation becomes required
# for an application that lists an authorised (not owned) brand (onboarding.selectors).
MATRIX: list[tuple[str, bool, bool | None]] = [
    ("business_licence", True, None),
    ("quality_certificate", True, None),
    ("trademark_registration", True, None),
    ("brand_authorisation", False, None),
    ("quality_incident_declaration", True, None),
    ("customs_credit_rating", True, True),
    ("import_export_qualification", True, True),
    ("green_certification", False, None),
]


@transaction.atomic
def onboarding_defaults_load() -> dict[str, int]:
    """Add the missing document types, matrix rows and squads; returns how many of each were added."""
    added = {"document_types": 0, "requirements": 0, "squads": 0}
    types: dict[str, DocumentType] = {}
    for order, (code, zh, en, has_number, has_expiry, optional) in enumerate(DOCUMENT_TYPES, start=1):
        doc_type, created = DocumentType.objects.get_or_create(code=code, defaults={
            "name_zh": zh, "name_en": en, "has_number": has_number, "has_expiry": has_expiry,
            "is_optional": optional, "sort_order": order * 10,
        })
        types[code] = doc_type
        added["document_types"] += created

    def requirement(doc_type: DocumentType, required: bool, cross_border: bool | None,
                    category: Category | None = None) -> None:
        exists = DocumentRequirement.objects.filter(document_type=doc_type, category=category, cooperation_mode="",
                                                    cross_border=cross_border).exists()
        if not exists:
            DocumentRequirement.objects.create(document_type=doc_type, category=category, cooperation_mode="",
                                               cross_border=cross_border, required=required)
            added["requirements"] += 1

    for code, required, cross_border in MATRIX:
        requirement(types[code], required, cross_border)
    for category in Category.objects.filter(needs_production_licence=True):
        requirement(types["production_licence"], True, None, category)

    for category in Category.objects.filter(is_active=True, squads__isnull=True):
        squad = Squad.objects.create(name_zh=f"{category.name_zh}专项招商小组", name_en=f"{category.name_en} squad")
        squad.categories.add(category)
        added["squads"] += 1
    return added
