"""The benefits calculator over the default policy package, each figure checked by hand."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from portal.models import Category, PolicyItem, PolicyItemVersion
from portal.models.policy import PolicyBlock, PolicyFormula, PolicyKind
from portal.policy.calculator import CalculatorInputs, benefits_estimate, policy_benefit_for_year
from portal.policy.defaults import policy_defaults_load

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 6, 1)  # after the default launch date, 2026-01-01
D = Decimal


@pytest.fixture(autouse=True)
def _policy():
    policy_defaults_load()
    with translation.override("en"):
        yield


def category(code):
    return Category.objects.get(code=code)


def estimate(years=3, **figures):
    return benefits_estimate(inputs=CalculatorInputs(**figures), on_date=ON, years=years)


def line(result, code):
    return next(li for li in result.lines if li.item.code == code)


def test_every_default_item_is_listed_once():
    result = estimate()
    assert [li.item.code for li in result.lines] == [
        "rent_relief", "tax_rebate", "renovation_subsidy", "equipment_sorting", "equipment_cold_chain",
        "traffic_support", "logistics_subsidy", "free_digital_tools", "brand_fund",
        "training_reimbursement", "executive_classes",
    ]
    assert result.is_estimate
    assert result.currency == "CNY"


def test_rent_relief_full_first_year_then_half():
    rent = line(estimate(annual_rent=D("600000")), "rent_relief")
    # 100% × 600,000 + 50% × 600,000 + 50% × 600,000
    assert rent.eligible
    assert rent.year_amounts == [D("600000.00"), D("300000.00"), D("300000.00")]
    assert rent.year1 == D("600000.00")
    assert rent.total == D("1200000.00")
    assert "100%" in rent.rule and "50%" in rent.rule


def test_rent_relief_ends_after_three_years():
    rent = line(estimate(years=5, annual_rent=D("600000")), "rent_relief")
    assert rent.year_amounts == [D("600000.00"), D("300000.00"), D("300000.00"), D("0.00"), D("0")]
    assert rent.total == D("1200000.00")


def test_rent_relief_needs_physical_space():
    rent = line(estimate(annual_rent=D("0")), "rent_relief")
    assert not rent.eligible
    assert rent.total == 0
    assert any("annual rent" in reason for reason in rent.reasons)


@pytest.mark.parametrize(
    ("revenue", "eligible", "year1"),
    [
        # local tax contribution 1,000,000 a year; bands on annual revenue
        ("4999999.99", False, "0"),
        ("5000000", True, "300000.00"),  # exactly ¥5M: 30%
        ("19999999.99", True, "300000.00"),
        ("20000000", True, "400000.00"),  # exactly ¥20M: 40%
        ("49999999.99", True, "400000.00"),
        ("50000000", True, "500000.00"),  # exactly ¥50M: 50%
        ("900000000", True, "500000.00"),
    ],
)
def test_tax_rebate_band_edges(revenue, eligible, year1):
    tax = line(estimate(annual_revenue=D(revenue), local_tax_contribution=D("1000000")), "tax_rebate")
    assert tax.eligible is eligible
    assert tax.year1 == D(year1)
    assert tax.total == D(year1) * 3  # three years, same band each year
    if not eligible:
        assert tax.reasons == ["Needs annual revenue of at least ¥5,000,000.00."]


def test_tax_rebate_lasts_three_years():
    tax = line(estimate(years=4, annual_revenue=D("20000000"), local_tax_contribution=D("100000")), "tax_rebate")
    assert tax.year_amounts == [D("40000.00")] * 3 + [D("0")]
    assert "40%" in tax.rule and "annual revenue from ¥20,000,000.00" in tax.rule


def test_renovation_is_capped_per_project():
    reno = line(estimate(renovation_investment=D("8000000"), heavy_asset=True), "renovation_subsidy")
    # 20% × 8,000,000 = 1,600,000, capped at 1,000,000 per project, one-off
    assert reno.year_amounts == [D("1000000.00"), D("0"), D("0")]
    assert reno.total == D("1000000.00")
    assert reno.capped
    assert reno.rule == "20% × ¥8,000,000.00 = ¥1,600,000.00, one-off, capped at ¥1,000,000.00 per project"


def test_renovation_under_the_cap_and_only_for_heavy_assets():
    reno = line(estimate(renovation_investment=D("2000000"), heavy_asset=True), "renovation_subsidy")
    assert reno.total == D("400000.00") and not reno.capped
    light = line(estimate(renovation_investment=D("2000000"), heavy_asset=False), "renovation_subsidy")
    assert not light.eligible and light.total == 0
    assert light.reasons == ["Only for heavy-asset projects (such as a live-streaming base or a smart warehouse)."]


def test_equipment_subsidies_are_one_off():
    result = estimate(equipment_investment=D("1000000"), cold_chain_investment=D("2000000"))
    sorting, cold = line(result, "equipment_sorting"), line(result, "equipment_cold_chain")
    assert sorting.year_amounts == [D("100000.00"), D("0"), D("0")]  # 10% × 1,000,000
    assert cold.year_amounts == [D("300000.00"), D("0"), D("0")]  # 15% × 2,000,000
    assert policy_benefit_for_year(version=cold.version, inputs=CalculatorInputs(cold_chain_investment=D("1")),
                                   year=2).amount == 0


def test_logistics_fresh_per_order_capped_per_year():
    logi = line(estimate(category=category("fresh"), orders_per_year=1_200_000, designated_logistics=True),
                "logistics_subsidy")
    # ¥1 × 1,200,000 = 1,200,000 a year, capped at 500,000 a year, every year
    assert logi.year_amounts == [D("500000.00")] * 3
    assert logi.total == D("1500000.00")
    assert logi.capped
    assert "¥1.00 × 1,200,000 orders = ¥1,200,000.00" in logi.rule
    assert "capped at ¥500,000.00 a year" in logi.rule


@pytest.mark.parametrize(
    ("category_code", "cross_border", "year1"),
    [
        ("3c", False, "100000.00"),  # ¥0.50 × 200,000
        ("3c", True, "200000.00"),  # cross-border: ¥1 × 200,000
        ("fresh", False, "200000.00"),  # fresh: ¥1 × 200,000
        (None, False, "100000.00"),
    ],
)
def test_logistics_rate_by_category_and_cross_border(category_code, cross_border, year1):
    cat = category(category_code) if category_code else None
    logi = line(estimate(category=cat, cross_border=cross_border, orders_per_year=200_000,
                         designated_logistics=True), "logistics_subsidy")
    assert logi.year1 == D(year1)
    assert not logi.capped


def test_logistics_needs_the_designated_provider():
    logi = line(estimate(orders_per_year=200_000, designated_logistics=False), "logistics_subsidy")
    assert not logi.eligible
    assert logi.total == 0
    assert logi.reasons == ["Only for orders shipped with the designated logistics provider."]


def test_per_order_amounts_round_half_up_to_the_fen():
    # 3 orders × ¥0.50 = ¥1.50; training fees 10.01 × 80% = 8.008 -> 8.01
    result = estimate(orders_per_year=3, designated_logistics=True, training_fees=D("10.01"))
    assert line(result, "logistics_subsidy").year1 == D("1.50")
    assert line(result, "training_reimbursement").year_amounts == [D("8.01")] * 3


def test_training_reimbursed_every_year():
    training = line(estimate(years=5, training_fees=D("50000")), "training_reimbursement")
    assert training.year_amounts == [D("40000.00")] * 5  # 80% × 50,000, no end
    assert training.total == D("200000.00")


def test_in_kind_items_are_listed_but_never_counted():
    result = estimate()
    in_kind = {li.item.code for li in result.in_kind_lines}
    assert in_kind == {"traffic_support", "free_digital_tools", "brand_fund", "executive_classes"}
    traffic = line(result, "traffic_support")
    assert traffic.in_kind == "Homepage slots and search weight, worth at least ¥2,000,000 a year per firm"
    assert traffic.total == 0 and traffic.year1 == 0
    assert result.total == 0 and result.total_year1 == 0


def test_totals_add_every_eligible_cash_line():
    result = estimate(
        category=category("fresh"), annual_revenue=D("20000000"), local_tax_contribution=D("1000000"),
        annual_rent=D("600000"), renovation_investment=D("8000000"), heavy_asset=True,
        equipment_investment=D("1000000"), cold_chain_investment=D("2000000"), orders_per_year=1_200_000,
        designated_logistics=True, training_fees=D("50000"),
    )
    # year 1: rent 600,000 + tax 400,000 + renovation 1,000,000 + sorting 100,000 + cold chain 300,000
    #         + logistics 500,000 + training 40,000 = 2,940,000
    assert result.total_year1 == D("2940000.00")
    # years 2 and 3 each: rent 300,000 + tax 400,000 + logistics 500,000 + training 40,000 = 1,240,000
    assert result.total == D("2940000.00") + 2 * D("1240000.00")
    assert all(li.eligible for li in result.cash_lines)
    assert not result.ineligible_lines


def test_a_version_limited_to_categories_is_ineligible_for_others():
    item = PolicyItem.objects.create(code="pets_bonus", block=PolicyBlock.OPERATIONS, kind=PolicyKind.LOGISTICS,
                                     name_zh="宠物奖励", name_en="Pets bonus")
    version = PolicyItemVersion.objects.create(item=item, effective_from=datetime.date(2026, 1, 1),
                                               formula=PolicyFormula.PERCENT_OF_BASE, base_input="training_fees",
                                               rate=D("10"))
    version.categories.set([category("pets")])
    version.save()
    other = line(estimate(category=category("3c"), training_fees=D("1000")), "pets_bonus")
    assert not other.eligible
    assert other.reasons == ["Only for these categories: Pets."]
    pets = line(estimate(category=category("pets"), training_fees=D("1000")), "pets_bonus")
    assert pets.eligible and pets.year1 == D("100.00")


def test_estimate_runs_a_fixed_number_of_queries():
    inputs = CalculatorInputs(category=category("fresh"), orders_per_year=10, designated_logistics=True,
                              annual_rent=D("1"), annual_revenue=D("6000000"), local_tax_contribution=D("1"))
    with CaptureQueriesContext(connection) as queries:
        benefits_estimate(inputs=inputs, on_date=ON)
    assert len(queries) <= 3


def test_nothing_before_the_launch_date():
    result = benefits_estimate(inputs=CalculatorInputs(annual_rent=D("1")), on_date=datetime.date(2025, 12, 31))
    assert result.lines == []
    assert result.total == 0


def test_chinese_rule_text_is_produced_too():
    with translation.override("zh-hans"):
        reno = line(estimate(renovation_investment=D("2000000"), heavy_asset=True), "renovation_subsidy")
    assert "¥400,000.00" in reno.rule
