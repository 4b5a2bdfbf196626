"""Snooze presets as a table: in business time on a calendar (evenings, lunch breaks,
weekends, public holidays), in clock time without one."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sportello.core.errors import InvalidInput
from sportello.sla.hours import OpeningHours
from sportello.sla.snooze import snooze_until

ROME = ZoneInfo("Europe/Rome")
SHOP = OpeningHours.build(
    time_zone="Europe/Rome",
    weekly={
        day: [["09:00", "13:00"], ["14:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
    },
    country="IT",
)


def rome(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ROME)


# 2026-12-04 is a Friday, 12-07 a Monday, 12-08 (Immacolata) a public holiday;
# 2027-03-29 is Easter Monday.
@pytest.mark.parametrize(
    ("preset", "now", "wakes"),
    [
        ("1h", "2026-12-07 10:00", "2026-12-07 11:00"),
        ("1h", "2026-12-07 12:30", "2026-12-07 14:30"),  # over the lunch break
        ("1h", "2026-12-07 17:30", "2026-12-09 09:30"),  # evening, then a holiday
        ("1h", "2026-12-04 17:45", "2026-12-07 09:45"),  # Friday evening: Monday
        ("1h", "2026-12-05 11:00", "2026-12-07 10:00"),  # on Saturday: Monday's first hour
        ("tomorrow", "2026-12-09 20:00", "2026-12-10 09:00"),
        ("tomorrow", "2026-12-07 20:00", "2026-12-09 09:00"),  # tomorrow is a holiday
        ("tomorrow", "2026-12-04 16:00", "2026-12-07 09:00"),  # over the weekend
        ("tomorrow", "2026-12-05 10:00", "2026-12-07 09:00"),  # asked on Saturday
        ("tomorrow", "2026-12-07 06:00", "2026-12-09 09:00"),  # early: still the next day
        ("monday", "2026-12-09 15:00", "2026-12-14 09:00"),
        ("monday", "2026-12-07 10:00", "2026-12-14 09:00"),  # on a Monday: the next one
        ("monday", "2027-03-25 10:00", "2027-03-30 09:00"),  # Easter Monday is closed
    ],
)
def test_presets_count_business_time_on_a_calendar(preset, now, wakes):
    assert snooze_until(preset, rome(now), hours=SHOP, zone=ROME) == rome(wakes)


@pytest.mark.parametrize(
    ("preset", "now", "wakes"),
    [
        ("1h", "2026-12-07 22:00", "2026-12-07 23:00"),
        ("tomorrow", "2026-12-05 23:30", "2026-12-06 09:00"),  # Sunday too
        ("monday", "2026-12-06 10:00", "2026-12-07 09:00"),
        ("tomorrow", "2027-03-27 12:00", "2027-03-28 09:00"),  # the clocks go forward
    ],
)
def test_presets_are_clock_time_without_a_calendar(preset, now, wakes):
    assert snooze_until(preset, rome(now), hours=None, zone=ROME) == rome(wakes)


def test_an_evening_in_utc_is_read_in_the_calendars_zone():
    # 23:30 UTC on Monday is 00:30 on Tuesday in Rome: "tomorrow" is Wednesday there.
    now = datetime.fromisoformat("2026-12-07T23:30:00+00:00")
    assert snooze_until("tomorrow", now, hours=SHOP, zone=ROME) == rome("2026-12-09 09:00")


def test_an_unknown_preset_is_refused():
    with pytest.raises(InvalidInput):
        snooze_until("next-year", rome("2026-12-07 10:00"), hours=SHOP, zone=ROME)
