import datetime as dt

import pytest
from django.utils import timezone

from portal.calendar import (
    add_working_days,
    add_working_hours,
    add_working_time,
    calendar_defaults_load,
    is_working_day,
    working_days_between,
    working_time_between,
)
from portal.models import CalendarDay

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar_2026():
    calendar_defaults_load()


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def test_defaults_load_is_idempotent_and_keeps_admin_corrections():
    added = calendar_defaults_load()
    assert added == CalendarDay.objects.count() > 0
    CalendarDay.objects.filter(date=dt.date(2026, 10, 7)).update(name="corrected")
    assert calendar_defaults_load() == 0
    assert CalendarDay.objects.get(date=dt.date(2026, 10, 7)).name == "corrected"


def test_2026_arrangement(calendar_2026):
    assert CalendarDay.objects.filter(kind=CalendarDay.Kind.HOLIDAY, date__month=10).count() == 7
    assert not is_working_day(dt.date(2026, 10, 1))
    assert not is_working_day(dt.date(2026, 10, 7))
    assert is_working_day(dt.date(2026, 10, 10))  # Saturday, adjusted working day
    assert is_working_day(dt.date(2026, 9, 20))  # Sunday, adjusted working day
    assert not is_working_day(dt.date(2026, 9, 25))  # Mid-Autumn, a Friday
    assert not is_working_day(dt.date(2026, 10, 11))  # ordinary Sunday
    assert is_working_day(dt.date(2026, 1, 4))
    assert not is_working_day(dt.date(2026, 2, 16))
    assert is_working_day(dt.date(2026, 2, 14)) and is_working_day(dt.date(2026, 2, 28))
    assert is_working_day(dt.date(2026, 5, 9))


def test_plain_week_without_calendar_rows():
    assert is_working_day(dt.date(2026, 11, 20))  # Friday
    assert not is_working_day(dt.date(2026, 11, 21))  # Saturday
    assert add_working_days(local(2026, 11, 20, 10, 0), 1) == local(2026, 11, 23, 10, 0)
    assert add_working_days(local(2026, 11, 18, 10, 0), 5) == local(2026, 11, 25, 10, 0)
    # a start on a weekend counts from Monday 00:00
    assert add_working_days(local(2026, 11, 21, 15, 0), 1) == local(2026, 11, 24, 0, 0)


def test_five_working_days_across_national_day(calendar_2026):
    # Wednesday 30 September 10:00: the holiday week, then Thu 8, Fri 9, Sat 10 (adjusted), Mon 12, Tue 13
    start = local(2026, 9, 30, 10, 0)
    assert add_working_days(start, 1) == local(2026, 10, 8, 10, 0)
    assert add_working_days(start, 3) == local(2026, 10, 10, 10, 0)
    assert add_working_days(start, 4) == local(2026, 10, 12, 10, 0)
    assert add_working_days(start, 5) == local(2026, 10, 13, 10, 0)


def test_first_touch_clock_over_the_adjusted_sunday(calendar_2026):
    # Saturday 19 September is off, Sunday 20 September is worked: 24 working hours from Friday 18:00
    assert add_working_hours(local(2026, 9, 18, 18, 0), 24) == local(2026, 9, 20, 18, 0)
    # from Thursday 24 September 12:00, Fri 25 – Sun 27 are Mid-Autumn holidays
    assert add_working_hours(local(2026, 9, 24, 12, 0), 24) == local(2026, 9, 28, 12, 0)


def test_working_days_between(calendar_2026):
    assert working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 13)) == 5
    assert working_days_between(dt.date(2026, 10, 13), dt.date(2026, 9, 30)) == -5
    assert working_days_between(dt.date(2026, 10, 2), dt.date(2026, 10, 2)) == 0
    assert working_days_between(local(2026, 10, 9, 23, 0), local(2026, 10, 10, 1, 0)) == 1


def test_working_time_between_and_back(calendar_2026):
    a, b = local(2026, 9, 30, 10, 0), local(2026, 10, 8, 10, 0)
    assert working_time_between(a, b) == dt.timedelta(days=1)
    assert working_time_between(b, a) == dt.timedelta(0)
    assert add_working_time(a, working_time_between(a, b)) == b


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_working_days(dt.datetime(2026, 1, 5, 10, 0), 1)
