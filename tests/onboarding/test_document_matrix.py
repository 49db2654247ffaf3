import pytest

from onboarding.defaults import onboarding_defaults_load
from onboarding.models import CooperationMode, DocumentRequirement, DocumentType
from onboarding.selectors import application_required_documents, documents_required_for
from portal.models import Squad
from tests.factories.onboarding import draft_application
from tests.factories.portal import CategoryFactory

pytestmark = pytest.mark.django_db

BASE_REQUIRED = {"business_licence", "quality_certificate", "trademark_registration",
                 "quality_incident_declaration"}
CROSS_BORDER = {"customs_credit_rating", "import_export_qualification"}


def codes(rows, *, required: bool | None = None) -> set[str]:
    return {t.code for t, req in rows if required is None or req == required}


@pytest.fixture
def categories():
    food = CategoryFactory(code="food", needs_production_licence=True)
    apparel = CategoryFactory(code="apparel")
    onboarding_defaults_load()
    return food, apparel


@pytest.mark.parametrize("mode", [m.value for m in CooperationMode])
@pytest.mark.parametrize("cross_border", [False, True])
@pytest.mark.parametrize("category_code", ["food", "apparel"])
def test_default_matrix(categories, mode, cross_border, category_code):
    category = {c.code: c for c in categories}[category_code]
    rows = documents_required_for(categories=[category], cooperation_mode=mode, cross_border=cross_border)
    expected = set(BASE_REQUIRED)
    if cross_border:
        expected |= CROSS_BORDER
    if category_code == "food":
        expected.add("production_licence")
    assert codes(rows, required=True) == expected
    assert codes(rows, required=False) == {"brand_authorisation", "green_certification"}


def test_several_categories_require_the_union(categories):
    rows = documents_required_for(categories=list(categories), cooperation_mode="joint", cross_border=False)
    assert "production_licence" in codes(rows, required=True)


def test_a_more_specific_row_overrides_a_general_one(categories):
    food, apparel = categories
    trademark = DocumentType.objects.get(code="trademark_registration")
    DocumentRequirement.objects.create(document_type=trademark, cooperation_mode=CooperationMode.FRANCHISE,
                                       required=False)
    franchise = documents_required_for(categories=[apparel], cooperation_mode="franchise", cross_border=False)
    platform = documents_required_for(categories=[apparel], cooperation_mode="platform", cross_border=False)
    assert "trademark_registration" in codes(franchise, required=False)
    assert "trademark_registration" in codes(platform, required=True)
    # a category-specific requirement for one mode only
    green = DocumentType.objects.get(code="green_certification")
    iso = DocumentType.objects.get(code="quality_certificate")
    DocumentRequirement.objects.create(document_type=iso, category=food, cooperation_mode="joint",
                                       cross_border=True, required=False)
    assert "quality_certificate" in codes(
        documents_required_for(categories=[food], cooperation_mode="joint", cross_border=True), required=False)
    assert "quality_certificate" in codes(
        documents_required_for(categories=[food], cooperation_mode="joint", cross_border=False), required=True)
    # "always optional" types are never required, whatever a row says
    DocumentRequirement.objects.create(document_type=green, category=apparel, required=True)
    assert "green_certification" in codes(
        documents_required_for(categories=[apparel], cooperation_mode="joint", cross_border=False), required=False)


def test_equally_specific_rows_required_wins(categories):
    _food, apparel = categories
    green = DocumentType.objects.get(code="green_certification")
    green.is_optional = False
    green.save()
    DocumentRequirement.objects.create(document_type=green, cooperation_mode="platform", required=True)
    DocumentRequirement.objects.create(document_type=green, cross_border=False, required=False)
    rows = documents_required_for(categories=[apparel], cooperation_mode="platform", cross_border=False)
    assert "green_certification" in codes(rows, required=True)


def test_authorised_brand_makes_the_authorisation_chain_required(categories):
    app = draft_application(category=categories[1], with_documents=False)
    assert "brand_authorisation" in codes(application_required_documents(app), required=False)
    app.brands = [{"name": "Licensed Brand", "ownership": "authorised"}]
    assert "brand_authorisation" in codes(application_required_documents(app), required=True)


def test_defaults_are_idempotent_and_make_a_squad_per_category(categories):
    counts = (DocumentType.objects.count(), DocumentRequirement.objects.count(), Squad.objects.count())
    assert counts[2] >= 2
    assert onboarding_defaults_load() == {"document_types": 0, "requirements": 0, "squads": 0}
    assert (DocumentType.objects.count(), DocumentRequirement.objects.count(), Squad.objects.count()) == counts
    food = categories[0]
    assert Squad.objects.filter(categories=food).count() == 1
    assert not Squad.objects.get(categories=food).members.exists()
