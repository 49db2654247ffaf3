"""The commission function: every stacking case of BUSINESS_RULES §7, and the set-based variant."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from contracts.commission import CommissionError, CommissionLine, Step, commission_rate, commission_rates
from contracts.commission.engine import add_months
from contracts.commission.overrides import commission_override_approve, commission_override_propose
from contracts.models import CommissionOverride, CommissionTableVersion
from contracts.models.commission import CommissionFrozen
from portal.models import CooperationMode
from tests.factories.commission import categories, contract, staff, table

pytestmark = pytest.mark.django_db
D = Decimal
SH = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 5, 1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SH)


def rate(c, code: str, gmv="0", on: dt.date = DAY, grade=None):
    return commission_rate(contract=c, category=categories()[code], period_gmv=D(gmv), on=on, grade=grade)


def steps(result) -> list[tuple[str, Decimal | None, Decimal]]:
    return [(s.step, s.input, s.output) for s in result.steps]


@pytest.fixture
def v1():
    return table()


# ---------------------------------------------------------------------------- base, credit grade, floor


def test_base_rate_by_category_with_grade_c(v1):
    result = rate(contract(grade="C"), "3c")
    assert result.rate == D("5")
    assert steps(result) == [(Step.BASE, None, D("5")), (Step.CREDIT, D("5"), D("5")),
                             (Step.FLOOR, D("5"), D("5"))]
    assert result.table_version == v1.number == 1
    assert {s.version for s in result.steps} == {1}
    assert result.steps[0].details == {"category": "3c"}


@pytest.mark.parametrize(("grade", "expected"), [("A", "10.8"), ("B", "11.4"), ("C", "12"), ("D", "12"),
                                                  ("E", "12"), ("", "12")])
def test_each_credit_grade_relative_discount(v1, grade, expected):
    result = rate(contract(grade=grade), "apparel")
    assert result.rate == D(expected)
    credit = next(s for s in result.steps if s.step == Step.CREDIT)
    assert credit.details["grade"] == (grade or "C")  # ungraded counts as C


def test_grade_at_period_start_argument_wins_over_current_grade(v1):
    c = contract(grade="C")
    assert rate(c, "apparel", grade="A").rate == D("10.8")
    assert rate(c, "apparel").rate == D("12")


def test_floor_lifts_a_rate_below_it():
    table(launch_multiplier="0.1")
    c = contract(grade="A", launch_offer=True, activated_at=at(dt.date(2026, 4, 1)))
    result = rate(c, "3c")  # 5 → launch 0.5 → A 0.45 → floor 1
    assert steps(result) == [(Step.BASE, None, D("5")), (Step.LAUNCH, D("5"), D("0.5")),
                             (Step.CREDIT, D("0.5"), D("0.45")), (Step.FLOOR, D("0.45"), D("1"))]
    assert result.rate == D("1")


def test_category_without_a_rate_takes_the_other_categorys(v1):
    from tests.factories.portal import CategoryFactory

    toys = CategoryFactory(code="toys")
    result = commission_rate(contract=contract(grade="C"), category=toys, period_gmv=D(0), on=DAY)
    assert result.rate == D("10")
    assert result.steps[0].rule == "other_category_rate"


def test_rates_round_half_up_to_four_places():
    table(rates={"other": "10.0030"})
    result = rate(contract(grade="B"), "other")  # 10.003 × 0.95 = 9.50285
    assert result.rate == D("9.5029")


# ---------------------------------------------------------------------------- the worked example, ladders


def test_worked_example_apparel_ladder_launch_grade_a():
    table(bands=[("apparel", "1000000", "10")])
    c = contract(grade="A", launch_offer=True, activated_at=at(dt.date(2026, 4, 1)))
    result = rate(c, "apparel", gmv="1200000")
    assert steps(result) == [(Step.BASE, None, D("12")), (Step.LADDER, D("12"), D("10")),
                             (Step.LAUNCH, D("10"), D("5")), (Step.CREDIT, D("5"), D("4.5")),
                             (Step.FLOOR, D("4.5"), D("4.5"))]
    assert result.rate == D("4.5")
    assert [s.rule for s in result.steps] == ["category_rate", "gmv_ladder", "launch_offer", "credit_discount",
                                              "floor"]


@pytest.mark.parametrize(("gmv", "expected"), [
    ("0", "12"), ("499999.99", "12"), ("500000", "11"), ("500000.01", "11"), ("1999999.99", "11"),
    ("2000000", "10"), ("90000000", "10"),
])
def test_ladder_band_applies_from_its_lower_edge_inclusive(gmv, expected):
    table(bands=[(None, "500000", "11"), (None, "2000000", "10")])
    result = rate(contract(grade="C"), "apparel", gmv=gmv)
    assert result.rate == D(expected)
    ladder = [s for s in result.steps if s.step == Step.LADDER]
    assert bool(ladder) == (D(gmv) >= 500000)


def test_category_bands_win_over_bands_for_every_category():
    table(bands=[(None, "100000", "9"), ("3c", "100000", "4.5")])
    assert rate(contract(grade="C"), "3c", gmv="200000").rate == D("4.5")
    assert rate(contract(grade="C"), "apparel", gmv="200000").rate == D("9")


def test_contract_ladder_wins_over_the_gmv_ladder():
    table(bands=[(None, "500000", "11")])
    c = contract(grade="C", ladder=[("100000", "7"), ("1000000", "6")])
    result = rate(c, "apparel", gmv="1000000")
    assert result.rate == D("6")
    ladder = next(s for s in result.steps if s.step == Step.LADDER)
    assert (ladder.rule, ladder.source, ladder.version) == ("contract_ladder", "contract", c.number)
    assert rate(c, "apparel", gmv="999999.99").rate == D("7")
    # below the contract ladder's first band the base stays: the table's ladder never applies to it
    assert rate(c, "apparel", gmv="600000").rate == D("7")
    below = rate(c, "apparel", gmv="99999.99")
    assert below.rate == D("12") and not [s for s in below.steps if s.step == Step.LADDER]


# ---------------------------------------------------------------------------- launch offer


ACTIVATED = dt.date(2026, 3, 10)


@pytest.mark.parametrize(("on", "applies"), [
    (dt.date(2026, 3, 9), False),    # before activation
    (dt.date(2026, 3, 10), True),    # the activation day
    (dt.date(2026, 6, 9), True),     # the last day of the 3 months
    (dt.date(2026, 6, 10), False),   # 3 months later: over
    (dt.date(2026, 9, 1), False),
])
def test_launch_offer_for_three_months_from_activation(v1, on, applies):
    c = contract(grade="C", launch_offer=True, activated_at=at(ACTIVATED))
    result = rate(c, "apparel", on=on)
    assert result.rate == (D("6") if applies else D("12"))
    launch = [s for s in result.steps if s.step == Step.LAUNCH]
    assert bool(launch) == applies
    if applies:
        assert launch[0].details["until"] == dt.date(2026, 6, 10)


def test_launch_offer_activation_day_is_the_operators_calendar_day(v1):
    # 2026-03-09 17:30 UTC is 2026-03-10 01:30 in Shanghai
    c = contract(grade="C", launch_offer=True, activated_at=dt.datetime(2026, 3, 9, 17, 30, tzinfo=dt.UTC))
    assert rate(c, "apparel", on=dt.date(2026, 3, 10)).rate == D("6")
    assert rate(c, "apparel", on=dt.date(2026, 6, 10)).rate == D("12")


def test_no_launch_offer_outside_the_launch_window_or_before_activation(v1):
    signed_later = contract(grade="C", launch_offer=False, activated_at=at(ACTIVATED))
    assert rate(signed_later, "apparel", on=dt.date(2026, 4, 1)).rate == D("12")
    not_active = contract(grade="C", launch_offer=True, activated_at=None)
    assert rate(not_active, "apparel", on=dt.date(2026, 4, 1)).rate == D("12")


def test_launch_months_come_from_the_table():
    table(launch_months=1)
    c = contract(grade="C", launch_offer=True, activated_at=at(ACTIVATED))
    assert rate(c, "apparel", on=dt.date(2026, 4, 9)).rate == D("6")
    assert rate(c, "apparel", on=dt.date(2026, 4, 10)).rate == D("12")


def test_add_months_clamps_to_the_months_last_day():
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)


# ---------------------------------------------------------------------------- joint operation


def test_joint_operation_share_replaces_base_and_ladder_without_adjustments():
    table(bands=[(None, "0", "11")])
    c = contract(grade="A", mode=CooperationMode.JOINT, revenue_share="18", launch_offer=True,
                 activated_at=at(dt.date(2026, 4, 1)), ladder=[("0", "7")])
    result = rate(c, "apparel", gmv="5000000")
    assert steps(result) == [(Step.REVENUE_SHARE, None, D("18"))]
    assert result.steps[0].version == c.number
    assert result.rate == D("18")


def test_joint_operation_with_adjustments_applies_launch_credit_and_floor(v1):
    c = contract(grade="A", mode=CooperationMode.JOINT, revenue_share="18", share_adjustments_apply=True,
                 launch_offer=True, activated_at=at(dt.date(2026, 4, 1)))
    result = rate(c, "apparel")
    assert steps(result) == [(Step.REVENUE_SHARE, None, D("18")), (Step.LAUNCH, D("18"), D("9")),
                             (Step.CREDIT, D("9"), D("8.1")), (Step.FLOOR, D("8.1"), D("8.1"))]


def test_platform_contract_with_a_share_figure_is_not_joint_operation(v1):
    c = contract(grade="C", mode=CooperationMode.PLATFORM, revenue_share="18")
    assert rate(c, "apparel").rate == D("12")


# ---------------------------------------------------------------------------- overrides


def _override(c, *, rate_percent: str, category=None, start=DAY, end=None, approve=True):
    proposer, approver = staff("finance"), staff("recruitment_lead")
    o = commission_override_propose(contract=c, category=category, rate_percent=D(rate_percent), reason="pilot",
                                    effective_from=start, effective_to=end, actor=proposer)
    return commission_override_approve(override=o, actor=approver) if approve else o


@pytest.fixture
def today_is_before_day(monkeypatch):
    # overrides cannot start in the past; the tests' days are in 2026, so "today" is before them
    monkeypatch.setattr("contracts.commission.overrides.commission_today", lambda: dt.date(2026, 1, 1))


def test_approved_override_replaces_the_rate_and_is_listed(v1, today_is_before_day):
    c = contract(grade="A")
    o = _override(c, rate_percent="6", category=categories()["apparel"])
    result = rate(c, "apparel")
    assert steps(result)[-2:] == [(Step.OVERRIDE, D("10.8"), D("6")), (Step.FLOOR, D("6"), D("6"))]
    assert result.override_id == o.pk and result.steps[-2].version == o.pk
    assert rate(c, "3c").override_id is None  # another category


def test_override_still_meets_the_floor(v1, today_is_before_day):
    c = contract(grade="C")
    _override(c, rate_percent="0.5")
    result = rate(c, "3c")
    assert steps(result)[-2:] == [(Step.OVERRIDE, D("5"), D("0.5")), (Step.FLOOR, D("0.5"), D("1"))]


def test_override_applies_only_approved_and_in_its_dates(v1, today_is_before_day):
    c = contract(grade="C")
    _override(c, rate_percent="3", approve=False)
    _override(c, rate_percent="4", start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 30))
    assert rate(c, "3c", on=DAY).rate == D("5")
    assert rate(c, "3c", on=dt.date(2026, 6, 30)).rate == D("4")
    assert rate(c, "3c", on=dt.date(2026, 7, 1)).rate == D("5")


def test_category_override_wins_over_one_for_every_category(v1, today_is_before_day):
    c = contract(grade="C")
    specific = _override(c, rate_percent="7", category=categories()["apparel"])
    _override(c, rate_percent="3", start=dt.date(2026, 2, 1))
    assert rate(c, "apparel").override_id == specific.pk
    assert rate(c, "3c").rate == D("3")


# ---------------------------------------------------------------------------- versions chosen by the date


def test_table_changed_mid_period_the_date_picks_the_version(v1):
    v2 = table(effective_from=dt.date(2026, 6, 15), rates={"apparel": "11", "other": "10"})
    c = contract(grade="C")
    before, after = rate(c, "apparel", on=dt.date(2026, 6, 14)), rate(c, "apparel", on=dt.date(2026, 6, 15))
    assert (before.rate, before.table_version) == (D("12"), 1)
    assert (after.rate, after.table_version) == (D("11"), v2.number) and v2.number == 2
    assert after.steps[0].version == 2


def test_no_table_in_effect_before_the_first_version(v1):
    with pytest.raises(CommissionError):
        rate(contract(), "apparel", on=dt.date(2025, 12, 31))
    with pytest.raises(CommissionError):
        commission_rates([CommissionLine(contract().pk, categories()["apparel"].pk, D(0), dt.date(2025, 12, 31))])


def test_bad_inputs_raise_commission_errors(v1):
    c = contract()
    with pytest.raises(CommissionError):
        rate(c, "apparel", gmv="-1")
    with pytest.raises(CommissionError):
        commission_rate(contract=c, category=categories()["apparel"], period_gmv=1.5, on=DAY)
    with pytest.raises(CommissionError):
        rate(c, "apparel", grade="Z")


def test_versions_are_frozen(v1):
    with pytest.raises(CommissionFrozen):
        v1.save()
    with pytest.raises(CommissionFrozen):
        v1.delete()
    assert CommissionTableVersion.objects.get().content["rates"][0] == {
        "category": "3c", "category_id": categories()["3c"].pk, "rate_percent": "5.0000"}


# ---------------------------------------------------------------------------- the set-based variant


def _generated(n_contracts=120, n_lines=2000, seed=7):
    rng = random.Random(seed)
    table(bands=[(None, "200000", "11"), (None, "1000000", "9.5"), ("3c", "300000", "4.8")])
    table(effective_from=dt.date(2026, 7, 1), rates={"3c": "5.5", "fresh": "7.5", "apparel": "11.5", "other": "9"},
          bands=[(None, "500000", "8.75")], launch_multiplier="0.6", launch_months=2, discount_a="12")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("contracts.commission.overrides.commission_today", lambda: dt.date(2026, 1, 1))
        contracts = []
        for _ in range(n_contracts):
            kind = rng.random()
            c = contract(
                grade=rng.choice(["", "A", "B", "C", "D", "E"]),
                mode=CooperationMode.JOINT if kind < 0.15 else CooperationMode.PLATFORM,
                revenue_share=str(rng.choice([12, 15, 18.5])) if kind < 0.2 else None,
                share_adjustments_apply=rng.random() < 0.5,
                launch_offer=rng.random() < 0.5,
                activated_at=at(dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(0, 300)))
                if rng.random() < 0.8 else None,
                ladder=[("0", "9"), ("800000", "7.25")] if 0.2 <= kind < 0.35 else [],
            )
            if rng.random() < 0.1:
                _override(c, rate_percent=str(rng.choice(["0.5", "3", "6.5"])),
                          category=categories()[rng.choice(["apparel", "3c"])] if rng.random() < 0.5 else None,
                          start=dt.date(2026, rng.randrange(1, 12), 1),
                          end=rng.choice([None, dt.date(2026, 12, 31)]))
            contracts.append(c)
    cats = list(categories().values())
    edges = [D(0), D("199999.99"), D(200000), D(300000), D(500000), D(800000), D(1000000)]
    lines = []
    for _ in range(n_lines):
        gmv = rng.choice(edges) if rng.random() < 0.4 else D(rng.randrange(0, 3_000_000_00)) / 100
        lines.append(CommissionLine(rng.choice(contracts).pk, rng.choice(cats).pk, gmv,
                                    dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(0, 365)),
                                    rng.choice([None, None, None, "A", "B", "C", "E"])))
    lines += lines[:200]  # repeated keys
    return contracts, cats, lines


def test_set_based_agrees_with_the_single_call_on_generated_lines():
    contracts, cats, lines = _generated()
    by_pk = {c.pk: c for c in contracts}
    cat_by_pk = {c.pk: c for c in cats}
    many = commission_rates(lines)
    assert len(many) == len(lines)
    for line, result in zip(lines, many, strict=True):
        single = commission_rate(contract=by_pk[line.contract_id], category=cat_by_pk[line.category_id],
                                 period_gmv=line.period_gmv, on=line.on, grade=line.grade)
        assert result == single, line
    seen_steps = {s.step for r in many for s in r.steps}
    assert seen_steps == {Step.BASE, Step.REVENUE_SHARE, Step.LADDER, Step.LAUNCH, Step.CREDIT, Step.OVERRIDE,
                          Step.FLOOR}
    assert {r.table_version for r in many} == {1, 2}


def test_set_based_runs_a_fixed_number_of_queries():
    contracts, cats, lines = _generated(n_contracts=40, n_lines=600)
    with CaptureQueriesContext(connection) as few:
        commission_rates(lines[:5])
    with CaptureQueriesContext(connection) as many:
        commission_rates(lines)
    assert len(few) == len(many) == 7


def test_set_based_returns_results_in_order_and_accepts_plain_tuples(v1):
    c3, ca = categories()["3c"], categories()["apparel"]
    c = contract(grade="A")
    results = commission_rates([(c.pk, ca.pk, D(0), DAY, None), (c.pk, c3.pk, D(0), DAY, None),
                                (c.pk, ca.pk, D(0), DAY, "C")])
    assert [r.rate for r in results] == [D("10.8"), D("4.5"), D("12")]


def test_set_based_with_no_lines_asks_nothing():
    with CaptureQueriesContext(connection) as queries:
        assert commission_rates([]) == []
    assert len(queries) == 0


def test_result_is_json_ready(v1):
    data = rate(contract(grade="A"), "apparel").as_dict()
    assert data["rate"] == "10.8000" and data["table_version"] == 1
    assert data["steps"][1] == {"step": "credit", "rule": "credit_discount", "source": "table", "version": 1,
                                "input": "12.0000", "output": "10.8000", "detail": {"grade": "A",
                                                                                   "discount": "10.0000"}}


def test_overrides_are_stored_with_their_status(v1, today_is_before_day):
    c = contract()
    o = _override(c, rate_percent="6", approve=False)
    assert CommissionOverride.objects.get(pk=o.pk).status == "proposed"


def test_the_database_refuses_changes_to_frozen_versions(v1):
    from django.db import DatabaseError, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    for model in (CommissionTableVersion, v1.rates.model):
        with pytest.raises(DatabaseError), transaction.atomic():
            model.objects.update(id=F("id"))
        with pytest.raises(DatabaseError), transaction.atomic():
            model.objects.all().delete()


def test_set_based_reads_whole_tables_past_many_contracts_with_the_same_answers(monkeypatch):
    _contracts, _cats, lines = _generated(n_contracts=30, n_lines=400, seed=11)
    contract(grade="A", ladder=[("0", "6")])  # a contract none of the lines asks about
    filtered = commission_rates(lines)
    monkeypatch.setattr("contracts.commission.engine.MAX_ID_PARAMETERS", 5)
    with CaptureQueriesContext(connection) as queries:
        unfiltered = commission_rates(lines)
    assert unfiltered == filtered and len(queries) == 7
    assert "IN (" not in queries[0]["sql"]


def test_a_rate_is_reproducible_after_later_tables_take_effect(v1):
    c = contract(grade="B", launch_offer=True, activated_at=at(dt.date(2026, 4, 1)))
    before = rate(c, "apparel", on=dt.date(2026, 5, 1))
    table(effective_from=dt.date(2026, 9, 1), rates={"apparel": "14", "other": "11"}, discount_b="8")
    again = rate(c, "apparel", on=dt.date(2026, 5, 1))
    assert again == before and again.table_version == 1
    assert rate(c, "apparel", on=dt.date(2026, 9, 1)).rate == D("12.88")
