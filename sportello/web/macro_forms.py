"""The macro builder's form and its live preview.

The form only reads what the admin chose (selects of this workspace's replies, agents
and teams, tags as comma-separated words) into what ``automation.replies`` takes; every
check is the action's, the API's too, and a refusal comes back on the field it names,
said in the admin's language (``MacroRefused.text`` is in the catalogue).

The preview fills the reply's variables for two sample customers, one who writes in
Italian and one in English, as ``apply_macro`` would on a real conversation: the same
choice of text (``replies.macro_reply``), the same substitution, the due time from the
workspace's default calendar."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import Agent
from sportello.accounts.queries import workspace_agents, workspace_teams
from sportello.automation.models import CannedReply, Macro, SnoozePreset
from sportello.automation.replies import MacroRefused, macro_reply
from sportello.automation.variables import render
from sportello.conversations.models import Conversation, Priority, Status
from sportello.core import clock
from sportello.core.errors import SportelloError
from sportello.customers.models import Customer
from sportello.sla.hours import CalendarInvalid, add_business_time
from sportello.sla.queries import default_calendar, opening_hours

LEAVE = ("", _("Leave as it is"))
# The action's field names (the API's) -> the form's, for putting a refusal in its place.
FORM_FIELD = {
    "canned_reply_id": "canned_reply",
    "assignee_id": "assignee",
    "team_id": "team",
    "snooze": "status",
}
SAMPLE_ORDER = "4521"
SAMPLE_NUMBER = 1042


def _status_choices() -> list[tuple[str, Any]]:
    """Status and snooze in one select: "Snoozed: tomorrow morning" is one choice."""
    choices: list[tuple[str, Any]] = [LEAVE]
    for value, label in Status.choices:
        if value == Status.SNOOZED:
            choices += [
                (f"{Status.SNOOZED}:{preset}", _("Snoozed: %(when)s") % {"when": when})
                for preset, when in SnoozePreset.choices
            ]
        else:
            choices.append((value, label))
    return choices


def _tags(text: str) -> list[str]:
    return [word.strip() for word in text.split(",") if word.strip()]


class MacroForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        required=False,
        help_text=_("What agents see in the conversation's Macros menu."),
        widget=forms.TextInput(attrs={"maxlength": 120, "autocomplete": "off"}),
    )
    canned_reply = forms.ChoiceField(label=_("Reply"), required=False)
    reply_text = forms.CharField(
        label=_("Reply text"),
        required=False,
        help_text=_("Sent to every customer, or only to those who do not write in English."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    reply_text_en = forms.CharField(
        label=_("Reply text in English (optional)"),
        required=False,
        help_text=_("Sent instead to customers who write in English."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    note = forms.CharField(
        label=_("Internal note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    add_tags = forms.CharField(
        label=_("Add tags"),
        required=False,
        help_text=_("Separated by commas."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    remove_tags = forms.CharField(
        label=_("Remove tags"),
        required=False,
        help_text=_("Separated by commas."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    assignee = forms.ChoiceField(label=_("Assign to agent"), required=False)
    team = forms.ChoiceField(label=_("Assign to team"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, workspace_id: int, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "macro_%s")
        super().__init__(*args, **kwargs)
        self.workspace_id = workspace_id
        shared = CannedReply.objects.filter(workspace_id=workspace_id, owner__isnull=True)
        fields = self.fields
        fields["canned_reply"].choices = [  # type: ignore[attr-defined]
            ("", _("Write the text below")),
            *((str(r.pk), f"/{r.shortcut} · {r.title}") for r in shared.order_by("shortcut")),
        ]
        fields["priority"].choices = [LEAVE, *Priority.choices]  # type: ignore[attr-defined]
        fields["assignee"].choices = [  # type: ignore[attr-defined]
            LEAVE,
            *((str(a.pk), a.display_name) for a in workspace_agents(workspace_id) if a.is_active),
        ]
        fields["team"].choices = [  # type: ignore[attr-defined]
            LEAVE,
            *((str(t.pk), t.name) for t in workspace_teams(workspace_id)),
        ]
        fields["status"].choices = _status_choices()  # type: ignore[attr-defined]

    @classmethod
    def initial_of(cls, macro: Macro, *, name: str = "") -> dict[str, Any]:
        """The form's values for ``macro`` (``name`` instead of its own: a copy)."""
        status = macro.status
        if status == Status.SNOOZED:
            status = f"{status}:{macro.snooze}"
        return {
            "name": name or macro.name,
            "canned_reply": str(macro.canned_reply_id or ""),
            "reply_text": macro.reply_text,
            "reply_text_en": macro.reply_text_en,
            "note": macro.note,
            "add_tags": ", ".join(macro.add_tags),
            "remove_tags": ", ".join(macro.remove_tags),
            "priority": "" if macro.priority is None else str(macro.priority),
            "assignee": str(macro.assignee_id or ""),
            "team": str(macro.team_id or ""),
            "status": status,
        }

    def values(self) -> dict[str, Any]:
        """What the admin chose, as ``create_macro``/``update_macro`` take it (the API's
        names: ``MACRO_FIELDS``); call after ``is_valid`` (a field it refused is left
        out)."""
        data = getattr(self, "cleaned_data", {})
        status, _colon, snooze = str(data.get("status") or "").partition(":")

        def number(name: str) -> int | None:
            value = data.get(name)
            return int(value) if value not in (None, "") else None

        return {
            "name": data.get("name") or "",
            "canned_reply_id": number("canned_reply"),
            "reply_text": data.get("reply_text") or "",
            "reply_text_en": data.get("reply_text_en") or "",
            "note": data.get("note") or "",
            "add_tags": _tags(data.get("add_tags") or ""),
            "remove_tags": _tags(data.get("remove_tags") or ""),
            "priority": number("priority"),
            "assignee_id": number("assignee"),
            "team_id": number("team"),
            "status": status,
            "snooze": snooze,
        }

    def refuse(self, error: SportelloError) -> None:
        """Show the action's refusal on the field it names, in the admin's language."""
        if isinstance(error, MacroRefused):
            said = gettext(error.text) % error.params if error.params else gettext(error.text)
            said = said[:1].upper() + said[1:]
            name = FORM_FIELD.get(error.field, error.field)
            self.add_error(name if name in self.fields else None, said)
        else:
            self.add_error(None, error.message)


@dataclass(frozen=True)
class Preview:
    """The reply one sample customer would get: ``None`` text when the macro has none."""

    customer: str
    language: str
    text: str | None
    unknown: list[str]
    missing: list[str]


SAMPLES = (("Chiara Fontana", "it"), ("Emma Clarke", "en"))


def _sample(workspace_id: int, name: str, language: str) -> Conversation:
    """A conversation that is never saved, answered on time by the default calendar: a
    first reply due one business hour from now, as the default SLA policy says (one hour
    around the clock without a calendar)."""
    now = clock.now()
    due = now + timedelta(hours=1)
    calendar = default_calendar(workspace_id)
    if calendar is not None:
        with suppress(CalendarInvalid):
            due = add_business_time(opening_hours(calendar), now, timedelta(hours=1))
    customer = Customer(workspace_id=workspace_id, name=name, language=language)
    return Conversation(
        workspace_id=workspace_id,
        customer=customer,
        number=SAMPLE_NUMBER,
        language=language,
        subject="",
        first_reply_due_at=due,
    )


def previews(workspace_id: int, agent: Agent, values: dict[str, Any]) -> list[Preview]:
    """The reply each sample customer would get from a macro with ``values``."""
    canned = None
    if values.get("canned_reply_id") is not None:
        canned = CannedReply.objects.filter(
            workspace_id=workspace_id, pk=values["canned_reply_id"], owner__isnull=True
        ).first()
    macro = Macro(
        workspace_id=workspace_id,
        canned_reply=canned,
        reply_text=str(values.get("reply_text") or "").strip(),
        reply_text_en=str(values.get("reply_text_en") or "").strip(),
    )
    shown = []
    for name, language in SAMPLES:
        conversation = _sample(workspace_id, name, language)
        body, wanted = macro_reply(macro, conversation)
        if not body:
            shown.append(Preview(name, language, None, [], []))
            continue
        rendered = render(
            body,
            conversation,
            agent,
            language=wanted,
            known={"order.number": SAMPLE_ORDER},
        )
        shown.append(Preview(name, language, rendered.text, rendered.unknown, rendered.missing))
    return shown
