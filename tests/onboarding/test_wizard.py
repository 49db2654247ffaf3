"""The wizard's field map and the one way an answer is shown, in both languages."""

from decimal import Decimal

import pytest
from django.utils import translation

from onboarding import forms, wizard
from onboarding.models import CooperationMode, WizardStep
from tests.factories.portal import CategoryFactory

pytestmark = pytest.mark.django_db


def test_the_step_forms_edit_the_fields_of_the_map():
    for step, form_class in forms.STEP_FORMS.items():
        assert list(form_class._meta.fields) == wizard.form_fields(step)
    assert "brands" in wizard.STEP_FIELDS[WizardStep.CATEGORIES]
    assert "brands" not in wizard.form_fields(WizardStep.CATEGORIES)
    assert wizard.field_step("monthly_gmv") == WizardStep.SCREENING
    assert wizard.field_step("document:business_licence") == WizardStep.DOCUMENTS
    assert wizard.field_step("sample_pass_rate", steps=[WizardStep.SCREENING]) is None


@pytest.mark.parametrize(("language", "expected"), [
    ("en", {
        "label": "Monthly GMV (6-month average)", "money": "¥2,650,000.00", "yes": "Yes", "no": "No",
        "mode": "Platform entry", "category": "Apparel", "brands": "Acme (own brand), Zeta (authorised)",
        "cross_border": "Domestic only", "percent": "82.5",
    }),
    ("zh-hans", {
        "label": "月均 GMV（近 6 个月平均）", "money": "¥2,650,000.00", "yes": "是", "no": "否",
        "mode": "平台入驻", "category": "服装", "brands": "Acme（自有品牌）、Zeta（授权品牌）",
        "cross_border": "仅限境内", "percent": "82.5",
    }),
])
def test_answer_display_in_the_viewers_language(language, expected):
    category = CategoryFactory(code="apparel", name_en="Apparel", name_zh="服装")
    with translation.override(language):
        assert wizard.field_label("monthly_gmv") == expected["label"]
        assert wizard.answer_display("monthly_gmv", Decimal("2650000"), currency="CNY") == expected["money"]
        # the audit log's form of the same answer shows the same way
        assert wizard.answer_display("monthly_gmv", "2650000.00", currency="CNY") == expected["money"]
        assert wizard.answer_display("has_ops_team", True, currency="CNY") == expected["yes"]
        assert wizard.answer_display("is_listed", False, currency="CNY") == expected["no"]
        assert wizard.answer_display("has_ops_team", None, currency="CNY") == "—"
        assert wizard.answer_display("cooperation_mode", CooperationMode.PLATFORM, currency="CNY") == expected["mode"]
        assert wizard.answer_display("main_category", category, currency="CNY") == expected["category"]
        assert wizard.answer_display("main_category", category.pk, currency="CNY") == expected["category"]
        assert wizard.answer_display("other_categories", [category.pk], currency="CNY") == expected["category"]
        assert wizard.answer_display("brands", [{"name": "Acme", "ownership": "own"},
                                                {"name": "Zeta", "ownership": "authorised"}],
                                     currency="CNY") == expected["brands"]
        assert wizard.answer_display("cross_border", False, currency="CNY") == expected["cross_border"]
        assert wizard.answer_display("sku_coverage", "82.50", currency="CNY") == expected["percent"]
