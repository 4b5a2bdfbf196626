"""The acknowledgement's words: templates checked when saved, filled in the customer's
language with the due time as people say it in the workspace's time zone."""

from __future__ import annotations

from datetime import datetime
from string import Formatter
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from sportello.core.errors import InvalidInput

LANGUAGES = ("it", "en")
PLACEHOLDERS = ("time", "date", "name", "number")
MAX_TEMPLATE = 2000


def language_of(*detected: str) -> str:
    """The first detected language the templates speak ("en-GB" is English), else Italian."""
    for code in detected:
        base = (code or "").split("-")[0].split("_")[0].lower()
        if base in LANGUAGES:
            return base
    return "it"


def check_template(text: str, where: str) -> str:
    """A template as saved: not empty, not too long, and only the known placeholders,
    plain (no attribute, index or format spec: a template is data, never code)."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(f"{where}: the text is empty")
    if len(text) > MAX_TEMPLATE:
        raise InvalidInput(f"{where}: the text is longer than {MAX_TEMPLATE} characters")
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in Formatter().parse(text)]
    except ValueError as exc:
        raise InvalidInput(f"{where}: {exc}; write a brace as {{{{ or }}}}") from None
    known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    for name, spec, conv in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conv:
            raise InvalidInput(f"{where}: unknown placeholder {{{name}}}; use {known}")
    return text


def fill(
    template: str,
    *,
    language: str,
    due: datetime,
    zone: ZoneInfo,
    now: datetime,
    name: str,
    number: int,
) -> str:
    """The text for one customer: "entro le 09:45 di lunedì 28 dicembre" with the Italian
    default, "by 09:45 on Monday 28 December" with the English one; the year is said when
    it is not the current one."""
    local = due.astimezone(zone)
    pattern = "EEEE d MMMM" if local.year == now.astimezone(zone).year else "EEEE d MMMM y"
    return template.format(
        time=format_time(local.time(), "HH:mm", locale=language),
        date=format_date(local.date(), pattern, locale=language),
        name=name,
        number=number,
    )
