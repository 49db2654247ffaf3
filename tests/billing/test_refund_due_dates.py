"""Deposit refunds fall due 30 PRC working days after the contract ends: holidays and adjusted working days [调休]
from the calendar, across Spring Festival and National Day."""

import datetime as dt

import pytest

from billing.services.refunds import refund_due_date

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar():
    from portal.calendar import calendar_defaults_load

    calendar_defaults_load()


@pytest.mark.parametrize(("ends_on", "due_on"), [
    # Spring Festival 2026: 15–23 February off, Saturdays 14 and 28 February worked. From Friday 30 January:
    # 2–13 February (10), Saturday 14 (11), 24–27 February (15), Saturday 28 (16), 2–13 March (26), 16–19 March (30).
    (dt.date(2026, 1, 30), dt.date(2026, 3, 19)),
    # National Day 2026: 1–7 October off, Sunday 20 September and Saturday 10 October worked (Mid-Autumn 25–27
    # September off): 16–18 September (3), 20 (4), 21–24 (8), 28–30 (11), 8–9 October (13), 10 (14), ... 2 November.
    (dt.date(2026, 9, 15), dt.date(2026, 11, 2)),
    # an ordinary stretch without holidays: 30 working days = 6 weeks
    (dt.date(2026, 7, 1), dt.date(2026, 8, 12)),
])
def test_the_refund_is_due_30_working_days_after_the_contract_ends(calendar, ends_on, due_on):
    assert refund_due_date(ends_on) == due_on


def test_the_due_date_across_spring_festival_counts_the_adjusted_working_days(calendar):
    from portal.calendar import is_working_day

    assert is_working_day(dt.date(2026, 2, 14)) and is_working_day(dt.date(2026, 2, 28))
    assert not is_working_day(dt.date(2026, 2, 16))
    # one working day after Friday 13 February is the adjusted Saturday 14th; the next is 24 February
    assert refund_due_date(dt.date(2026, 2, 13), working_days=1) == dt.date(2026, 2, 14)
    assert refund_due_date(dt.date(2026, 2, 13), working_days=2) == dt.date(2026, 2, 24)
    assert refund_due_date(dt.date(2026, 9, 30), working_days=1) == dt.date(2026, 10, 8)
    assert refund_due_date(dt.date(2026, 10, 9), working_days=1) == dt.date(2026, 10, 10)
