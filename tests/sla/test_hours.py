"""Business-time arithmetic, as a table: weekends, Italian holidays, split shifts, DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sportello.sla.hours import (
    CalendarInvalid,
    OpeningHours,
    add_business_time,
    business_time_between,
)

ROME = ZoneInfo("Europe/Rome")
OFFICE = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
SPLIT = {
    day: [["09:00", "13:00"], ["14:30", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
}
ALWAYS = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME)


def office(**kwargs) -> OpeningHours:
    return OpeningHours.build(
        time_zone="Europe/Rome", weekly=kwargs.pop("weekly", OFFICE), country="IT", **kwargs
    )


@pytest.mark.parametrize(
    ("case", "start", "duration", "due"),
    [
        (
            "Christmas Eve 17:45, one hour: Christmas, Santo Stefano and Sunday are closed",
            rome(2026, 12, 24, 17, 45),
            timedelta(hours=1),
            rome(2026, 12, 28, 9, 45),
        ),
        ("inside the day", rome(2026, 12, 2, 10, 0), timedelta(hours=1), rome(2026, 12, 2, 11, 0)),
        (
            "ending exactly at closing time stays that day",
            rome(2026, 12, 2, 17, 0),
            timedelta(hours=1),
            rome(2026, 12, 2, 18, 0),
        ),
        (
            "Friday evening to Monday",
            rome(2026, 11, 27, 17, 30),
            timedelta(hours=1),
            rome(2026, 11, 30, 9, 30),
        ),
        (
            "Saturday: the clock starts on Monday's opening",
            rome(2026, 11, 28, 11, 0),
            timedelta(minutes=30),
            rome(2026, 11, 30, 9, 30),
        ),
        (
            "Easter Monday 2026 (6 April) is closed",
            rome(2026, 4, 3, 17, 30),
            timedelta(hours=1),
            rome(2026, 4, 7, 9, 30),
        ),
        (
            "New Year and Epiphany",
            rome(2026, 12, 31, 17, 0),
            timedelta(hours=2),
            rome(2027, 1, 4, 10, 0),
        ),
        (
            "a whole business day and a bit",
            rome(2026, 12, 2, 9, 0),
            timedelta(hours=10),
            rome(2026, 12, 3, 10, 0),
        ),
        (
            "before opening: from 09:00",
            rome(2026, 12, 2, 6, 12),
            timedelta(minutes=1),
            rome(2026, 12, 2, 9, 1),
        ),
        ("zero while open: now", rome(2026, 12, 2, 12, 0), timedelta(0), rome(2026, 12, 2, 12, 0)),
        (
            "zero while closed: next opening",
            rome(2026, 12, 5, 12, 0),
            timedelta(0),
            rome(2026, 12, 7, 9, 0),
        ),
    ],
)
def test_due_times_on_the_office_calendar(case, start, duration, due):
    assert add_business_time(office(), start, duration) == due.astimezone(UTC), case


def test_the_customer_is_told_monday_28_december_at_0945_in_rome():
    due = add_business_time(office(), rome(2026, 12, 24, 17, 45), timedelta(hours=1))
    assert due.tzinfo == UTC
    assert due.astimezone(ROME).strftime("%A %d %B %H:%M") == "Monday 28 December 09:45"


def test_sant_ambrogio_closes_milan_but_not_rome():
    monday_evening = rome(2026, 12, 4, 17, 30)  # Friday; Monday 7 is Sant'Ambrogio, 8 Immacolata
    assert add_business_time(office(), monday_evening, timedelta(hours=1)) == rome(
        2026, 12, 7, 9, 30
    ).astimezone(UTC)
    milan = office(subdivision="MI")
    assert add_business_time(milan, monday_evening, timedelta(hours=1)) == rome(
        2026, 12, 9, 9, 30
    ).astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        (
            rome(2026, 12, 2, 12, 30),
            timedelta(hours=1),
            rome(2026, 12, 2, 14, 30) + timedelta(minutes=30),
        ),
        (rome(2026, 12, 2, 13, 0), timedelta(minutes=1), rome(2026, 12, 2, 14, 31)),
        (rome(2026, 12, 2, 17, 0), timedelta(hours=2), rome(2026, 12, 3, 10, 0)),
        (rome(2026, 12, 2, 9, 0), timedelta(hours=7, minutes=30), rome(2026, 12, 2, 18, 0)),
        (rome(2026, 12, 2, 9, 0), timedelta(hours=7, minutes=31), rome(2026, 12, 3, 9, 1)),
    ],
)
def test_split_shifts_skip_the_lunch_break(start, duration, due):
    assert add_business_time(office(weekly=SPLIT), start, duration) == due.astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "duration", "due_utc"),
    [
        # Last Sunday of March 2026 (29th): 02:00 CET -> 03:00 CEST, the day lasts 23 hours.
        (rome(2026, 3, 29, 0, 0), timedelta(hours=23), datetime(2026, 3, 29, 22, 0, tzinfo=UTC)),
        (rome(2026, 3, 29, 1, 30), timedelta(hours=1), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # Last Sunday of October 2026 (25th): 03:00 CEST -> 02:00 CET, the day lasts 25 hours.
        (rome(2026, 10, 25, 0, 0), timedelta(hours=25), datetime(2026, 10, 25, 23, 0, tzinfo=UTC)),
        (rome(2026, 10, 25, 1, 30), timedelta(hours=2), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
    ],
)
def test_an_hour_is_sixty_real_minutes_across_dst_changes(start, duration, due_utc):
    always = OpeningHours.build(time_zone="Europe/Rome", weekly=ALWAYS)
    assert add_business_time(always, start, duration) == due_utc


def test_office_hours_keep_their_local_time_across_dst_weekends():
    # Friday 17:30 CET -> Monday after the clocks went forward: 09:30 CEST is 07:30 UTC.
    due = add_business_time(office(), rome(2026, 3, 27, 17, 30), timedelta(hours=1))
    assert due == datetime(2026, 3, 30, 7, 30, tzinfo=UTC)
    due = add_business_time(office(), rome(2026, 10, 23, 17, 30), timedelta(hours=1))
    assert due == datetime(2026, 10, 26, 8, 30, tzinfo=UTC)


def test_extra_closed_and_open_days():
    hours = office(closed_days=["2026-12-02"], open_days={"2026-12-05": [["10:00", "12:00"]]})
    assert add_business_time(hours, rome(2026, 12, 1, 17, 30), timedelta(hours=1)) == rome(
        2026, 12, 3, 9, 30
    ).astimezone(UTC)
    assert add_business_time(hours, rome(2026, 12, 4, 17, 30), timedelta(hours=1)) == rome(
        2026, 12, 5, 10, 30
    ).astimezone(UTC)


def test_business_time_between_counts_only_open_hours():
    hours = office()
    assert business_time_between(
        hours, rome(2026, 12, 24, 17, 0), rome(2026, 12, 28, 10, 0)
    ) == timedelta(hours=2)
    assert business_time_between(
        hours, rome(2026, 12, 2, 12, 0), rome(2026, 12, 2, 11, 0)
    ) == timedelta(0)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"weekly": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "overlap"),
        ({"weekly": {"mon": [["18:00", "09:00"]]}}, "ends before it starts"),
        ({"weekly": {}}, "no open hours"),
        ({"weekly": {"mon": []}}, "no open hours"),
        ({"weekly": {"lun": [["09:00", "18:00"]]}}, "unknown day"),
        ({"weekly": {"mon": [["9", "18:00"]]}}, "HH:MM"),
        ({"weekly": {"mon": [["09:00", "24:01"]]}}, "00:00 to 24:00"),
        ({"time_zone": "Europe/Milano"}, "unknown time zone"),
        ({"time_zone": "../../etc/passwd"}, "unknown time zone"),
        ({"country": "XX"}, "no public holidays"),
        ({"country": "IT", "subdivision": "ZZ"}, "unknown subdivision"),
        ({"closed_days": ["2026-02-30"]}, "YYYY-MM-DD"),
        (
            {"closed_days": ["2026-12-05"], "open_days": {"2026-12-05": [["09:00", "10:00"]]}},
            "both",
        ),
    ],
)
def test_a_calendar_that_cannot_compute_is_refused_with_a_clear_message(settings, message):
    arguments = {"time_zone": "Europe/Rome", "weekly": OFFICE, **settings}
    with pytest.raises(CalendarInvalid, match=message):
        OpeningHours.build(**arguments)
