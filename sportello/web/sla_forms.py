"""Forms of the business-hours and SLA settings pages: proper fields (a time zone list,
weekly hours as time inputs, dates one a line), parsed into what ``sla.actions`` takes.
The checks are the API's (``sla.hours``); their refusals are said here in the admin's
language, naming the day or the line."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from itertools import pairwise
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import Team
from sportello.channels.models import Channel
from sportello.conversations.models import Priority
from sportello.customers.models import Segment
from sportello.sla.hours import WEEKDAYS, format_clock
from sportello.sla.models import Calendar

SLOTS = 3  # intervals a day in the form: a morning, an afternoon, an evening shift
DAY_NAMES = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}
# The countries a small Italian business most often follows; any other by its code.
HOLIDAY_COUNTRIES = (
    ("", _("No public holidays")),
    ("IT", _("Italy")),
    ("SM", _("San Marino")),
    ("VA", _("Vatican City")),
    ("CH", _("Switzerland")),
    ("FR", _("France")),
    ("DE", _("Germany")),
    ("AT", _("Austria")),
    ("ES", _("Spain")),
    ("GB", _("United Kingdom")),
    ("US", _("United States")),
)
UNITS = (("minutes", _("minutes")), ("hours", _("hours")))
CLOCKS = (("business", _("business hours")), ("calendar", _("around the clock (24/7)")))
TARGET_LABELS = {
    "first_reply": _("First reply within"),
    "next_reply": _("Next reply within"),
    "resolution": _("Resolution within"),
}


@lru_cache(maxsize=1)
def zone_choices() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return [
        (z, z.replace("_", " ")) for z in ["Europe/Rome", *(z for z in zones if z != "Europe/Rome")]
    ]


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time", "class": "time-input"}, format="%H:%M")


def _clock(value: dt.time | None) -> str:
    return "" if value is None else value.strftime("%H:%M")


def _intervals(pairs: list[tuple[str, str]], where: str) -> tuple[list[list[str]], str]:
    """The pairs as the API writes them, and the refusal (translated) if they cannot be."""
    minutes = []
    for start, end in pairs:
        a = int(start[:2]) * 60 + int(start[3:])
        b = 24 * 60 if end == "00:00" else int(end[:2]) * 60 + int(end[3:])
        if a >= b:
            return [], str(
                _("%(day)s: the interval %(start)s-%(end)s ends before it starts")
                % {"day": where, "start": start, "end": end}
            )
        minutes.append((a, b))
    minutes.sort()
    for (a1, b1), (a2, b2) in pairwise(minutes):
        if a2 < b1:
            return [], str(
                _("%(day)s: the intervals %(first)s and %(second)s overlap")
                % {
                    "day": where,
                    "first": f"{format_clock(a1)}-{format_clock(b1)}",
                    "second": f"{format_clock(a2)}-{format_clock(b2)}",
                }
            )
    return [[format_clock(a), format_clock(b)] for a, b in minutes], ""


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    time_zone = forms.ChoiceField(label=_("Time zone"))
    holiday_country = forms.ChoiceField(
        label=_("Public holidays of"), choices=HOLIDAY_COUNTRIES, required=False
    )
    holiday_subdivision = forms.CharField(
        label=_("Province or region"),
        max_length=10,
        required=False,
        help_text=_("Adds its own holidays: MI for Milan (7 December), RM for Rome (29 June)."),
    )
    closed_days = forms.CharField(
        label=_("Extra closed days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2026-08-14"}),
        help_text=_("One date a line, as YYYY-MM-DD."),
    )
    open_days = forms.CharField(
        label=_("Extra open days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2026-12-08 09:00-13:00"}),
        help_text=_(
            "One day a line with its hours, also on a holiday: 2026-12-08 09:00-13:00 15:00-19:00."
        ),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels timed on this calendar"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    teams = forms.MultipleChoiceField(
        label=_("Teams timed on this calendar"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        channels: list[Channel],
        teams: list[Team],
        calendar: Calendar | None = None,
        attached: tuple[list[int], list[int]] = ([], []),
        **kwargs: Any,
    ) -> None:
        if calendar is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_of(calendar, attached)
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = zone_choices()  # type: ignore[attr-defined]
        self.fields["channels"].choices = [(str(c.pk), c.name) for c in channels]  # type: ignore[attr-defined]
        self.fields["teams"].choices = [(str(t.pk), t.name) for t in teams]  # type: ignore[attr-defined]
        for day in WEEKDAYS:
            for slot in range(1, SLOTS + 1):
                for end in ("start", "end"):
                    self.fields[f"{day}_{slot}_{end}"] = forms.TimeField(
                        label=f"{DAY_NAMES[day]} {slot} {end}",
                        required=False,
                        widget=_time_input(),
                    )

    @staticmethod
    def initial_of(calendar: Calendar, attached: tuple[list[int], list[int]]) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": calendar.name,
            "time_zone": calendar.time_zone,
            "holiday_country": calendar.holiday_country,
            "holiday_subdivision": calendar.holiday_subdivision,
            "closed_days": "\n".join(calendar.closed_days),
            "open_days": "\n".join(
                f"{day} " + " ".join(f"{a}-{b}" for a, b in intervals)
                for day, intervals in sorted(calendar.open_days.items())
            ),
            "channels": [str(i) for i in attached[0]],
            "teams": [str(i) for i in attached[1]],
        }
        for day, intervals in calendar.hours.items():
            for slot, (start, end) in enumerate(intervals[:SLOTS], 1):
                initial[f"{day}_{slot}_start"] = start
                initial[f"{day}_{slot}_end"] = "00:00" if end == "24:00" else end
        return initial

    def week(self) -> list[tuple[str, Any, list[tuple[forms.BoundField, forms.BoundField]]]]:
        """(day, its name, its interval slots as (start, end) fields), for the template."""
        return [
            (
                day,
                DAY_NAMES[day],
                [(self[f"{day}_{n}_start"], self[f"{day}_{n}_end"]) for n in range(1, SLOTS + 1)],
            )
            for day in WEEKDAYS
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hours: dict[str, list[list[str]]] = {}
        for day in WEEKDAYS:
            pairs = []
            for slot in range(1, SLOTS + 1):
                start, end = data.get(f"{day}_{slot}_start"), data.get(f"{day}_{slot}_end")
                if start is None and end is None:
                    continue
                if start is None or end is None:
                    self.add_error(
                        f"{day}_{slot}_start",
                        _("%(day)s: give both the opening and the closing time")
                        % {"day": DAY_NAMES[day]},
                    )
                    continue
                pairs.append((_clock(start), _clock(end)))
            intervals, refusal = _intervals(pairs, str(DAY_NAMES[day]))
            if refusal:
                self.add_error(None, refusal)
            elif intervals:
                hours[day] = intervals
        data["hours"] = hours
        data["closed_days_list"] = self._dates(data.get("closed_days") or "")
        data["open_days_map"] = self._open_days(data.get("open_days") or "")
        if not hours and not data["open_days_map"] and not self.errors:
            self.add_error(
                None, _("The calendar has no open hours: give at least one day an interval.")
            )
        return data

    def _dates(self, text: str) -> list[str]:
        days = []
        for line in filter(None, (line.strip() for line in text.splitlines())):
            try:
                days.append(dt.date.fromisoformat(line).isoformat())
            except ValueError:
                self.add_error(
                    "closed_days", _("“%(line)s” is not a date as YYYY-MM-DD") % {"line": line}
                )
        return sorted(set(days))

    def _open_days(self, text: str) -> dict[str, list[list[str]]]:
        days: dict[str, list[list[str]]] = {}
        for line in filter(None, (line.strip() for line in text.splitlines())):
            day, *spans = line.split()
            try:
                date = dt.date.fromisoformat(day).isoformat()
                pairs = []
                for span in spans:
                    start, end = span.split("-")
                    pairs.append(
                        (_clock(dt.time.fromisoformat(start)), _clock(dt.time.fromisoformat(end)))
                    )
            except ValueError:
                self.add_error(
                    "open_days",
                    _("“%(line)s” is not a date with its hours, as 2026-12-08 09:00-13:00")
                    % {"line": line},
                )
                continue
            if not pairs:
                self.add_error("open_days", _("%(day)s: give the hours it is open") % {"day": date})
                continue
            intervals, refusal = _intervals(pairs, date)
            if refusal:
                self.add_error("open_days", refusal)
            else:
                days[date] = intervals
        return days

    def fields_for_action(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "time_zone": data["time_zone"],
            "hours": data["hours"],
            "holiday_country": data.get("holiday_country") or "",
            "holiday_subdivision": (data.get("holiday_subdivision") or "").strip().upper(),
            "closed_days": data["closed_days_list"],
            "open_days": data["open_days_map"],
            "channel_ids": [int(i) for i in data.get("channels") or []],
            "team_ids": [int(i) for i in data.get("teams") or []],
        }


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    calendar = forms.ChoiceField(label=_("Business calendar"))
    position = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        max_value=10_000,
        initial=0,
        help_text=_("Policies are tried in this order; the first that applies is used."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    warn_minutes = forms.IntegerField(
        label=_("Warn this many minutes before a breach"),
        min_value=0,
        max_value=100_000,
        initial=15,
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"), required=False, widget=forms.CheckboxSelectMultiple
    )
    priorities = forms.MultipleChoiceField(
        label=_("Priorities"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(str(v), label) for v, label in Priority.choices],
    )
    teams = forms.MultipleChoiceField(
        label=_("Teams"), required=False, widget=forms.CheckboxSelectMultiple
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas; one of them is enough."),
    )
    segments = forms.MultipleChoiceField(
        label=_("Customer segments"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=Segment.choices,
    )

    def __init__(
        self,
        *args: Any,
        calendars: list[Calendar],
        channels: list[Channel],
        teams: list[Team],
        is_default: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.is_default = is_default
        self.fields["calendar"].choices = [(str(c.pk), c.name) for c in calendars]  # type: ignore[attr-defined]
        self.fields["channels"].choices = [(str(c.pk), c.name) for c in channels]  # type: ignore[attr-defined]
        self.fields["teams"].choices = [(str(t.pk), t.name) for t in teams]  # type: ignore[attr-defined]
        for target, label in TARGET_LABELS.items():
            self.fields[f"{target}_amount"] = forms.IntegerField(
                label=label,
                required=False,
                min_value=1,
                max_value=527_040,
                help_text=_("Empty: no target."),
                widget=forms.NumberInput(attrs={"class": "amount-input"}),
            )
            self.fields[f"{target}_unit"] = forms.ChoiceField(
                label=_("Unit"), choices=UNITS, initial="hours", required=False
            )
            self.fields[f"{target}_clock"] = forms.ChoiceField(
                label=_("Counted in"), choices=CLOCKS, initial="business", required=False
            )

    @staticmethod
    def initial_of(policy: Any) -> dict[str, Any]:
        conditions = policy.conditions or {}
        initial: dict[str, Any] = {
            "name": policy.name,
            "calendar": str(policy.calendar_id),
            "position": policy.position,
            "is_active": policy.is_active,
            "warn_minutes": policy.warn_minutes,
            "channels": [str(i) for i in conditions.get("channels", [])],
            "priorities": [str(i) for i in conditions.get("priorities", [])],
            "teams": [str(i) for i in conditions.get("teams", [])],
            "tags": ", ".join(conditions.get("tags", [])),
            "segments": list(conditions.get("segments", [])),
        }
        for target in TARGET_LABELS:
            minutes = getattr(policy, f"{target}_minutes")
            in_hours = minutes is not None and minutes % 60 == 0
            initial[f"{target}_amount"] = (
                (minutes // 60 if in_hours else minutes) if minutes else None
            )
            initial[f"{target}_unit"] = "hours" if in_hours or minutes is None else "minutes"
            initial[f"{target}_clock"] = (
                "business" if getattr(policy, f"{target}_business") else "calendar"
            )
        return initial

    def targets(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(self[f"{t}_amount"], self[f"{t}_unit"], self[f"{t}_clock"]) for t in TARGET_LABELS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.is_default and any(
            data.get(name) for name in ("channels", "priorities", "teams", "tags", "segments")
        ):
            self.add_error(
                None, _("The default policy applies to every conversation: it has no conditions.")
            )
        if not any(data.get(f"{t}_amount") for t in TARGET_LABELS) and not self.errors:
            self.add_error(None, _("Give at least one target."))
        return data

    def fields_for_action(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields: dict[str, Any] = {
            "name": data["name"],
            "position": data["position"],
            "is_active": data["is_active"],
            "warn_minutes": data["warn_minutes"],
        }
        if not self.is_default:
            tags = [t.strip() for t in (data.get("tags") or "").split(",") if t.strip()]
            fields["conditions"] = {
                "channels": [int(i) for i in data.get("channels") or []],
                "priorities": [int(i) for i in data.get("priorities") or []],
                "teams": [int(i) for i in data.get("teams") or []],
                "tags": list(dict.fromkeys(tags)),
                "segments": list(data.get("segments") or []),
            }
        for target in TARGET_LABELS:
            amount = data.get(f"{target}_amount")
            factor = 60 if data.get(f"{target}_unit") == "hours" else 1
            fields[f"{target}_minutes"] = amount * factor if amount else None
            fields[f"{target}_business"] = data.get(f"{target}_clock") != "calendar"
        return fields


class RepeatContactsForm(forms.Form):
    is_enabled = forms.BooleanField(label=_("Link repeat contacts"), required=False)
    window_days = forms.IntegerField(
        label=_("Days after resolution a new contact counts as a repeat"),
        min_value=1,
        max_value=90,
    )
