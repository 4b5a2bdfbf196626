"""How the agent UI shows calls: the details of a call on its timeline entry, and the
lines of the events this channel records (an agent's call logged, a callback done).
Made when shown, in the reader's language; every value is escaped."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sportello.providers.phone.models import Callback, Outcome
from sportello.providers.phone.queries import callback_of


def outcome_label(value: Any) -> str:
    try:
        return str(Outcome(value).label)
    except ValueError:
        return str(value)


def duration_label(seconds: Any) -> str:
    if not isinstance(seconds, int) or seconds <= 0:
        return ""
    minutes, rest = divmod(seconds, 60)
    if minutes:
        return _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": rest}
    return _("%(seconds)d s") % {"seconds": rest}


def call_details(call: dict[str, Any]) -> str:
    """A call's facts under its message: direction, duration, agent, recording link."""
    if call.get("settled") == "missed":
        facts = [_("Missed call")]
    elif call.get("direction") == "outbound":
        facts = [_("Outgoing call")]
    else:
        facts = [_("Incoming call")]
    duration = duration_label(call.get("duration"))
    if duration:
        facts.append(_("duration %(duration)s") % {"duration": duration})
    if call.get("agent"):
        facts.append(_("answered by %(agent)s") % {"agent": call["agent"]})
    recording = str(call.get("recording_url") or "")
    if len(facts) == 1 and not recording.startswith(("https://", "http://")):
        return ""  # the message's text already says it all ("Missed call from ...")
    html = " · ".join(escape(fact) for fact in facts)
    if recording.startswith(("https://", "http://")):
        link = escape(_("Listen to the recording"))
        html += (
            f' · <a href="{escape(recording)}" rel="noopener noreferrer" target="_blank">{link}</a>'
        )
    return f'<p class="call-details">{html}</p>'


def event_line(event: str, data: dict[str, Any]) -> str | None:
    """The sentence of a phone event on the timeline, or None when it is not one."""
    if event == "call_logged":
        text = _("Called the customer: %(outcome)s") % {
            "outcome": outcome_label(data.get("outcome")).lower()
        }
        if data.get("note"):
            text += f" — “{str(data['note'])[:300]}”"
        if data.get("done"):
            text += " · " + _("callback done")
        return text
    if event == "callback_done":
        return _("Callback done: the customer called again and was answered")
    return None


@dataclass(frozen=True)
class CallbackView:
    """A conversation's callback as the call box shows it."""

    callback: Callback
    missed: str  # "3 chiamate perse"
    attempts: str  # "2 tentativi", or ""
    outcome: str  # the last outcome's label, or ""


def phone_callback(conversation: Any) -> CallbackView | None:
    """For the conversation page: the callback of a phone conversation, else None (one
    query, only on the phone channel's conversations)."""
    if getattr(getattr(conversation, "channel", None), "kind", None) != "phone":
        return None
    callback = callback_of(conversation.workspace_id, conversation.pk)
    if callback is None:
        return None
    n, tries = callback.missed_calls, callback.attempts
    return CallbackView(
        callback=callback,
        missed=ngettext("%(num)d missed call", "%(num)d missed calls", n) % {"num": n},
        attempts=ngettext("%(num)d attempt", "%(num)d attempts", tries) % {"num": tries}
        if tries
        else "",
        outcome=outcome_label(callback.outcome) if callback.outcome else "",
    )
