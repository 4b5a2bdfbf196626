"""When a snooze preset wakes a conversation: "in 1 hour", "tomorrow morning", "next Monday".

Pure functions (no database): the status control, macros and the API ask the same rule.
With a business calendar the presets count business time, as a shop means them: "in 1 hour"
is one hour of opening time (at 17:30 with the shop closing at 18:00, 09:30 of the next
business day), "tomorrow morning" the next business day's opening, skipping weekends and
holidays, and "next Monday" the first opening from the coming Monday. Without a calendar
(or with one that never opens) they are clock time, mornings at 09:00 in the workspace's
zone.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sportello.core.errors import InvalidInput
from sportello.sla.hours import CalendarInvalid, OpeningHours, add_business_time

IN_ONE_HOUR = "1h"
TOMORROW_MORNING = "tomorrow"
NEXT_MONDAY = "monday"
PRESETS = (IN_ONE_HOUR, TOMORROW_MORNING, NEXT_MONDAY)
MORNING = time(9)


def snooze_until(
    preset: str, now: datetime, *, hours: OpeningHours | None, zone: ZoneInfo
) -> datetime:
    """The wake-up instant of ``preset`` from ``now`` (aware); ``hours``: the workspace's
    default calendar, or None; ``zone``: the workspace's, used without a calendar."""
    if preset not in PRESETS:
        raise InvalidInput(f"unknown snooze preset {preset!r}; use one of {', '.join(PRESETS)}")
    if hours is not None:
        try:
            return _business(preset, now, hours)
        except CalendarInvalid:
            pass  # closed for good: clock time rather than never
    return _clock(preset, now, zone)


def _first_day(preset: str, today: datetime) -> datetime:
    day = today.date()
    if preset == TOMORROW_MORNING:
        day += timedelta(days=1)
    else:
        day += timedelta(days=7 - day.weekday())
    return datetime.combine(day, time(0))


def _business(preset: str, now: datetime, hours: OpeningHours) -> datetime:
    if preset == IN_ONE_HOUR:
        return add_business_time(hours, now, timedelta(hours=1))
    midnight = _first_day(preset, now.astimezone(hours.zone)).replace(tzinfo=hours.zone)
    return add_business_time(hours, midnight, timedelta(0))


def _clock(preset: str, now: datetime, zone: ZoneInfo) -> datetime:
    if preset == IN_ONE_HOUR:
        return now + timedelta(hours=1)
    day = _first_day(preset, now.astimezone(zone))
    return datetime.combine(day.date(), MORNING, tzinfo=zone)
