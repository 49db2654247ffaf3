"""The calculator form turns any visitor input into field errors or clean figures, never an exception."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from portal.policy.calculator import CalculatorInputs
from portal.policy.defaults import policy_defaults_load
from portal.policy.forms import BenefitsCalculatorForm
from tests.factories.portal import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_empty_form_means_zero_everywhere():
    form = BenefitsCalculatorForm({})
    assert form.is_valid(), form.errors
    assert form.to_inputs() == CalculatorInputs()


def test_figures_with_separators_and_currency_sign_are_read():
    policy_defaults_load()
    form = BenefitsCalculatorForm({
        "category": str(CategoryFactory(code="fresh").pk), "annual_revenue": "¥20,000,000",
        "annual_rent": " 600000.50 ",
        "orders_per_year": "1,200,000", "designated_logistics": "on", "cross_border": "",
    })
    assert form.is_valid(), form.errors
    inputs = form.to_inputs()
    assert inputs.category.code == "fresh"
    assert inputs.annual_revenue == Decimal("20000000")
    assert inputs.annual_rent == Decimal("600000.50")
    assert inputs.orders_per_year == 1_200_000
    assert inputs.designated_logistics is True
    assert inputs.cross_border is False
    assert inputs.training_fees == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("annual_rent", "-1", "Enter zero or a positive amount."),
        ("annual_revenue", "1000000000001", "Enter an amount up to 1,000,000,000,000 (one trillion)."),
        ("annual_revenue", "9" * 60, "Enter an amount up to 1,000,000,000,000 (one trillion)."),
        ("renovation_investment", "abc", "Enter an amount in yuan using digits only, for example 1200000."),
        ("renovation_investment", "NaN", "Enter an amount in yuan using digits only, for example 1200000."),
        ("equipment_investment", "Infinity", "Enter an amount in yuan using digits only, for example 1200000."),
        ("training_fees", "1.001", "Enter at most 2 decimal places (fen)."),
        ("orders_per_year", "-5", "Enter zero or a positive number of orders."),
        ("orders_per_year", "1000000001", "Enter at most 1,000,000,000 orders a year."),
        ("orders_per_year", "9" * 5000, "Enter a whole number of orders using digits only, for example 1200000."),
        ("orders_per_year", "12.5", "Enter a whole number of orders using digits only, for example 1200000."),
        ("orders_per_year", "lots", "Enter a whole number of orders using digits only, for example 1200000."),
        ("category", "999999", "Choose one of the listed categories."),
        ("category", "fresh", "Choose one of the listed categories."),
    ],
)
def test_bad_input_gives_a_field_error(field, value, message):
    form = BenefitsCalculatorForm({field: value})
    assert not form.is_valid()
    assert form.errors[field] == [message]
    with pytest.raises(ValidationError):
        form.to_inputs()


def test_inactive_categories_are_not_offered():
    active = CategoryFactory(code="active-cat")
    inactive = CategoryFactory(code="old-cat", is_active=False)
    form = BenefitsCalculatorForm({"category": str(inactive.pk)})
    assert not form.is_valid()
    assert "category" in form.errors
    assert active in form.fields["category"].queryset
    assert inactive not in form.fields["category"].queryset


def test_errors_render_in_the_calculator_template():
    from django.template.loader import render_to_string

    form = BenefitsCalculatorForm({"annual_rent": "-1"})
    form.is_valid()
    html = render_to_string("portal/policy/_calculator.html", {"form": form, "estimate": None})
    assert "Enter zero or a positive amount." in html
    assert 'value="-1"' in html
    assert "benefits-estimate" not in html.split("</form>")[1]  # no result without valid figures
