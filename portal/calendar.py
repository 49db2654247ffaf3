"""The PRC working-day calendar [工作日历] and the clocks that run on it.

Monday to Friday are working days, Saturday and Sunday are not; `CalendarDay` rows override that for
public holidays and for adjusted working days [调休] (weekend days worked in exchange for a holiday).
All days are local days in `settings.TIME_ZONE` (Asia/Shanghai).

The working-time clock (`add_working_time`, `working_time_between`) only runs during working days:
it stands still from midnight to midnight on a non-working day. SLA clocks use it, so a deadline of
"5 working days" from Wednesday 10:00 before the National Day week lands at 10:00 on the fifth
working day after it, and a pause measured in working time moves a deadline by exactly that much.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .models import CalendarDay

_DAY = dt.timedelta(days=1)


class _Days:
    """The calendar's exceptions, read one year at a time (one query per year a computation touches)."""

    def __init__(self) -> None:
        self._years: dict[int, dict[dt.date, str]] = {}

    def kind(self, day: dt.date) -> str | None:
        if day.year not in self._years:
            self._years[day.year] = dict(
                CalendarDay.objects.filter(date__year=day.year).values_list("date", "kind")
            )
        return self._years[day.year].get(day)

    def is_working_day(self, day: dt.date) -> bool:
        kind = self.kind(day)
        if kind == CalendarDay.Kind.HOLIDAY:
            return False
        if kind == CalendarDay.Kind.ADJUSTED_WORKDAY:
            return True
        return day.weekday() < 5


def _local(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        raise ValueError("working-time arithmetic needs an aware datetime")
    return timezone.localtime(value)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return _local(value).date()
    return value


def is_working_day(d: dt.date | dt.datetime) -> bool:
    """Whether the (local) day is a working day."""
    return _Days().is_working_day(_as_date(d))


def next_working_day(d: dt.date) -> dt.date:
    """The first working day strictly after `d`."""
    days = _Days()
    day = d + _DAY
    while not days.is_working_day(day):
        day += _DAY
    return day


def add_working_time(start_dt: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """The moment when `delta` of working time has passed after `start_dt`.

    A start on a non-working day counts from the start of the next working day. A result that falls
    exactly at the end of a working day is that day's end (the next midnight). `delta` must not be negative.
    """
    if delta < dt.timedelta(0):
        raise ValueError("working time cannot be negative")
    days = _Days()
    current = _local(start_dt)
    remaining = delta
    day = current.date()
    # move to the first working day (the clock does not run before it)
    while not days.is_working_day(day):
        day += _DAY
        current = _day_start(day)
    while True:
        day_end = _day_start(day + _DAY)
        available = day_end - current
        if remaining <= available:
            return current + remaining
        remaining -= available
        day += _DAY
        while not days.is_working_day(day):
            day += _DAY
        current = _day_start(day)


def add_working_days(start_dt: dt.datetime, n: int) -> dt.datetime:
    """`n` working days after `start_dt` on the working-time clock: the same time of day on the n-th
    working day after it (Wednesday 10:00 + 1 = Thursday 10:00; Friday 10:00 + 1 = Monday 10:00)."""
    if n < 0:
        raise ValueError("n must not be negative")
    return add_working_time(start_dt, _DAY * n)


def add_working_hours(start_dt: dt.datetime, hours: int) -> dt.datetime:
    """`hours` of working time after `start_dt` (a 24-hour first-touch clock started on Friday 18:00
    runs out on Monday 18:00)."""
    return add_working_time(start_dt, dt.timedelta(hours=hours))


def working_time_between(a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """The working time from `a` to `b` (zero when `b` is not after `a`)."""
    start, end = _local(a), _local(b)
    if end <= start:
        return dt.timedelta(0)
    days = _Days()
    total = dt.timedelta(0)
    day = start.date()
    while day <= end.date():
        if days.is_working_day(day):
            lo = max(start, _day_start(day))
            hi = min(end, _day_start(day + _DAY))
            if hi > lo:
                total += hi - lo
        day += _DAY
    return total


def working_days_between(a: dt.date | dt.datetime, b: dt.date | dt.datetime) -> int:
    """The number of working days after `a`'s day up to and including `b`'s day (negative when `b` is
    before `a`). From a Friday to the next Monday is 1; from a day to itself is 0."""
    first, last = _as_date(a), _as_date(b)
    sign = 1
    if last < first:
        first, last, sign = last, first, -1
    days = _Days()
    count = 0
    day = first + _DAY
    while day <= last:
        if days.is_working_day(day):
            count += 1
        day += _DAY
    return sign * count


def _span(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


# The 2026 arrangement of public holidays and adjusted working days as published by the State Council
# and known when this was written. It must be checked against the State Council notice
# (国务院办公厅关于2026年部分节假日安排的通知) before relying on it, and each later year loaded by an admin.
_HOLIDAYS_2026: list[tuple[dt.date, dt.date, str]] = [
    (dt.date(2026, 1, 1), dt.date(2026, 1, 3), "元旦 New Year's Day"),
    (dt.date(2026, 2, 15), dt.date(2026, 2, 23), "春节 Spring Festival"),
    (dt.date(2026, 4, 4), dt.date(2026, 4, 6), "清明节 Qingming Festival"),
    (dt.date(2026, 5, 1), dt.date(2026, 5, 5), "劳动节 Labour Day"),
    (dt.date(2026, 6, 19), dt.date(2026, 6, 21), "端午节 Dragon Boat Festival"),
    (dt.date(2026, 9, 25), dt.date(2026, 9, 27), "中秋节 Mid-Autumn Festival"),
    (dt.date(2026, 10, 1), dt.date(2026, 10, 7), "国庆节 National Day"),
]
_ADJUSTED_WORKDAYS_2026: list[tuple[dt.date, str]] = [
    (dt.date(2026, 1, 4), "元旦调休 New Year's Day adjusted working day"),
    (dt.date(2026, 2, 14), "春节调休 Spring Festival adjusted working day"),
    (dt.date(2026, 2, 28), "春节调休 Spring Festival adjusted working day"),
    (dt.date(2026, 5, 9), "劳动节调休 Labour Day adjusted working day"),
    (dt.date(2026, 9, 20), "国庆节调休 National Day adjusted working day"),
    (dt.date(2026, 10, 10), "国庆节调休 National Day adjusted working day"),
]


def calendar_default_days() -> list[tuple[dt.date, str, str]]:
    """The built-in calendar rows as (date, kind, name)."""
    rows = [
        (day, CalendarDay.Kind.HOLIDAY.value, name)
        for first, last, name in _HOLIDAYS_2026
        for day in _span(first, last)
    ]
    rows += [(day, CalendarDay.Kind.ADJUSTED_WORKDAY.value, name) for day, name in _ADJUSTED_WORKDAYS_2026]
    return sorted(rows)


@transaction.atomic
def calendar_defaults_load() -> int:
    """Load the built-in years' holidays and adjusted working days. Idempotent: a day already in the
    calendar is left as it is (an admin may have corrected it). Returns the number of days added."""
    rows = calendar_default_days()
    existing = set(CalendarDay.objects.filter(date__in=[r[0] for r in rows]).values_list("date", flat=True))
    new = [CalendarDay(date=day, kind=kind, name=name) for day, kind, name in rows if day not in existing]
    CalendarDay.objects.bulk_create(new)
    return len(new)
