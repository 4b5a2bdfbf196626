"""Business-time arithmetic: when a target falls due on a calendar of opening hours.

Pure functions over :class:`OpeningHours` (no database), so the rules can be tested as a
table and reused by the pipeline, the scanner and the acknowledgement. Everything is
computed on UTC instants: an hour of business time is sixty real minutes, also on the
days clocks go forward or back (a shift 00:00-24:00 on the last Sunday of March lasts 23
hours). Local times that a DST change skips or repeats are read as Python does (``fold=0``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from sportello.core.errors import InvalidInput

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_A_DAY = 24 * 60
# How far ahead a due time is looked for before the calendar is judged to have no opening
# left (all days closed): a target is never silently infinite.
HORIZON_DAYS = 3 * 366

# An interval of a day in minutes from midnight, end excluded: (540, 1080) is 09:00-18:00.
Interval = tuple[int, int]


class CalendarInvalid(InvalidInput):
    """Opening hours, holidays or a time zone that cannot make a calendar."""


def parse_clock(text: Any, where: str) -> int:
    """ "HH:MM" as minutes from midnight; "24:00" is the end of the day."""
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        raise CalendarInvalid(f"{where}: {text!r} is not a time as HH:MM")
    hh, mm = text[:2], text[3:]
    if not (hh.isascii() and hh.isdigit() and mm.isascii() and mm.isdigit()):
        raise CalendarInvalid(f"{where}: {text!r} is not a time as HH:MM")
    minutes = int(hh) * 60 + int(mm)
    if int(mm) > 59 or minutes > MINUTES_A_DAY:
        raise CalendarInvalid(f"{where}: {text!r} is not a time of day (00:00 to 24:00)")
    return minutes


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_intervals(value: Any, where: str) -> tuple[Interval, ...]:
    """A day's opening as ``[["09:00", "13:00"], ["14:00", "18:00"]]``: each interval
    starts before it ends, and no two overlap (touching is allowed)."""
    if not isinstance(value, list):
        raise CalendarInvalid(f"{where}: expected a list of [start, end] pairs")
    intervals = []
    for n, pair in enumerate(value, 1):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise CalendarInvalid(f"{where}: interval {n} is not a [start, end] pair")
        start, end = parse_clock(pair[0], where), parse_clock(pair[1], where)
        if start >= end:
            raise CalendarInvalid(
                f"{where}: interval {format_clock(start)}-{format_clock(end)} ends before it starts"
            )
        intervals.append((start, end))
    intervals.sort()
    for (a_start, a_end), (b_start, b_end) in pairwise(intervals):
        if b_start < a_end:
            raise CalendarInvalid(
                f"{where}: intervals {format_clock(a_start)}-{format_clock(a_end)} and "
                f"{format_clock(b_start)}-{format_clock(b_end)} overlap"
            )
    return tuple(intervals)


def parse_zone(name: Any) -> ZoneInfo:
    if not isinstance(name, str) or not name or len(name) > 64:
        raise CalendarInvalid(f"unknown time zone {name!r}; use an IANA name such as Europe/Rome")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarInvalid(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Rome"
        ) from None


def check_holiday_region(country: str, subdivision: str) -> None:
    """A country (ISO 3166 alpha-2) and subdivision the ``holidays`` package knows. Asks
    for that region alone: listing every supported country imports ~500 modules."""
    if not country:
        if subdivision:
            raise CalendarInvalid("a holiday subdivision needs a holiday country")
        return
    if not (country.isascii() and country.isalpha() and country.isupper()):
        raise CalendarInvalid(f"no public holidays known for country {country!r}")
    try:
        public_holidays(country, "")
    except NotImplementedError:
        raise CalendarInvalid(f"no public holidays known for country {country!r}") from None
    if subdivision:
        try:
            public_holidays(country, subdivision)
        except NotImplementedError:
            known = public_holidays(country, "").subdivisions
            raise CalendarInvalid(
                f"unknown subdivision {subdivision!r} of {country}; "
                f"use one of {', '.join(known[:12])}..."
            ) from None


def load_holidays(country: str) -> None:
    """Import the ``holidays`` package's countries and compute this year's holidays of
    ``country`` now, at a process's start: the first SLA clock after a start otherwise
    paid it, 280 modules imported inside the first inbound message's transaction (100 ms
    on a quiet machine, 400 ms on a busy one, every other writer waiting meanwhile)."""
    date.today() in public_holidays(country, "")  # noqa: B015 - computes the year


@lru_cache(maxsize=64)
def public_holidays(country: str, subdivision: str) -> holidays.HolidayBase:
    """The public holidays of a region, shared by every calendar that names it (the
    ``holidays`` objects compute a year on first use, then keep it)."""
    return holidays.country_holidays(country, subdiv=subdivision or None)


@dataclass(frozen=True)
class OpeningHours:
    """A calendar ready for arithmetic: weekly intervals, holidays, exceptions."""

    zone: ZoneInfo
    weekly: tuple[tuple[Interval, ...], ...]  # Monday first
    country: str = ""
    subdivision: str = ""
    closed_days: frozenset[date] = frozenset()
    open_days: Mapping[date, tuple[Interval, ...]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        time_zone: str,
        weekly: Mapping[str, Any],
        country: str = "",
        subdivision: str = "",
        closed_days: Sequence[Any] = (),
        open_days: Mapping[str, Any] | None = None,
    ) -> OpeningHours:
        """Check and read a calendar's settings; :class:`CalendarInvalid` names what is
        wrong (overlapping intervals, no open hours, an unknown zone or region)."""
        zone = parse_zone(time_zone)
        if not isinstance(weekly, Mapping):
            raise CalendarInvalid("hours: expected an object with the days mon..sun")
        unknown = set(weekly) - set(WEEKDAYS)
        if unknown:
            raise CalendarInvalid(
                f"hours: unknown day {sorted(unknown)[0]!r}; use {', '.join(WEEKDAYS)}"
            )
        days = tuple(parse_intervals(weekly.get(day, []), f"hours.{day}") for day in WEEKDAYS)
        if not any(days):
            raise CalendarInvalid("hours: the calendar has no open hours in the week")
        check_holiday_region(country, subdivision)
        closed = frozenset(_parse_date(d, "closed_days") for d in closed_days)
        extra = {
            _parse_date(d, "open_days"): parse_intervals(v, f"open_days.{d}")
            for d, v in (open_days or {}).items()
        }
        both = closed & set(extra)
        if both:
            raise CalendarInvalid(f"{min(both).isoformat()} is both a closed and an open day")
        return cls(zone, days, country, subdivision, closed, extra)

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        """The opening of a local day: an extra open day's, none on a closed day or a
        public holiday, else the weekday's."""
        if day in self.open_days:
            return self.open_days[day]
        if day in self.closed_days:
            return ()
        if self.country and day in public_holidays(self.country, self.subdivision):
            return ()
        return self.weekly[day.weekday()]

    def openings(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open periods (UTC) that end after ``since``, in order, from its local day."""
        day = since.astimezone(self.zone).date()
        since_utc = since.astimezone(UTC)
        for _ in range(HORIZON_DAYS):
            midnight = datetime.combine(day, time())
            for start, end in self.intervals_on(day):
                opens = self._instant(midnight + timedelta(minutes=start))
                closes = self._instant(midnight + timedelta(minutes=end))
                if closes > since_utc:
                    yield max(opens, since_utc), closes
            day += timedelta(days=1)

    def _instant(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.zone).astimezone(UTC)


def _parse_date(value: Any, where: str) -> date:
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CalendarInvalid(f"{where}: {value!r} is not a date as YYYY-MM-DD")


def add_business_time(hours: OpeningHours, start: datetime, duration: timedelta) -> datetime:
    """The instant (UTC) when ``duration`` of open time has passed since ``start``.

    Time outside the opening hours does not count: a message at 17:45 on 24 December with
    one business hour to go falls due at 09:45 on Monday 28 December in Rome. A duration of
    zero gives ``start`` if the calendar is open then, else the next opening. A calendar
    closed for ``HORIZON_DAYS`` raises :class:`CalendarInvalid` rather than never ending."""
    if duration < timedelta(0):
        raise ValueError("a duration of business time cannot be negative")
    remaining = duration
    for opens, closes in hours.openings(start):
        available = closes - opens
        if remaining <= available:
            return opens + remaining
        remaining -= available
    raise CalendarInvalid(f"the calendar has no open hours in the {HORIZON_DAYS} days after start")


def business_time_between(hours: OpeningHours, start: datetime, end: datetime) -> timedelta:
    """How much open time lies between two instants (zero when ``end`` is not later)."""
    total = timedelta(0)
    end_utc = end.astimezone(UTC)
    for opens, closes in hours.openings(start):
        if opens >= end_utc:
            break
        total += min(closes, end_utc) - opens
    return total
