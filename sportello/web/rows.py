"""The markup of what a page repeats many times: inbox rows, a customer's history, timeline
entries.

Written in Python rather than as templates: an inbox page has 25 rows, a customer's page
30 and a conversation page dozens of entries, and the template engine's lookups, includes
and filters, and Django's lazy-aware ``format_html``, cost several times the standard
library's ``html.escape`` used here (docs/adr/0007). Every value is escaped, except
``Message.html``, which is sanitised (nh3) when a message is ingested; the UI tests and the
browser tests read this markup, and ``tests/web/test_rows.py`` checks the escaping. Text to
translate is read outside the f-strings: xgettext (``make messages``) does not look inside.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from html import escape as esc
from html import unescape
from urllib.parse import urlsplit

from django.template.defaultfilters import filesizeformat
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import normalize_newlines
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sportello.channels import registry
from sportello.conversations.attachments import INLINE_IMAGE_TYPES, picture_size
from sportello.conversations.image_size import fit
from sportello.conversations.models import (
    ACTIVE_STATUSES,
    Conversation,
    Kind,
    Message,
    Priority,
    Status,
)
from sportello.core.errors import SportelloError
from sportello.outbound.queries import DeliveryState
from sportello.providers.phone.present import call_details
from sportello.providers.reviews.present import reply_footer, review_details
from sportello.web.reasons import delivery_reason
from sportello.web.timeline import describe
from sportello.web.times import LocalTimes, duration_text

_STATUS_LABELS = dict(Status.choices)
# The largest a thumbnail is shown, in CSS pixels; the whole picture opens on a click.
THUMBNAIL_BOX = (240, 180)
_PRIORITY_LABELS = dict(Priority.choices)


def status_label(value: str) -> str:
    """A status in words; ``get_status_display`` rebuilds its choices dict on every call."""
    return str(_STATUS_LABELS.get(value, value))


def priority_label(value: int) -> str:
    return str(_PRIORITY_LABELS.get(value, value))


def conversation_url(number: int) -> str:
    """``{% url 'web:conversation' number %}`` for list rows: reversed once per process."""
    return _conversation_url_pattern().format(int(number))


@functools.cache
def _conversation_url_pattern() -> str:
    marker = 987654321
    return reverse("web:conversation", args=[marker]).replace(str(marker), "{}")


def time_html(
    value: datetime | None, *, relative: bool = False, times: LocalTimes | None = None
) -> str:
    """``<time>`` with the whole date as its title: '4 mar, 14:05', or '5 minuti fa'. A
    list passes the ``times`` it read once for all its rows."""
    if value is None:
        return ""
    times = times or LocalTimes.current()
    shown = times.relative(value) if relative else times.short(value)
    return (
        f'<time datetime="{value.isoformat()}" title="{esc(times.full(value))}">{esc(shown)}</time>'
    )


def inbox_rows(conversations: list[Conversation]) -> SafeString:
    """The rows of an inbox page."""
    times = LocalTimes.current()
    return mark_safe("".join([inbox_row(c, times) for c in conversations]))  # escaped


@functools.cache
def _channel_sprite() -> str:
    """The channel icons' sprite (``static/web/channels.svg``), its URL read once."""
    return static("web/channels.svg")


def channel_icon(kind: str) -> str:
    """A channel kind's icon, labelled with the kind's name in the agent's language."""
    try:
        label = str(registry.provider(kind).label)
        symbol = kind
    except SportelloError:
        label, symbol = kind, "other"
    return (
        f'<svg class="ch-icon ch-{esc(symbol)}" role="img" aria-label="{esc(label)}"'
        f' width="16" height="16"><title>{esc(label)}</title>'
        f'<use href="{_channel_sprite()}#ch-{esc(symbol)}"></use></svg>'
    )


def waiting_html(c: Conversation, times: LocalTimes) -> str:
    """'Waiting 25 min': the customer's oldest unanswered message, while the conversation is
    still to be dealt with."""
    if c.waiting_since is None or c.status not in ACTIVE_STATUSES:
        return ""
    text = _("Waiting %(time)s") % {
        "time": duration_text(times.locale, times.now - c.waiting_since)
    }
    return (
        f'<span class="wait-badge" title="{esc(times.full(c.waiting_since))}">'
        f'<time datetime="{c.waiting_since.isoformat()}">{esc(text)}</time></span>'
    )


def reply_due_at(c: Conversation) -> datetime | None:
    """The due time of the reply the customer waits for (``models.DUE_SORT_SQL``'s rule):
    the first reply until there is one, then the next reply while a message is unanswered;
    none unless the conversation is open."""
    if c.status != Status.OPEN:
        return None
    if c.first_reply_at is None:
        return c.first_reply_due_at
    return c.next_reply_due_at if c.waiting_since is not None else None


def due_html(c: Conversation, times: LocalTimes) -> str:
    """'Due in 25 min', or 'Overdue 10 min' past the reply's due time."""
    due = reply_due_at(c)
    if due is None:
        return ""
    left = due - times.now
    if left.total_seconds() >= 0:
        css = "due-badge is-soon" if left.total_seconds() < 3600 else "due-badge"
        text = _("Due in %(time)s") % {"time": duration_text(times.locale, left)}
    else:
        css = "due-badge is-overdue"
        text = _("Overdue %(time)s") % {"time": duration_text(times.locale, -left)}
    return (
        f'<span class="{css}" title="{esc(times.full(due))}">'
        f'<time datetime="{due.isoformat()}">{esc(text)}</time></span>'
    )


def inbox_row(c: Conversation, times: LocalTimes) -> SafeString:
    """One conversation of the inbox list: a checkbox to select it for bulk changes (in the
    page's ``bulk-form``), then a link to it."""
    subject = c.subject or _("(no subject)")
    # ``unread``: set by the inbox for its agent (``queries.unread_ids``); other lists omit it.
    unread = getattr(c, "unread", False)
    dot = ""
    if unread:
        unread_text = _("Unread")
        dot = f'<span class="unread-dot" title="{esc(unread_text)}"></span>'
        dot += f'<span class="visually-hidden">{esc(unread_text)}: </span>'
    select = _("Select conversation #%(number)s") % {"number": int(c.number)}
    parts = [
        f'<li class="conv-row{" is-unread" if unread else ""}" id="conv-{int(c.pk)}"'
        f" data-shortcut-row>\n"
        f'  <input type="checkbox" class="conv-select" name="ids" value="{int(c.pk)}"'
        f' form="bulk-form" aria-label="{esc(select)}">\n'
        f'  <a class="conv-link" href="{conversation_url(c.number)}">\n'
        '    <div class="conv-line">\n'
        f"      {channel_icon(c.channel.kind)}\n"
        f'      <span class="conv-customer">{dot}{esc(str(c.customer))}</span>\n'
        f'      <span class="conv-channel">{esc(c.channel.name)}</span>\n'
        f'      <span class="conv-time">{time_html(c.last_message_at, relative=True, times=times)}'
        "</span>\n"
        '    </div>\n    <div class="conv-line">\n'
        f'      <span class="conv-number">#{int(c.number)}</span>\n'
        f'      <span class="conv-subject">{esc(subject)}</span>\n'
        "    </div>\n"
    ]
    # ``passage``: set by a search (``web.passages``), escaped there with its matches marked.
    passage = getattr(c, "passage", None)
    if passage:
        parts.append(f'    <p class="conv-preview conv-passage">{passage}</p>\n')
    elif c.preview:
        parts.append(f'    <p class="conv-preview">{esc(c.preview)}</p>\n')
    status = esc(c.status)
    parts.append(
        f'    <div class="conv-meta">\n      <span class="badge status-{status}">'
        f"{esc(status_label(c.status))}</span>\n      "
    )
    parts.append(waiting_html(c, times))
    parts.append(due_html(c, times))
    if c.priority != Priority.NORMAL:
        priority = _("Priority")
        parts.append(
            f'<span class="badge priority-{int(c.priority)}"><span class="visually-hidden">'
            f"{esc(priority)}: </span>{esc(priority_label(c.priority))}</span>"
        )
    parts.extend(f'<span class="tag">{esc(tag)}</span>' for tag in c.tag_names)
    parts.append('\n      <span class="conv-assignee">')
    if c.assignee is not None:
        name = esc(c.assignee.display_name)
        initial = esc(c.assignee.display_name[:1].upper())
        parts.append(f'<span class="avatar avatar-xs" aria-hidden="true">{initial}</span>{name}')
    else:
        unassigned = _("Unassigned")
        parts.append(f'<span class="muted">{esc(unassigned)}</span>')
    if c.team is not None:
        parts.append(f'<span class="muted">· {esc(c.team.name)}</span>')
    parts.append("</span>\n    </div>\n  </a>\n</li>\n")
    return mark_safe("".join(parts))  # every value above is escaped


def history(conversations: list[Conversation]) -> SafeString:
    """A customer's conversations, latest first as given."""
    times = LocalTimes.current()
    return mark_safe("".join([history_item(c, times) for c in conversations]))  # escaped


def history_item(c: Conversation, times: LocalTimes) -> SafeString:
    """One conversation of a customer's history."""
    assignee = f'<span class="muted">{esc(c.assignee.display_name)}</span>' if c.assignee else ""
    preview = f'<span class="conv-preview">{esc(c.preview)}</span>' if c.preview else ""
    subject = c.subject or _("(no subject)")
    return mark_safe(
        f'<li class="history-item">\n  <a href="{conversation_url(c.number)}">\n'
        '    <span class="history-top">\n'
        f'      <span class="conv-number">#{int(c.number)}</span>\n'
        f'      <span class="conv-subject">{esc(subject)}</span>\n'
        "    </span>\n"
        '    <span class="history-meta small">\n'
        f'      <span class="badge status-{esc(c.status)}">{esc(status_label(c.status))}</span>\n'
        f"      <span>{esc(c.channel.name)}</span>\n"
        f"      {assignee}\n"
        f'      <span class="muted">{time_html(c.last_message_at, relative=True, times=times)}'
        "</span>\n"
        "    </span>\n"
        f"    {preview}\n  </a>\n</li>\n"
    )  # every value above is escaped


def timeline(messages: list[Message], conversation: Conversation) -> SafeString:
    """A conversation's timeline: its entries, oldest first."""
    times = LocalTimes.current()
    return mark_safe("".join([timeline_entry(m, conversation, times) for m in messages]))


def timeline_entry(
    message: Message, conversation: Conversation, times: LocalTimes | None = None
) -> SafeString:
    """One entry of a conversation's timeline: an event line, or a message or note with its
    sender, time, body, attachments and (for replies) whether it was delivered."""
    if message.kind == Kind.EVENT:
        line = describe(message, conversation)
        actor = f'<span class="event-actor"> · {esc(line.actor)}</span>' if line.actor else ""
        link = ""
        if line.link_number:
            number = int(line.link_number)
            link = f' <a class="event-link" href="{conversation_url(number)}">#{number}</a>'
        return mark_safe(
            f'\n<div class="event" id="m{int(message.pk)}">\n'
            f'  <span class="event-text">{esc(line.text)}{link}</span>{actor}\n'
            f'  <span class="event-time"> · {time_html(message.created_at, times=times)}'
            "</span>\n</div>\n"
        )
    if message.kind == Kind.NOTE:
        css = "message-note"
    else:
        css = "message-in" if message.direction == "in" else "message-out"
    # A reply the system wrote (an acknowledgement) has no agent: it says so.
    automatic = message.kind == Kind.MESSAGE and bool((message.data or {}).get("automatic"))
    sender = message.sender_name or str(conversation.customer)
    badge = ""
    if message.kind == Kind.NOTE:
        note = _("Internal note")
        badge = f'<span class="badge badge-note">{esc(note)}</span>'
    elif automatic:
        sender = _("Sportello")
        badge = f'<span class="badge badge-automatic">{esc(_("Automatic reply"))}</span>'
    parts = [
        f'\n<article id="m{int(message.pk)}" class="message {css}">\n'
        '  <header class="message-head">\n'
        f'    <span class="message-sender">{esc(sender)}</span>\n'
        f"    {badge}\n"
        f'    <span class="message-time">{time_html(message.created_at, times=times)}</span>\n'
        "  </header>\n"
        f'  <div class="message-body">{_body(message, conversation)}</div>\n'
    ]
    if isinstance((message.data or {}).get("call"), dict):
        parts.append(call_details(message.data["call"]))
    if isinstance((message.data or {}).get("review"), dict):
        parts.append(review_details(message.data["review"], conversation))
    if message.attachments:
        parts.append(_attachments(message))
    state: DeliveryState | None = getattr(message, "delivery_state", None)
    by_hand = None
    if message.kind == Kind.MESSAGE and message.direction == "out":
        by_hand = reply_footer(conversation)
    if by_hand is not None:
        parts.append(by_hand)
    elif state is not None:
        parts.append(
            f'  <footer class="delivery delivery-{esc(state.latest)}">{_delivery(state)}</footer>\n'
        )
    parts.append("</article>\n")
    return mark_safe("".join(parts))  # every value above is escaped or sanitised


def _body(message: Message, conversation: Conversation) -> str:
    if message.html:
        # sanitised by nh3 at ingest: the one value shown unescaped
        if "data-remote-src" in message.html:
            return _remote_images_notice(message.html) + message.html
        return message.html
    if not message.text and conversation.anonymised_at is not None:
        return f'<span class="muted">{esc(_("Content removed (personal data)"))}</span>'
    return esc(normalize_newlines(message.text)).replace("\n", "<br>")


_REMOTE_SRC = re.compile(r'data-remote-src="([^"]*)"')
_NOTICE_SITES = 3


def _remote_images_notice(html: str) -> str:
    """Says that the message's remote images were not loaded, and from which sites.

    They stay unloaded: opening a conversation must not tell a sender (by a tracking pixel)
    that it was read, nor from which address; the page's Content-Security-Policy refuses them
    too, so there is no button to load them (docs/deploy.md)."""
    addresses = _REMOTE_SRC.findall(html)
    sites: list[str] = []
    for address in addresses:
        try:
            site = urlsplit(unescape(address).strip().replace("\\", "/")).hostname or ""
        except ValueError:
            site = ""
        if site and site not in sites:
            sites.append(site)
    shown = ", ".join(sites[:_NOTICE_SITES]) + (", …" if len(sites) > _NOTICE_SITES else "")
    text = ngettext(
        "Remote image not loaded (from %(sites)s): it could tell the sender that you opened "
        "this message.",
        "%(count)s remote images not loaded (from %(sites)s): they could tell the sender "
        "that you opened this message.",
        len(addresses),
    ) % {"count": len(addresses), "sites": shown or "?"}
    return f'<p class="remote-images" role="note">{esc(text)}</p>'


def _attachments(message: Message) -> str:
    """The message's files: each a download link, a safe image also a thumbnail (its
    bytes are sniffed again when served; the label only picks what to try showing).
    A file dropped for its size, or erased, is named without a link."""
    items = []
    for index, attachment in enumerate(message.attachments):
        if not isinstance(attachment, dict):
            continue
        name = esc(str(attachment.get("filename") or _("attachment")))
        size = attachment.get("size")
        shown = esc(str(filesizeformat(size))) if size else ""
        size_html = f' <span class="muted">({shown})</span>' if shown else ""
        if not attachment.get("path") or attachment.get("dropped"):
            items.append(f"<li>{name}{size_html}</li>")
            continue
        url = esc(reverse("web:attachment", args=[message.pk, index]))
        picture = None
        if attachment.get("content_type") in INLINE_IMAGE_TYPES:
            picture = picture_size(attachment)
        if picture is not None:
            width, height = fit(picture, THUMBNAIL_BOX)
            # Clicking opens the whole picture (served inline: its bytes are a safe image).
            thumbnail = (
                f'<a class="attachment-thumb" href="{url}" target="_blank" rel="noopener">'
                f'<img src="{url}" alt="{name}" width="{width}" height="{height}" '
                'loading="lazy" decoding="async"></a>'
            )
        else:
            # Not a picture, or one whose bytes do not read as one: a file to download.
            thumbnail = '<span class="attachment-icon" aria-hidden="true"></span>'
        items.append(
            f'<li class="attachment{" has-thumb" if picture else ""}">{thumbnail}'
            f'<a class="attachment-link" href="{url}" download>{name}</a>{size_html}</li>'
        )
    label = esc(_("Attachments"))
    return f'  <ul class="attachments" aria-label="{label}">\n    {"".join(items)}\n  </ul>\n'


def _delivery(state: DeliveryState) -> str:
    if state.latest == "read":
        return esc(_("Read"))
    if state.latest == "delivered":
        return esc(_("Delivered"))
    if state.status == "sent":
        return esc(_("Sent"))
    if state.status == "failed":
        failed = _("Not delivered")
        return f"{esc(failed)}: {esc(delivery_reason(state.last_error or ''))}"
    attempts = state.attempts
    text = esc(_("Sending…"))
    if attempts:
        failed = ngettext(
            "%(attempts)s attempt failed", "%(attempts)s attempts failed", attempts
        ) % {"attempts": attempts}
        text += f" ({esc(failed)})"
    return text
