"""Template helpers of the agent UI: times in the agent's language and time zone, timeline
events in words, links that keep the current filters."""

from __future__ import annotations

import functools
import html
from datetime import datetime, timedelta
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.dates import DateTimePattern, format_timedelta, match_skeleton, parse_pattern
from django import forms, template
from django.forms import BoundField
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from sportello.conversations.models import Conversation, Message, Priority, Status
from sportello.core import clock
from sportello.web.timeline import EventLine, describe

register = template.Library()

_STATUS_LABELS = dict(Status.choices)
_PRIORITY_LABELS = dict(Priority.choices)
JUST_NOW = timedelta(seconds=45)
RELATIVE_UNTIL = timedelta(days=7)


def _locale() -> Locale:
    return _locale_for(translation.get_language() or "it")


@functools.cache
def _locale_for(language: str) -> Locale:
    try:
        return Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("it")


@functools.cache
def _pattern(locale: Locale, kind: str) -> DateTimePattern:
    """Babel's patterns parsed once per locale: ``format_skeleton`` matched the skeleton and
    parsed the pattern on every call (~50 µs; a conversation page shows ~60 times)."""
    if kind == "full":
        text = f"{locale.date_formats['full'].pattern}, {locale.time_formats['short'].pattern}"
    elif kind == "time":
        text = locale.time_formats["short"].pattern
    else:  # a skeleton
        text = locale.datetime_skeletons[
            kind
            if kind in locale.datetime_skeletons
            else match_skeleton(kind, locale.datetime_skeletons)
        ]
    return parse_pattern(text)


def _format(value: datetime, locale: Locale, kind: str) -> str:
    return str(_pattern(locale, kind).apply(value, locale))


def _local(value: datetime) -> datetime:
    return timezone.localtime(value, timezone.get_current_timezone())


def full_time(value: datetime) -> str:
    """'martedì 4 marzo 2025, 14:05' — the whole date, for titles and tooltips."""
    return _format(_local(value), _locale(), "full")


def short_time(value: datetime, now: datetime | None = None) -> str:
    """'4 mar, 14:05' this year, '4 mar 2024, 14:05' before."""
    locale = _locale()
    local = _local(value)
    skeleton = "MMMd" if local.year == _local(now or clock.now()).year else "yMMMd"
    return locale.datetime_formats["short"].format(
        _format(local, locale, "time"), _format(local, locale, skeleton)
    )


def relative_time(value: datetime, now: datetime | None = None) -> str:
    """'5 minuti fa' for the last week, the short date after."""
    now = now or clock.now()
    delta = value - now
    if abs(delta) < JUST_NOW:
        return _("just now")
    if abs(delta) > RELATIVE_UNTIL:
        local = _local(value)
        skeleton = "MMMd" if local.year == _local(now).year else "yMMMd"
        return _format(local, _locale(), skeleton)
    return format_timedelta(delta, add_direction=True, locale=_locale())


@register.filter
def reltime(value: datetime | None) -> SafeString | str:
    if value is None:
        return ""
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        full_time(value),
        relative_time(value),
    )


@register.simple_tag
def inbox_row(c: Conversation) -> SafeString:
    """One conversation of the inbox list.

    Written here rather than as a template: an inbox page has 25 of these, and the template
    engine's lookups and filters cost ~150 µs a row, Django's lazy-aware ``format_html``
    ~90 µs, and this (the standard library's ``html.escape``) ~35 µs. Every value is
    escaped; the UI tests and the browser test read this markup."""
    esc = html.escape
    parts = [
        f'<li class="conv-row">\n  <a class="conv-link" href="{conversation_url(c.number)}">\n'
        '    <div class="conv-line">\n'
        f'      <span class="conv-customer">{esc(str(c.customer))}</span>\n'
        f'      <span class="conv-channel">{esc(c.channel.name)}</span>\n'
        f'      <span class="conv-time">{reltime(c.last_message_at)}</span>\n'
        '    </div>\n    <div class="conv-line">\n'
        f'      <span class="conv-number">#{int(c.number)}</span>\n'
        f'      <span class="conv-subject">{esc(c.subject or str(_("(no subject)")))}</span>\n'
        "    </div>\n"
    ]
    if c.preview:
        parts.append(f'    <p class="conv-preview">{esc(c.preview)}</p>\n')
    status = esc(c.status)
    parts.append(
        f'    <div class="conv-meta">\n      <span class="badge status-{status}">'
        f"{esc(status_label(c.status))}</span>\n      "
    )
    if c.priority != Priority.NORMAL:
        parts.append(
            f'<span class="badge priority-{int(c.priority)}"><span class="visually-hidden">'
            f"{esc(str(_('Priority')))}: </span>{esc(priority_label(c.priority))}</span>"
        )
    parts.extend(f'<span class="tag">{esc(tag)}</span>' for tag in c.tag_names)
    parts.append('\n      <span class="conv-assignee">')
    if c.assignee is not None:
        name = esc(c.assignee.display_name)
        initial = esc(c.assignee.display_name[:1].upper())
        parts.append(f'<span class="avatar avatar-xs" aria-hidden="true">{initial}</span>{name}')
    else:
        parts.append(f'<span class="muted">{esc(str(_("Unassigned")))}</span>')
    if c.team is not None:
        parts.append(f'<span class="muted">· {esc(c.team.name)}</span>')
    parts.append("</span>\n    </div>\n  </a>\n</li>\n")
    return mark_safe("".join(parts))  # every value above is escaped


@register.filter
def widget_html(field: BoundField) -> SafeString | str:
    """``{{ field }}``, with single selects written here: Django renders each option through
    a template include (~70 µs a select of a dozen options, against ~10 µs here). Anything
    else is left to Django."""
    widget = field.field.widget
    if type(widget) is not forms.Select:
        return str(field)
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    esc = html.escape
    parts = [f'<select name="{esc(context["name"])}"{_attributes(context["attrs"])}>']
    for group, options, _index in context["optgroups"]:
        if group is not None:
            return str(field)
        for option in options:
            parts.append(
                f'<option value="{esc(str(option["value"]))}"{_attributes(option["attrs"])}>'
                f"{esc(str(option['label']))}</option>"
            )
    parts.append("</select>")
    return mark_safe("".join(parts))  # every value above is escaped


def _attributes(attrs: dict[str, Any]) -> str:
    """HTML attributes in their order, as Django's ``attrs.html`` writes them."""
    return "".join(
        f" {name}" if value is True else f' {name}="{html.escape(str(value))}"'
        for name, value in attrs.items()
        if value is not None and value is not False
    )


@register.simple_tag
def conversation_url(number: int) -> str:
    """``{% url 'web:conversation' number %}`` for list rows: reversed once per process."""
    return _conversation_url_pattern().format(int(number))


@functools.cache
def _conversation_url_pattern() -> str:
    marker = 987654321
    return reverse("web:conversation", args=[marker]).replace(str(marker), "{}")


@register.filter
def status_label(value: str) -> str:
    """A status in words; ``get_status_display`` rebuilds its choices dict on every call."""
    return str(_STATUS_LABELS.get(value, value))


@register.filter
def priority_label(value: int) -> str:
    return str(_PRIORITY_LABELS.get(value, value))


@register.filter
def abstime(value: datetime | None) -> SafeString | str:
    if value is None:
        return ""
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        full_time(value),
        short_time(value),
    )


@register.filter
def local_input(value: datetime | None) -> str:
    """The value of a ``datetime-local`` input, in the agent's time zone."""
    return _local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


@register.simple_tag
def event_line(message: Message, conversation: Conversation) -> EventLine:
    return describe(message, conversation)


@register.simple_tag(takes_context=True)
def query(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with ``changes`` applied (``None`` or ``""`` drops a key)."""
    params: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
