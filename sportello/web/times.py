"""Times in the agent's language and time zone: 'martedì 4 marzo 2025, 14:05', '4 mar,
14:05', '5 minuti fa'.

Babel's patterns are parsed once per locale, and the date and the time of day are formatted
apart and remembered: a conversation page shows dozens of times, each in two forms, and
Babel's ``DateTimePattern.apply`` is slow (docs/performance.md). A day's date in a locale,
or an hour and minute, always reads the same, so those strings are kept (a few thousand at
most)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from babel.core import Locale, UnknownLocaleError
from babel.dates import (
    TIMEDELTA_UNITS,
    DateTimePattern,
    format_timedelta,
    match_skeleton,
    parse_pattern,
)
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sportello.core import clock

JUST_NOW = timedelta(seconds=45)
RELATIVE_UNTIL = timedelta(days=7)


def current_locale() -> Locale:
    return _locale_for(translation.get_language() or "it")


@functools.cache
def _locale_for(language: str) -> Locale:
    try:
        return Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("it")


@functools.cache
def _pattern(locale: Locale, kind: str) -> DateTimePattern:
    """'full' (the whole date), 'time' (short time of day) or a skeleton such as 'MMMd'."""
    if kind == "full":
        text = locale.date_formats["full"].pattern
    elif kind == "time":
        text = locale.time_formats["short"].pattern
    else:
        text = locale.datetime_skeletons[
            kind
            if kind in locale.datetime_skeletons
            else match_skeleton(kind, locale.datetime_skeletons)
        ]
    return parse_pattern(text)


@functools.lru_cache(maxsize=8192)
def _date_text(locale: Locale, kind: str, day: date) -> str:
    return str(_pattern(locale, kind).apply(day, locale))


@functools.lru_cache(maxsize=4096)
def _time_text(locale: Locale, hour: int, minute: int) -> str:
    return str(_pattern(locale, "time").apply(datetime(2000, 1, 1, hour, minute), locale))


# The range every time zone can show: a date within a day of year 1 or year 9999 (a
# snooze stored before it was bounded, say) overflows when converted, a 500 on its page.
_EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)
_LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)


def showable(value: datetime) -> datetime:
    """``value``, moved inside the range every time zone can convert (aware values only)."""
    return min(max(value, _EARLIEST), _LATEST)


def in_local_time(value: datetime) -> datetime:
    """``value`` in the current (the agent's) time zone."""
    return timezone.localtime(showable(value), timezone.get_current_timezone())


@dataclass(frozen=True)
class LocalTimes:
    """The agent's locale, time zone and "now", read once for a page's worth of times.

    A conversation page writes ~60 times, each as a short or relative form and a whole
    date; asking Django for the active language and time zone for each of them (asgiref
    locals) cost more than formatting them from the caches below."""

    locale: Locale
    zone: tzinfo
    now: datetime
    year: int

    @classmethod
    def current(cls, now: datetime | None = None) -> LocalTimes:
        zone = timezone.get_current_timezone()
        now = now or clock.now()
        return cls(current_locale(), zone, now, now.astimezone(zone).year)

    def full(self, value: datetime) -> str:
        """'martedì 4 marzo 2025, 14:05' — the whole date, for titles and tooltips."""
        local = showable(value).astimezone(self.zone)
        day = _date_text(self.locale, "full", local.date())
        return f"{day}, {_time_text(self.locale, local.hour, local.minute)}"

    def short(self, value: datetime) -> str:
        """'4 mar, 14:05' this year, '4 mar 2024, 14:05' before."""
        local = showable(value).astimezone(self.zone)
        return _short_text(self.locale, self._day(local), local.date(), local.hour, local.minute)

    def relative(self, value: datetime) -> str:
        """'5 minuti fa' for the last week, the short date after."""
        delta = value - self.now
        if abs(delta) < JUST_NOW:
            return _("just now")
        if abs(delta) > RELATIVE_UNTIL:
            local = showable(value).astimezone(self.zone)
            return _date_text(self.locale, self._day(local), local.date())
        return _relative_text(self.locale, *_rounded(delta))

    def _day(self, local: datetime) -> str:
        """The skeleton of a day: without its year in this year."""
        return "MMMd" if local.year == self.year else "yMMMd"


def full_time(value: datetime) -> str:
    """'martedì 4 marzo 2025, 14:05' — the whole date, for titles and tooltips."""
    return LocalTimes.current().full(value)


def short_time(value: datetime, now: datetime | None = None) -> str:
    """'4 mar, 14:05' this year, '4 mar 2024, 14:05' before."""
    return LocalTimes.current(now).short(value)


def relative_time(value: datetime, now: datetime | None = None) -> str:
    """'5 minuti fa' for the last week, the short date after."""
    return LocalTimes.current(now).relative(value)


@functools.lru_cache(maxsize=8192)
def _short_text(locale: Locale, skeleton: str, day: date, hour: int, minute: int) -> str:
    return str(
        locale.datetime_formats["short"].format(
            _time_text(locale, hour, minute), _date_text(locale, skeleton, day)
        )
    )


def _rounded(delta: timedelta) -> tuple[str, int, bool]:
    """The unit, the rounded count and the direction Babel's ``format_timedelta`` words
    ``delta`` with (its own steps, at its default threshold of 0.85): the words depend on
    nothing else, so they are kept per (unit, count, direction)."""
    seconds = delta.days * 86400 + delta.seconds
    for unit, unit_seconds in TIMEDELTA_UNITS:
        value = abs(seconds) / unit_seconds
        if value >= 0.85 or unit == "second":
            if unit == "second" and value > 0:
                value = max(1, value)
            return unit, round(value), seconds >= 0
    raise AssertionError("unreachable: the last unit always answers")


# No unit reaches this threshold, so Babel words the count in the unit it is given.
_EXACT = float("inf")


@functools.lru_cache(maxsize=4096)
def _relative_text(locale: Locale, unit: str, value: int, future: bool) -> str:
    seconds = value * dict(TIMEDELTA_UNITS)[unit]
    return str(
        format_timedelta(
            timedelta(seconds=seconds if future else -seconds),
            add_direction=True,
            locale=locale,
            threshold=_EXACT,
            granularity=unit,  # type: ignore[arg-type]
        )
    )


_DURATION_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60))


def duration_text(locale: Locale, delta: timedelta) -> str:
    """A span in the agent's words, whole units rounded down, in minutes at least and days
    at most: '25 min', '3 h', '2 giorni' ('waiting 2 days' reads better than '1 month')."""
    seconds = max(60, int(delta.total_seconds()))
    for unit, unit_seconds in _DURATION_UNITS:
        if seconds >= unit_seconds:
            return _duration_text(locale, unit, seconds // unit_seconds)
    raise AssertionError("unreachable: a minute at least")


@functools.lru_cache(maxsize=4096)
def _duration_text(locale: Locale, unit: str, value: int) -> str:
    seconds = value * dict(TIMEDELTA_UNITS)[unit]
    return str(
        format_timedelta(
            timedelta(seconds=seconds),
            format="short",
            locale=locale,
            threshold=_EXACT,
            granularity=unit,  # type: ignore[arg-type]
        )
    )


def ordinal(number: int) -> str:
    """3 as "3rd" in English, "3°" in Italian (the page's language)."""
    if (translation.get_language() or "").startswith("en"):
        suffix = (
            "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
        )
        return f"{number}{suffix}"
    return f"{number}°"
