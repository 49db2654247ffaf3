from decimal import Decimal

import pytest
from django.utils import translation

from onboarding.models import Application, Profile, ScreeningRules
from onboarding.screening import screening_display, screening_evaluate
from portal.models import Merchant
from tests.factories.onboarding import MerchantFactory

pytestmark = pytest.mark.django_db


def app_with(kind: str = Merchant.Kind.MERCHANT, **answers) -> Application:
    """An unsaved application; screening reads only its answers and its merchant's kind."""
    return Application(merchant=MerchantFactory(kind=kind), currency="CNY", **answers)


CORE = {"is_known_brand": True, "sku_coverage": Decimal("80"), "monthly_gmv": Decimal("500000.01"),
        "has_ops_team": True}
POTENTIAL = {"has_patents_or_designs": True, "annual_growth": Decimal("30")}
STRATEGIC = {"is_listed": True, "term_years": 3, "marketing_commitment": Decimal("1")}


def evaluate(app):
    """The result as the English admin shows it (reasons in words)."""
    with translation.override("en"):
        return screening_display(screening_evaluate(application=app))


def test_core_profile_with_reasons():
    result = evaluate(app_with(**CORE))
    assert result.profile == Profile.CORE
    assert result.score == 100
    assert result.reasons[0].startswith("Matches the Core merchant profile")
    assert any("Monthly GMV of ¥500,000.01 is above ¥500,000.00" in r for r in result.reasons)
    assert any("SKU coverage of 80%" in r for r in result.reasons)
    assert result.unmet == []


def test_vertical_top10_counts_as_core_advantage():
    answers = {**CORE, "is_known_brand": False, "top10_position": 7}
    assert evaluate(app_with(**answers)).profile == Profile.CORE
    answers["top10_position"] = 11
    result = evaluate(app_with(**answers))
    assert result.profile == Profile.NONE
    assert any("No supply-chain advantage" in r for r in result.unmet)


def test_potential_profile():
    result = evaluate(app_with(**POTENTIAL))
    assert result.profile == Profile.POTENTIAL
    assert result.score == 100
    assert any("patents or original designs" in r for r in result.reasons)


def test_strategic_profile_wins_over_core_when_both_match():
    result = evaluate(app_with(**CORE, **STRATEGIC))
    assert result.profile == Profile.STRATEGIC
    assert any("Listed company" in r for r in result.reasons)


def test_strategic_needs_a_commitment_above_zero():
    result = evaluate(app_with(**{**STRATEGIC, "marketing_commitment": Decimal("0")}))
    assert result.profile == Profile.NONE
    assert result.score == 67
    assert any("is not above ¥0.00" in r for r in result.unmet)


def test_no_profile_flags_without_rejecting_and_lists_missing_answers():
    result = evaluate(app_with(is_known_brand=True, sku_coverage=Decimal("70"), monthly_gmv=Decimal("500000")))
    assert result.profile == Profile.NONE
    assert result.score == 25  # closest: core, 1 of 4
    assert "not a rejection" in result.reasons[0]
    assert any("SKU coverage of 70% is below the 80%" in r for r in result.unmet)
    assert any("Monthly GMV of ¥500,000.00 is not above" in r for r in result.unmet)
    assert "Whether there is a mature operations team is not answered." in result.missing
    assert "Annual growth is not answered." in result.missing


def test_empty_answers_say_plainly_what_is_missing():
    result = evaluate(app_with())
    assert result.profile == Profile.NONE
    assert result.score == 0
    assert len(result.missing) == 9  # every criterion's question
    assert result.capability_score is None


def test_thresholds_come_from_the_rules_setting():
    rules = ScreeningRules.load()
    rules.core_monthly_gmv_above = Decimal("1000000")
    rules.save()
    assert evaluate(app_with(**CORE)).profile == Profile.NONE


def test_supplier_capability_matrix():
    supplier = app_with(Merchant.Kind.SUPPLIER, **CORE, sample_pass_rate=Decimal("98"),
                        peak_capacity_multiple=Decimal("3"), price_vs_industry_pct=Decimal("12"),
                        erp_integration=False, new_skus_per_year=10)
    result = evaluate(supplier)
    assert result.capability_score == 60
    assert result.capability_recommended is True
    assert "No ERP integration." in result.unmet
    assert any("new SKUs a year is below 50" in r for r in result.unmet)
    supplier.price_vs_industry_pct = Decimal("20")  # too far below the market is not a pass either
    result = evaluate(supplier)
    assert result.capability_score == 40
    assert result.capability_recommended is False


def test_reasons_are_stored_as_codes_and_shown_in_the_viewers_language():
    """Stored in no language at all: the English admin reads English and the Chinese page Chinese, from the
    same stored result; reasons stored as text by an earlier version are shown as they are."""
    with translation.override("zh-hans"):
        result = screening_evaluate(application=app_with(**{**CORE, "monthly_gmv": Decimal("2650000")}))
    assert result.profile == Profile.CORE
    stored = result.as_dict()
    assert stored["profile"] == "core"
    gmv = next(r for r in stored["reasons"] if r["code"] == "core.monthly_gmv.met")
    assert gmv["params"] == {"amount": {"money": "2650000", "currency": "CNY"},
                             "min": {"money": "500000", "currency": "CNY"}}
    assert stored["reasons"][0] == {"code": "profile.matched", "params": {"profile": {"profile": "core"}, "count": 4}}
    with translation.override("en"):
        english = screening_display(stored)
    with translation.override("zh-hans"):
        chinese = screening_display(stored)
    assert english.reasons[0] == "Matches the Core merchant profile: all 4 criteria are met."
    assert "Monthly GMV of ¥2,650,000.00 is above ¥500,000.00." in english.reasons
    assert chinese.reasons[0] == "符合核心商家画像：全部 4 项条件均已满足。"
    assert "月均 GMV ¥2,650,000.00，高于 ¥500,000.00。" in chinese.reasons
    assert "未回答是否为上市公司或行业龙头。" in chinese.missing

    legacy = {"profile": "core", "score": 100, "reasons": ["符合核心商家画像：全部 4 项条件均已满足。"],
              "unmet": [], "missing": []}
    with translation.override("en"):
        assert screening_display(legacy).reasons == ["符合核心商家画像：全部 4 项条件均已满足。"]
        assert not screening_display({})
