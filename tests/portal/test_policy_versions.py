"""Version rules: no overlaps, figures in effect never change, a change is a new version (operator guide §3.1)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from portal.audit import audit_entries_for
from portal.models import PolicyItemVersion
from portal.models.policy import PolicyFormula
from portal.policy.selectors import policy_items_current
from portal.policy.services import (
    PolicyVersionInvalid,
    policy_version_check,
    policy_version_close,
    policy_version_create,
)
from tests.factories.policy import PolicyItemFactory, PolicyItemVersionFactory
from tests.factories.portal import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def in_effect():
    """A version in effect since 2026-01-01, open-ended."""
    return PolicyItemVersionFactory(effective_from=datetime.date(2026, 1, 1))


def errors_of(exc_info):
    return exc_info.value.errors


def test_an_overlapping_new_version_is_refused(in_effect):
    with pytest.raises(PolicyVersionInvalid) as exc:
        policy_version_create(item=in_effect.item, actor=None, effective_from=TODAY + 30 * DAY, today=TODAY,
                              formula=PolicyFormula.PERCENT_OF_BASE, base_input="equipment_investment",
                              rate=Decimal("12"))
    [message] = errors_of(exc)["effective_from"]
    assert "overlap the version in effect from 2026-01-01 to open-ended" in message
    assert "Set the end date of that version to 2026-06-30 first." in message
    assert in_effect.item.versions.count() == 1


def test_closing_then_adding_a_version_changes_the_figure_from_its_date(in_effect):
    editor = UserFactory()
    policy_version_close(version=in_effect, effective_to=TODAY + 29 * DAY, actor=editor, today=TODAY)
    new = policy_version_create(item=in_effect.item, actor=editor, effective_from=TODAY + 30 * DAY, today=TODAY,
                                formula=PolicyFormula.PERCENT_OF_BASE, base_input="equipment_investment",
                                rate=Decimal("12"), change_note="Raised to 12%")

    def rate_on(day):
        return [i.current_version.rate for i in policy_items_current(on_date=day)]

    assert rate_on(TODAY + 29 * DAY) == [Decimal("10")]
    assert rate_on(TODAY + 30 * DAY) == [Decimal("12")]
    assert [e.action for e in audit_entries_for(target=in_effect)] == ["portal.policy_version.closed"]
    [created] = audit_entries_for(target=new)
    assert created.action == "portal.policy_version.created"
    assert created.actor == editor
    assert created.data["figures"]["rate"] == "12"


def test_overlap_inside_a_closed_range_is_refused(in_effect):
    policy_version_close(version=in_effect, effective_to=datetime.date(2026, 12, 31), actor=None, today=TODAY)
    with pytest.raises(PolicyVersionInvalid) as exc:
        policy_version_create(item=in_effect.item, actor=None, effective_from=datetime.date(2026, 12, 31),
                              today=TODAY, formula=PolicyFormula.PERCENT_OF_BASE,
                              base_input="equipment_investment", rate=Decimal("12"))
    assert "to 2026-12-31" in errors_of(exc)["effective_from"][0]
    # another item's dates never clash
    other = policy_version_create(item=PolicyItemFactory(), actor=None, effective_from=TODAY, today=TODAY,
                                  formula=PolicyFormula.PERCENT_OF_BASE, base_input="equipment_investment",
                                  rate=Decimal("12"))
    assert other.pk


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rate", Decimal("11")),
        ("formula", PolicyFormula.PER_UNIT),
        ("cap_per_project", Decimal("1000")),
        ("effective_from", datetime.date(2026, 2, 1)),
        ("requires_heavy_asset", True),
    ],
)
def test_figures_of_a_version_in_effect_are_refused(in_effect, field, value):
    setattr(in_effect, field, value)
    with pytest.raises(PolicyVersionInvalid) as exc:
        policy_version_check(version=in_effect, today=TODAY)
    assert any("its figures cannot change" in m for m in errors_of(exc)[field])


def test_categories_and_bands_of_a_version_in_effect_are_refused(in_effect):
    with pytest.raises(PolicyVersionInvalid) as exc:
        policy_version_check(version=in_effect, categories=[CategoryFactory()], today=TODAY)
    assert "categories" in errors_of(exc)
    with pytest.raises(PolicyVersionInvalid) as exc:
        policy_version_check(version=in_effect, bands_changed=True, today=TODAY)
    assert "__all__" in errors_of(exc)


def test_wording_and_end_date_of_a_version_in_effect_may_change(in_effect):
    in_effect.eligibility_en = "Firms that join, from any region."
    in_effect.effective_to = TODAY
    policy_version_check(version=in_effect, categories=[], today=TODAY)  # does not raise


def test_a_version_in_effect_cannot_end_in_the_past(in_effect):
    with pytest.raises(PolicyVersionInvalid) as exc:
        policy_version_close(version=in_effect, effective_to=TODAY - DAY, actor=None, today=TODAY)
    assert errors_of(exc)["effective_to"] == [
        "A version in effect cannot end in the past; the earliest end date is today (2026-06-01)."]
    in_effect.refresh_from_db()
    assert in_effect.effective_to is None


def test_an_ended_version_is_history(in_effect):
    policy_version_close(version=in_effect, effective_to=datetime.date(2026, 3, 31), actor=None,
                         today=datetime.date(2026, 3, 1))
    with pytest.raises(PolicyVersionInvalid) as exc:
        policy_version_close(version=in_effect, effective_to=datetime.date(2026, 12, 31), actor=None, today=TODAY)
    assert "is history" in errors_of(exc)["effective_to"][0]


def test_a_scheduled_version_may_still_change():
    future = PolicyItemVersionFactory(effective_from=TODAY + 10 * DAY)
    future.rate = Decimal("15")
    future.effective_from = TODAY + 20 * DAY
    policy_version_check(version=future, categories=[CategoryFactory()], bands_changed=True, today=TODAY)


def test_a_new_version_cannot_start_in_the_past():
    with pytest.raises(PolicyVersionInvalid) as exc:
        policy_version_create(item=PolicyItemFactory(), actor=None, effective_from=TODAY - DAY, today=TODAY,
                              formula=PolicyFormula.PERCENT_OF_BASE, base_input="equipment_investment",
                              rate=Decimal("10"))
    assert errors_of(exc)["effective_from"] == [
        "A version cannot start in the past; start it today (2026-06-01) or later."]
    assert not PolicyItemVersion.objects.exists()


@pytest.mark.parametrize(
    ("figures", "field"),
    [
        ({"formula": PolicyFormula.YEAR_SCHEDULE, "base_input": "annual_rent", "year_rates": ""}, "year_rates"),
        ({"formula": PolicyFormula.YEAR_SCHEDULE, "base_input": "annual_rent", "year_rates": "100,abc"},
         "year_rates"),
        ({"formula": PolicyFormula.YEAR_SCHEDULE, "base_input": "annual_rent", "year_rates": "100,150"},
         "year_rates"),
        ({"formula": PolicyFormula.PERCENT_OF_BASE, "base_input": "", "rate": Decimal("10")}, "base_input"),
        ({"formula": PolicyFormula.PERCENT_OF_BASE, "base_input": "annual_rent", "rate": Decimal("120")}, "rate"),
        ({"formula": PolicyFormula.PER_UNIT, "base_input": "orders_per_year", "rate": Decimal("-1")}, "rate"),
        ({"formula": PolicyFormula.IN_KIND}, "in_kind_zh"),
        ({"formula": PolicyFormula.IN_KIND, "in_kind_en": "x", "cap_per_year": Decimal("0")}, "cap_per_year"),
        ({"formula": PolicyFormula.IN_KIND, "in_kind_en": "x", "currency": "yuan"}, "currency"),
        ({"formula": PolicyFormula.IN_KIND, "in_kind_en": "x", "effective_to": TODAY - DAY}, "effective_to"),
    ],
)
def test_inconsistent_figures_are_refused_on_their_field(figures, field):
    with pytest.raises(PolicyVersionInvalid) as exc:
        policy_version_create(item=PolicyItemFactory(), actor=None, effective_from=TODAY, today=TODAY, **figures)
    assert field in errors_of(exc)
