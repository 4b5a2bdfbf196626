"""The day a stored instant falls on in a time zone, computed by the database itself.

Django's ``TruncDate(..., tzinfo=zone)`` is native SQL on PostgreSQL (``AT TIME ZONE``),
but on SQLite it calls a Python function for every row (``django_datetime_cast_date``,
which parses the text and converts it with ``zoneinfo``): 12 µs a row, 300 ms for the
25,000 messages of a 90-day report (docs/performance.md, "Reports"). A zone's offset
from UTC changes only at its DST transitions, so over a bounded period the local day is
``date(instant, '+N minutes')`` with one N per stretch between transitions: ``LocalDate``
writes that as a ``CASE`` over the period's transitions, SQLite's own C functions only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import DateField, Func
from django.db.models.functions import TruncDate


def offset_minutes(zone: ZoneInfo, instant: datetime) -> int:
    offset = instant.astimezone(zone).utcoffset() or timedelta()
    return int(offset.total_seconds() // 60)


def offsets_between(
    zone: ZoneInfo, since: datetime, until: datetime
) -> list[tuple[datetime | None, int]]:
    """The zone's UTC offsets over ``[since, until)``: ``(from, minutes)`` in order, the
    first ``from`` ``None``; each later one the exact instant (to the second) it began."""
    found: list[tuple[datetime | None, int]] = [(None, offset_minutes(zone, since))]
    step = timedelta(hours=6)
    at = since.astimezone(UTC)
    while at < until:
        following = min(at + step, until)
        if offset_minutes(zone, following) != found[-1][1]:
            low, high = at, following  # the change is in (low, high]
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset_minutes(zone, middle) == found[-1][1]:
                    low = middle
                else:
                    high = middle
            found.append((high.replace(microsecond=0), offset_minutes(zone, high)))
        at = following
    return found


class LocalDate(Func):
    """The date of a datetime column in ``zone``, for instants within ``[since, until)``
    (outside, the nearest stretch's offset applies)."""

    output_field = DateField()
    arity = 1

    def __init__(self, expression: Any, zone: ZoneInfo, since: datetime, until: datetime):
        super().__init__(expression)
        self.zone = zone
        self.offsets = offsets_between(zone, since, until)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, params = compiler.compile(self.source_expressions[0])

        def shifted(minutes: int) -> str:
            return f"date({column}, '{minutes:+d} minutes')"

        if len(self.offsets) == 1:
            return shifted(self.offsets[0][1]), tuple(params)
        cases: list[str] = []
        values: list[Any] = []
        for (_, minutes), (following, _next) in zip(self.offsets, self.offsets[1:], strict=False):
            cases.append(f"WHEN {column} < %s THEN {shifted(minutes)}")
            bound = connection.ops.adapt_datetimefield_value(following)
            values.extend([*params, bound, *params])
        last = shifted(self.offsets[-1][1])
        return f"CASE {' '.join(cases)} ELSE {last} END", (*values, *params)

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        return compiler.compile(TruncDate(self.source_expressions[0], tzinfo=self.zone))
