"""The Reports page's parts: the period form, and each section as a query of
``insights.queries`` plus the partial template that shows it (``SECTIONS``).

A section is one small function from a ``Period`` to its template's context: adding one
(customer satisfaction, say) is a function and a partial appended to ``SECTIONS``. Numbers
are written for the agent's language with Babel (``1.234``, ``12,5%`` in Italian), days in
the workspace's time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from sportello.core import clock
from sportello.customers.models import Segment
from sportello.feedback.queries import csat_figures, csat_summary, nps_summary
from sportello.insights import queries
from sportello.insights.queries import Period
from sportello.web import charts
from sportello.web.times import current_locale

RANGES = (
    ("7", gettext_lazy("Last 7 days")),
    ("30", gettext_lazy("Last 30 days")),
    ("90", gettext_lazy("Last 90 days")),
    ("custom", gettext_lazy("Custom dates")),
)
DEFAULT_RANGE = "30"
# Channels drawn as their own colour in the stacked bars; the rest are one "other" stack.
CHART_CHANNELS = 5


class PeriodForm(forms.Form):
    """The page's filter: a period (the last 7, 30 or 90 days up to today, or two dates)
    and a channel."""

    range = forms.ChoiceField(label=gettext_lazy("Period"), choices=RANGES, required=False)
    start = forms.DateField(label=gettext_lazy("From"), required=False)
    end = forms.DateField(label=gettext_lazy("To"), required=False)
    channel = forms.TypedChoiceField(
        label=gettext_lazy("Channel"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, data: Any, *, channels: list[tuple[int, str]], today: date) -> None:
        data = data.copy()
        chosen = data.get("range") or DEFAULT_RANGE
        if chosen in {"7", "30", "90"}:
            preset = ((today - timedelta(days=int(chosen) - 1)).isoformat(), today.isoformat())
            typed = (data.get("start") or preset[0], data.get("end") or preset[1])
            if typed != preset:
                # Dates typed without choosing "custom dates" mean those dates.
                data["range"] = "custom"
            else:
                # The preset's dates in the boxes, to start from when choosing others.
                data["start"], data["end"] = preset
        super().__init__(data)
        self.today = today
        self.fields["channel"].choices = [("", _("All channels")), *channels]  # type: ignore[attr-defined]
        for name in ("start", "end"):
            widget = forms.DateInput(format="%Y-%m-%d")
            widget.input_type = "date"
            self.fields[name].widget = widget

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = data.get("range") or DEFAULT_RANGE
        data["range"] = chosen
        if chosen != "custom":
            data["first"] = self.today - timedelta(days=int(chosen) - 1)
            data["last"] = self.today
            return data
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            self.add_error("start" if start is None else "end", _("Choose both dates."))
        elif start > end:
            self.add_error("end", _("The end comes before the start."))
        elif (end - start).days + 1 > queries.MAX_DAYS:
            self.add_error(
                "end", _("At most %(days)s days at a time.") % {"days": queries.MAX_DAYS}
            )
        else:
            data["first"], data["last"] = start, end
        return data


def today_in(time_zone: str) -> date:
    return clock.now().astimezone(ZoneInfo(time_zone)).date()


# --- the language's numbers -----------------------------------------------------------


def number(value: float) -> str:
    """'1.234' in Italian, '1,234' in English; one decimal at most."""
    return str(format_decimal(value, format="#,##0.#", locale=current_locale()))


def percent(value: float | None) -> str:
    """'12,5%' in Italian, '12.5%' in English; a dash for no figure."""
    if value is None:
        return "—"
    return str(format_percent(value, format="#,##0.#%", locale=current_locale()))


def duration(seconds: float | None) -> str:
    """A reply or resolution time in two units at most: '45 s', '12 min', '3 h 20 min',
    '2 d 4 h' ('2 g 4 h' in Italian); a dash for no figure."""
    if seconds is None:
        return "—"
    whole = max(0, round(seconds))
    if whole < 60:
        return _("%(seconds)s s") % {"seconds": whole}
    minutes = whole // 60
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        if not minutes:
            return _("%(hours)s h") % {"hours": hours}
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    days, hours = divmod(hours, 24)
    if not hours:
        return _("%(days)s d") % {"days": days}
    return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}


@dataclass(frozen=True)
class Change:
    """A figure against the same number of days before: '+12% on the previous 30 days',
    and whether that is good news (``tone``: good, bad, or empty when neither)."""

    text: str
    tone: str


def _signed(value: float, text: str) -> str:
    return f"+{text}" if value > 0 else (f"\u2212{text}" if value < 0 else f"\u00b1{text}")


def _against(days: int, change: str) -> str:
    return ngettext(
        "%(change)s on the previous day", "%(change)s on the previous %(days)s days", days
    ) % {"change": change, "days": number(days)}


def change(
    now: float | None, before: float | None, days: int, *, lower_is_better: bool | None = None
) -> Change | None:
    """The relative change from ``before`` to ``now`` (``None`` when either is missing or
    ``before`` is zero: no comparison to make). ``lower_is_better``: a shorter time is good
    news; ``None``: neither direction is."""
    if now is None or not before:
        return None
    ratio = (now - before) / before
    text = _signed(ratio, str(format_percent(abs(ratio), "#,##0%", locale=current_locale())))
    return Change(_against(days, text), _tone(ratio, lower_is_better))


def change_in_points(now: float | None, before: float | None, days: int) -> Change | None:
    """A share against the previous days, in percentage points (higher is better)."""
    if now is None or before is None:
        return None
    points = round((now - before) * 100, 1)
    text = _signed(points, _("%(points)s pt") % {"points": number(abs(points))})
    return Change(_against(days, text), _tone(points, False))


def _tone(delta: float, lower_is_better: bool | None) -> str:
    if lower_is_better is None or abs(delta) < 1e-9:
        return ""
    return "good" if (delta < 0) == lower_is_better else "bad"


def day_label(day: date) -> str:
    """'4 dic', '4 Dec': under a chart's bars."""
    return str(format_date(day, "d MMM", locale=current_locale()))


def day_title(day: date) -> str:
    """'lun 4 dic 2026': in a bar's title and the tables."""
    return str(format_date(day, "EEE d MMM y", locale=current_locale()))


# --- the sections -----------------------------------------------------------------------


def conversations_text(count: int) -> str:
    return ngettext("%(count)s conversation", "%(count)s conversations", count) % {
        "count": number(count)
    }


def messages_text(count: int) -> str:
    return ngettext("%(count)s message", "%(count)s messages", count) % {"count": number(count)}


def volume_section(period: Period) -> dict[str, Any]:
    """Conversations opened per day by channel (stacked bars) and customers' messages
    received per day (a line)."""
    found = queries.volume(period)
    shown = found.channels[:CHART_CHANNELS]
    others = found.channels[CHART_CHANNELS:]
    series = [name for _pk, name in shown] + ([_("Other channels")] if others else [])
    other_ids = {pk for pk, _name in others}
    stacks = [
        [day.by_channel.get(pk, 0) for pk, _name in shown]
        + ([sum(n for pk, n in day.by_channel.items() if pk in other_ids)] if others else [])
        for day in found.days
    ]
    labels = [day_label(day.day) for day in found.days]
    before = queries.totals(period.previous())
    days = len(found.days)

    def bar_title(n: int) -> str:
        day = found.days[n]
        parts = ", ".join(
            f"{name} {number(value)}"
            for name, value in zip(series, stacks[n], strict=True)
            if value
        )
        text = f"{day_title(day.day)}: {conversations_text(day.opened)}"
        return f"{text} ({parts})" if parts else text

    opened_chart = charts.stacked_bars(
        title=_("Conversations opened per day"),
        description=_("%(total)s in the period, by channel.")
        % {"total": conversations_text(found.opened)},
        labels=labels,
        stacks=stacks,
        series=series,
        number=number,
        bar_title=bar_title,
    )
    received_chart = charts.line(
        title=_("Customers' messages received per day"),
        description=_("%(total)s in the period.") % {"total": messages_text(found.received)},
        labels=labels,
        values=[day.received for day in found.days],
        number=number,
        point_title=lambda n: (
            f"{day_title(found.days[n].day)}: {messages_text(found.days[n].received)}"
        ),
    )
    return {
        "volume": found,
        "opened_chart": opened_chart,
        "received_chart": received_chart,
        "opened_change": change(found.opened, before.opened, days),
        "received_change": change(found.received, before.received, days),
    }


def responsiveness_section(period: Period) -> dict[str, Any]:
    """First reply (median, 90th percentile), the first-reply target met or breached,
    resolution time, and the repeat-contact rate."""
    found = queries.responsiveness(period)
    repeats = queries.repeats(period)
    decided = found.with_target
    days = period.days
    before = queries.responsiveness(period.previous(), by_day=False)
    minutes = [
        None if day not in found.first_reply_by_day else found.first_reply_by_day[day] / 60
        for day in days
    ]

    def point_title(n: int) -> str:
        return f"{day_title(days[n])}: {duration(found.first_reply_by_day.get(days[n]))}"

    first_reply_chart = charts.line(
        title=_("Median first reply per day, in minutes"),
        description=_("Of the conversations opened each day; %(median)s over the period.")
        % {"median": duration(found.first_reply.median)},
        labels=[day_label(day) for day in days],
        values=minutes,
        number=number,
        point_title=point_title,
    )
    return {
        "responsiveness": found,
        "first_reply_change": change(
            found.first_reply.median, before.first_reply.median, len(days), lower_is_better=True
        ),
        "share_met_change": change_in_points(found.share_met, before.share_met, len(days)),
        "resolution_change": change(
            found.resolution.median, before.resolution.median, len(days), lower_is_better=True
        ),
        "first_reply_chart": first_reply_chart if found.first_reply_by_day else None,
        "repeats": repeats,
        "breaches_text": ngettext("%(num)s breach", "%(num)s breaches", found.target_breached)
        % {"num": number(found.target_breached)},
        "running_text": ngettext(
            "%(num)s conversation still waits within its target.",
            "%(num)s conversations still wait within their target.",
            found.target_running,
        )
        % {"num": number(found.target_running)},
        "target_rows": [
            (key, label, f"{number(count)} · {percent(count / decided)}", count / decided)
            for key, label, count in (
                ("met", _("Met"), found.target_met),
                ("breached", _("Breached"), found.target_breached),
            )
        ]
        if decided
        else [],
    }


def satisfaction_section(period: Period) -> dict[str, Any]:
    """CSAT (the share of answers rating 4 or 5) of the surveys sent in the period, per day
    and per agent who resolved; and NPS, which asks about the business, not a channel."""
    where = (period.workspace_id, period.since, period.until, period.time_zone)
    csat = csat_summary(*where, channel_id=period.channel_id)
    before = period.previous()
    csat_before = csat_figures(before.workspace_id, before.since, before.until, before.channel_id)
    nps = nps_summary(*where)
    days = period.days
    shares = {day.day: day.csat for day in csat.days}

    def point_title(n: int) -> str:
        return f"{day_title(days[n])}: {percent_of_hundred(shares.get(days[n]))}"

    chart = charts.line(
        title=_("Satisfied customers per day, in %"),
        description=_(
            "Answers rating 4 or 5 of the surveys sent each day; %(csat)s over the period."
        )
        % {"csat": percent_of_hundred(csat.csat)},
        labels=[day_label(day) for day in days],
        values=[shares.get(day) for day in days],
        number=number,
        point_title=point_title,
        top=100,
    )
    return {
        "csat": csat,
        "csat_change": change_in_points(
            None if csat.csat is None else csat.csat / 100,
            None if csat_before.csat is None else csat_before.csat / 100,
            len(days),
        ),
        "csat_chart": chart if csat.answered else None,
        "nps": nps,
        "agents": [agent for agent in csat.agents if agent.sent],
    }


def percent_of_hundred(value: float | None) -> str:
    """A figure already in percent (60.0) written as the language writes a share."""
    return percent(None if value is None else value / 100)


def agents_section(period: Period) -> dict[str, Any]:
    return {"agents": queries.agents(period)}


SEGMENT_LABELS = {
    Segment.LOYAL: gettext_lazy("Loyal"),
    Segment.OCCASIONAL: gettext_lazy("Occasional"),
    Segment.AT_RISK: gettext_lazy("At risk"),
    Segment.NEW: gettext_lazy("New"),
}


def segments_section(period: Period) -> dict[str, Any]:
    """Customers by segment today, and the ones at risk (churn risk), linked."""
    found = queries.segments(period.workspace_id)
    top = max(found.counts.values(), default=0)
    rows = [
        (key.value, str(SEGMENT_LABELS[key]), number(found.counts[key.value]),
         found.counts[key.value] / top if top else 0)
        for key in (Segment.LOYAL, Segment.OCCASIONAL, Segment.AT_RISK, Segment.NEW)
    ]  # fmt: skip
    return {"segments": found, "segment_rows": rows}


@dataclass(frozen=True)
class Formats:
    """What the templates write numbers, times and days with (``fmt`` in their context)."""

    number: Callable[[float], str] = number
    percent: Callable[[float | None], str] = percent
    percent_of_hundred: Callable[[float | None], str] = percent_of_hundred
    duration: Callable[[float | None], str] = duration
    day_title: Callable[[date], str] = day_title


FORMATS = Formats()


@dataclass(frozen=True)
class Section:
    key: str
    template: str
    build: Callable[[Period], dict[str, Any]]


SECTIONS: tuple[Section, ...] = (
    Section("volume", "web/reports/_volume.html", volume_section),
    Section("responsiveness", "web/reports/_responsiveness.html", responsiveness_section),
    Section("satisfaction", "web/reports/_satisfaction.html", satisfaction_section),
    Section("agents", "web/reports/_agents.html", agents_section),
    Section("segments", "web/reports/_segments.html", segments_section),
)


def csv_rows(period: Period) -> tuple[list[str], list[list[Any]]]:
    """The per-day figures for a spreadsheet: a header and a row per day (the day as
    ISO 8601, counts as integers, a column per channel)."""
    found = queries.volume(period)
    repeats = queries.repeats(period)
    header = [
        _("Day"),
        _("Conversations opened"),
        _("Customers' messages received"),
        _("Repeat contacts"),
        *(_("Opened on %(channel)s") % {"channel": name} for _pk, name in found.channels),
    ]
    rows = [
        [
            day.day.isoformat(),
            day.opened,
            day.received,
            repeats.by_day.get(day.day, 0),
            *(day.by_channel.get(pk, 0) for pk, _name in found.channels),
        ]
        for day in found.days
    ]
    return header, rows
