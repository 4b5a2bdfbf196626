"""Forms of the agent UI. They parse what the agent typed; the rules live in the actions."""

from __future__ import annotations

import functools
import math
import zoneinfo
from dataclasses import replace
from typing import Any
from uuid import uuid4

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from sportello.accounts import logins
from sportello.accounts.actions import change_password
from sportello.accounts.models import Agent, Team
from sportello.accounts.queries import agent_for_email, two_factor_enabled
from sportello.channels.models import Channel
from sportello.conversations.actions.bulk import BULK_STATUSES, MAX_BULK
from sportello.conversations.actions.manage import normalize_tag
from sportello.conversations.attachments import Upload
from sportello.conversations.filters import (
    ME,
    NOBODY,
    SORTS,
    VIEWS,
    InboxFilter,
    InboxQuery,
    parse_inbox_query,
)
from sportello.conversations.models import Priority, Status
from sportello.core.errors import SportelloError
from sportello.core.ids import parse_id
from sportello.sla import snooze

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# The agent UI opens on the conversations someone has to act on (the filter set's own
# default view is every conversation, as the API's).
DEFAULT_VIEW = "open"


class LoginForm(AuthenticationForm):
    """Django's login form, asking for the email address people sign in with, within the
    sign-in limits (``accounts.logins``): a locked-out account or address is refused before
    its password is checked, and ``refused`` says so to the view (which answers 429)."""

    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    refused: logins.Refusal | None = None

    def clean_username(self) -> str:
        # Addresses are stored lower-cased (User.save); people type them as they like.
        return str(self.cleaned_data["username"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        if not email or not self.cleaned_data.get("password"):
            return super().clean()
        address = logins.client_address(self.request) if self.request else "unknown"
        self.refused = logins.refusal(email, address)
        if self.refused is not None:
            raise ValidationError(refusal_message(self.refused), code="too_many")
        with logins.password_check() as busy:
            if busy is not None:
                self.refused = busy
                raise ValidationError(refusal_message(busy), code="too_many")
            try:
                cleaned = super().clean()
            except ValidationError:
                logins.record_failure(email, address)
                raise
        # With a second factor, the account's failures are cleared only once the code is
        # right too (``web.views.two_factor``): a known password must not reset the count
        # of guessed codes.
        if not two_factor_enabled(self.get_user()):
            logins.record_success(email)
        return cleaned


def refusal_message(refused: logins.Refusal) -> str:
    """What the sign-in forms say when a sign-in is not even tried."""
    if refused.busy:
        return gettext("Too many people are signing in right now. Try again in a moment.")
    minutes = math.ceil(refused.retry_after / 60)
    return ngettext(
        "Too many failed sign-ins. Try again in %(minutes)s minute.",
        "Too many failed sign-ins. Try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}


# Views are named in the plural ("Resolved" conversations); the same English word as a
# status is singular in Italian, hence the context.
VIEW_LABELS = {
    "unassigned": pgettext_lazy("inbox view", "Unassigned"),
    "mine": pgettext_lazy("inbox view", "Mine"),
    "team": pgettext_lazy("inbox view", "My teams"),
    "open": pgettext_lazy("inbox view", "All open"),
    "snoozed": pgettext_lazy("inbox view", "Snoozed"),
    "resolved": pgettext_lazy("inbox view", "Resolved"),
    "all": pgettext_lazy("inbox view", "All"),
}
SORT_LABELS = {
    "recent": _("Recent activity"),
    "oldest": _("Oldest activity"),
    "newest": _("Newest first"),
    "priority": _("Priority"),
    "waiting": _("Longest waiting"),
    "due": _("Nearest due time"),
}
assert set(VIEW_LABELS) == set(VIEWS) and set(SORT_LABELS) == set(SORTS)


def _id_choices(rows: list[Any], label: str) -> list[tuple[str, str]]:
    return [(str(row.pk), getattr(row, label)) for row in rows]


def _choices(form: forms.Form, name: str, choices: list[tuple[Any, Any]]) -> None:
    """Choices known only per request (the workspace's agents, teams, channels)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class InboxFilterForm(forms.Form):
    """The inbox's filter set (``conversations.filters``) as the agent UI shows it: a view,
    filters, a sort, a search and a cursor, with the workspace's agents, teams and channels
    to choose from.

    The filter set parses the query string, as it does the API's; a value that does not
    parse is dropped rather than refused (a stale bookmark still opens the inbox) and shown
    as its field's error.
    """

    view = forms.ChoiceField(choices=[(v, VIEW_LABELS[v]) for v in VIEWS], required=False)
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    tag = forms.CharField(label=_("Tag"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"), choices=[(s, SORT_LABELS[s]) for s in SORTS], required=False
    )
    cursor = forms.CharField(required=False)

    def __init__(
        self,
        data: Any,
        *,
        agent: Agent,
        agents: list[Agent],
        teams: list[Team],
        channels: list[Channel],
    ) -> None:
        super().__init__(data)
        anyone = [("", _("Anyone"))]
        _choices(self, "status", [("", _("Any status")), *Status.choices])
        _choices(
            self,
            "assignee",
            [
                *anyone,
                (ME, _("Me")),
                (NOBODY, _("Nobody")),
                *_id_choices(agents, "display_name"),
            ],
        )
        _choices(self, "team", [("", _("Any team")), *_id_choices(teams, "name")])
        _choices(self, "channel", [("", _("Any channel")), *_id_choices(channels, "name")])
        # The fields this form has, and no other: the API's customer_id and limit are not
        # the agent UI's.
        self.parsed: InboxQuery = parse_inbox_query(
            {name: data.get(name) for name in self.fields},
            agent,
            channels=channels,
            agents=agents,
            teams=teams,
            default_view=DEFAULT_VIEW,
        )

    def full_clean(self) -> None:
        """The filter set's parse stands for Django's cleaning: the values that parsed,
        and an error on each field whose value was dropped."""
        self._errors = ErrorDict()
        self.cleaned_data = dict(self.parsed.values)
        for name in self.parsed.errors:
            self.add_error(
                name,
                ValidationError(
                    forms.ChoiceField.default_error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": self.data.get(name)},
                ),
            )

    def value(self, name: str, default: str = "") -> str:
        """The parsed value of ``name``, or ``default`` when missing or invalid."""
        return self.parsed.values.get(name) or default

    def to_filter(self) -> InboxFilter:
        f = self.parsed.filter
        if f.q:
            # The search box searches every conversation; the other filters still apply.
            return replace(f, view="all")
        return f

    def active_filters(self) -> int:
        values = self.parsed.values
        return sum(name in values for name in ("status", "assignee", "team", "channel", "tag"))


class FilesInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Any number of files from one ``<input type="file" multiple>``: a list, maybe empty."""

    widget = FilesInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(FilesField, self).clean(file, initial) for file in files if file]


class MessageForm(forms.Form):
    """A reply or note box: the text and the files attached to it, checked against the
    size limits here so the agent reads why in their language (the action checks again)."""

    text = forms.CharField(
        label=_("Message"),
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachments = FilesField(label=_("Attach files"))

    def clean_attachments(self) -> list[Any]:
        files: list[Any] = self.cleaned_data.get("attachments") or []
        if len(files) > settings.ATTACHMENT_MAX_FILES:
            raise ValidationError(
                ngettext(
                    "Attach at most %(count)d file.",
                    "Attach at most %(count)d files.",
                    settings.ATTACHMENT_MAX_FILES,
                )
                % {"count": settings.ATTACHMENT_MAX_FILES}
            )
        max_size = filesizeformat(settings.ATTACHMENT_MAX_FILE_BYTES)
        for file in files:
            if file.size > settings.ATTACHMENT_MAX_FILE_BYTES:
                raise ValidationError(
                    gettext("“%(name)s” is too large: at most %(limit)s a file.")
                    % {"name": file.name, "limit": max_size}
                )
        if sum(file.size for file in files) > settings.ATTACHMENT_MAX_REPLY_BYTES:
            raise ValidationError(
                gettext("The files are too large together: at most %(limit)s.")
                % {"limit": filesizeformat(settings.ATTACHMENT_MAX_REPLY_BYTES)}
            )
        return files

    def uploads(self) -> list[Upload]:
        """The files as the actions take them."""
        return [Upload(file.name or "", file.read()) for file in self.cleaned_data["attachments"]]


def new_reply_key() -> str:
    return str(uuid4())


class ReplyForm(MessageForm):
    """A reply box: the key made when the box is shown goes with its post, so a double
    submit or a retry after a lost answer stores the reply once (``send_reply``)."""

    idempotency_key = forms.CharField(
        required=False, max_length=255, widget=forms.HiddenInput, initial=new_reply_key
    )
    # The newest timeline entry the agent saw when writing: a reply composed against an
    # older state is not sent until the agent has seen what came since (views.conversation).
    seen_id = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    # "Send and resolve": the box's second button posts ``then=resolve``.
    then = forms.ChoiceField(required=False, choices=[("", ""), ("resolve", "resolve")])
    # The channel it goes out on, in a merged conversation (one of its channels; the
    # action checks): absent, the channel of the customer's latest message.
    channel = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class AssignForm(forms.Form):
    """Assignee and team; a field left out of the post is left as it is."""

    assignee = forms.ChoiceField(label=_("Agent"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)

    def __init__(self, data: Any = None, *, agents: list[Agent], teams: list[Team], **kw: Any):
        super().__init__(data, **kw)
        self.agents = {str(a.pk): a for a in agents}
        self.teams = {str(t.pk): t for t in teams}
        _choices(self, "assignee", [("", _("Nobody")), *_id_choices(agents, "display_name")])
        _choices(self, "team", [("", _("No team")), *_id_choices(teams, "name")])

    def changes(self) -> dict[str, Any]:
        """Keyword arguments for ``actions.assign``: only the fields that were posted."""
        changes: dict[str, Any] = {}
        if "assignee" in self.data:
            changes["assignee"] = self.agents.get(self.cleaned_data["assignee"])
        if "team" in self.data:
            changes["team"] = self.teams.get(self.cleaned_data["team"])
        return changes


class BulkForm(forms.Form):
    """The inbox's bulk bar: the selected rows' ids and the change to make to them all. A
    menu left on its first choice changes nothing; at least one change is asked."""

    ids = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    tag = forms.CharField(label=_("Add tag"), required=False, max_length=60)

    def __init__(self, data: Any = None, *, agents: list[Agent], teams: list[Team], **kw: Any):
        super().__init__(data, **kw)
        self.agents = {str(a.pk): a for a in agents}
        self.teams = {str(t.pk): t for t in teams}
        _choices(
            self,
            "assignee",
            [("", _("Assign to…")), (NOBODY, _("Nobody")), *_id_choices(agents, "display_name")],
        )
        _choices(
            self, "team", [("", _("Team…")), (NOBODY, _("No team")), *_id_choices(teams, "name")]
        )
        _choices(
            self,
            "status",
            [("", _("Status…")), *[(s, Status(s).label) for s in BULK_STATUSES]],
        )

    def clean_ids(self) -> list[int]:
        """Any ids that parse: the action refuses those not of the workspace, one by one."""
        ids = [parse_id(str(value)) for value in self.cleaned_data["ids"] or []]
        if not ids:
            raise ValidationError(_("Select at least one conversation."))
        if None in ids:
            raise ValidationError(_("The selection is not valid: reload the page."))
        if len(ids) > MAX_BULK:
            raise ValidationError(
                _("Select at most %(count)s conversations at once."), params={"count": MAX_BULK}
            )
        return [i for i in ids if i is not None]

    def clean_tag(self) -> str:
        tag = self.cleaned_data["tag"].strip()
        if tag:
            try:
                return normalize_tag(tag)
            except SportelloError:
                raise ValidationError(_("A tag must be 1 to 60 characters.")) from None
        return ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(name) for name in ("assignee", "team", "status", "tag")):
            raise ValidationError(_("Choose what to change: an agent, a team, a status or a tag."))
        return data

    def changes(self) -> dict[str, Any]:
        """Keyword arguments for ``actions.bulk_update``."""
        data = self.cleaned_data
        changes: dict[str, Any] = {}
        if data["assignee"]:
            changes["assignee"] = self.agents.get(data["assignee"])
        if data["team"]:
            changes["team"] = self.teams.get(data["team"])
        if data["status"]:
            changes["status"] = data["status"]
        if data["tag"]:
            changes["add_tags"] = [data["tag"]]
        return changes


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, required=False)
    snoozed_until = forms.DateTimeField(
        label=_("Snooze until"),
        required=False,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )

    # "In 1 hour", "Tomorrow morning", "Next Monday": the view turns it into a time on the
    # workspace's calendar (``sla.snooze``); it wins over a date-time also posted.
    preset = forms.ChoiceField(
        label=_("Snooze"),
        required=False,
        choices=[
            ("", ""),
            (snooze.IN_ONE_HOUR, _("In 1 hour")),
            (snooze.TOMORROW_MORNING, _("Tomorrow morning")),
            (snooze.NEXT_MONDAY, _("Next Monday")),
        ],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("preset"):
            data["status"] = Status.SNOOZED
            data["snoozed_until"] = None
            return data
        if not data.get("status") and "status" not in self.errors:
            self.add_error("status", _("Choose a status."))
            return data
        if data.get("status") == Status.SNOOZED and not data.get("snoozed_until"):
            self.add_error("snoozed_until", _("Choose until when to snooze the conversation."))
        if data.get("status") != Status.SNOOZED:
            data["snoozed_until"] = None
        return data


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)


class TagsForm(forms.Form):
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=2000,
        help_text=_("Separate tags with commas."),
    )

    def names(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    organization = forms.CharField(label=_("Organization"), max_length=200, required=False)


def _lifecycle_choices() -> list[tuple[str, Any]]:
    from sportello.customers.models import LifecycleStage

    return list(LifecycleStage.choices)


class LifecycleForm(forms.Form):
    """An agent moves a customer to a lifecycle stage, saying why."""

    stage = forms.ChoiceField(label=_("Lifecycle stage"), choices=_lifecycle_choices)
    reason = forms.CharField(label=_("Why"), max_length=200, required=False)


def _identity_kind_choices() -> list[tuple[str, Any]]:
    from sportello.channels import registry

    return [(k, label) for k, label in registry.identity_kind_choices() if k != "other"]


class IdentityForm(forms.Form):
    """An address an agent adds to a customer: read as ingest reads it, so a garbage phone
    or an email without a domain is refused here, in words."""

    kind = forms.ChoiceField(label=_("Kind"), choices=_identity_kind_choices)
    value = forms.CharField(label=_("Address or number"), max_length=320)

    def clean(self) -> dict[str, Any]:
        from sportello.core.errors import InvalidInput
        from sportello.customers.identities import normalize

        data = super().clean() or {}
        kind, value = data.get("kind"), data.get("value")
        if kind and value:
            try:
                data["normalised"] = normalize(kind, value)
            except InvalidInput:
                if kind == "email":
                    message = gettext("This is not an email address (name@domain.it).")
                elif kind in ("phone", "whatsapp"):
                    message = gettext("This is not a phone number.")
                else:
                    message = gettext("This is not a valid address.")
                self.add_error("value", message)
        return data


def _consent_kind_choices() -> list[tuple[str, Any]]:
    from sportello.channels import registry
    from sportello.customers.actions.lifecycle import consent_kinds

    labels = dict(registry.kind_choices()) | dict(registry.identity_kind_choices())
    return [(k, labels.get(k, k)) for k in consent_kinds()]


def _purpose_choices() -> list[tuple[str, Any]]:
    from sportello.customers.models import ConsentPurpose

    return list(ConsentPurpose.choices)


class ConsentForm(forms.Form):
    """Consent given or withdrawn for a purpose on a channel kind, or the do-not-contact
    flag, as an agent records what the customer said."""

    purpose = forms.ChoiceField(label=_("Purpose"), choices=_purpose_choices, required=False)
    channel_kind = forms.ChoiceField(
        label=_("Channel"), choices=_consent_kind_choices, required=False
    )
    granted = forms.ChoiceField(
        label=_("Consent"),
        choices=[("", "—"), ("yes", _("given")), ("no", _("withdrawn"))],
        required=False,
    )
    do_not_contact = forms.BooleanField(label=_("Do not contact"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [bool(data.get(k)) for k in ("purpose", "channel_kind", "granted")]
        if any(chosen) and not all(chosen):
            raise ValidationError(gettext("Choose the purpose, the channel and the consent."))
        return data


def reset_refusal_message(refused: logins.Refusal) -> str:
    minutes = math.ceil(refused.retry_after / 60)
    return ngettext(
        "Too many reset emails were asked for. Try again in %(minutes)s minute.",
        "Too many reset emails were asked for. Try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}


@functools.cache
def _time_zones() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class ProfileForm(forms.Form):
    """What an agent changes about themselves (``accounts.actions.update_profile``)."""

    display_name = forms.CharField(label=_("Display name"), max_length=120)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zones)
    signature = forms.CharField(
        label=_("Signature"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Added under your email replies."),
    )


class TokenForm(forms.Form):
    """A new API token: what it is for, and how long it lives."""

    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        help_text=_("The integration that will use it, e.g. “Shop orders”."),
    )
    lifetime_days = forms.TypedChoiceField(
        label=_("Expires in"), coerce=int, choices=lambda: token_lifetimes()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lifetime_days"].initial = settings.TOKEN_LIFETIME_DAYS


def token_lifetimes() -> list[tuple[int, str]]:
    """A few lifetimes to choose from, up to the installation's maximum, its default
    included."""
    days = {7, 30, 90, 180, 365, settings.TOKEN_LIFETIME_DAYS}
    allowed = sorted(d for d in days if 1 <= d <= settings.TOKEN_MAX_LIFETIME_DAYS)
    return [(d, ngettext("%(days)s day", "%(days)s days", d) % {"days": d}) for d in allowed]


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset request, whose email speaks the agent's language and links to the
    installation's address (``BASE_URL``) rather than whatever Host the request named."""

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def send_mail(  # type: ignore[override]
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        agent = agent_for_email(to_email)
        language = agent.language if agent else translation.get_language()
        path = reverse(
            "web:password_reset_confirm",
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        context = {
            **context,
            "reset_url": settings.BASE_URL.rstrip("/") + path,
            "name": agent.display_name if agent else "",
        }
        with translation.override(language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )


def _plain_password_help(form: forms.Form) -> None:
    """The validators' help as one sentence of text: Django's is an HTML list, which the
    agent UI's fields escape."""
    form.fields["new_password1"].help_text = " ".join(
        password_validation.password_validators_help_texts()
    )


class NewPasswordForm(SetPasswordForm):
    """Django's new-password form (after a reset link), saved by ``change_password`` so
    that a reset also revokes the login's API tokens."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_password_help(self)

    def save(self, commit: bool = True) -> Any:
        change_password(self.user, self.cleaned_data["new_password1"])
        return self.user


class ChangePasswordForm(PasswordChangeForm):
    """Django's password change (current password, then the new one twice, checked by the
    password validators), saved by ``change_password``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_password_help(self)
        # One section of the profile page: the page must not open scrolled down to it.
        self.fields["old_password"].widget.attrs.pop("autofocus", None)

    def save(self, commit: bool = True) -> Any:
        change_password(self.user, self.cleaned_data["new_password1"])
        return self.user


class NewConversationForm(MessageForm):
    """A conversation an agent starts: on which channel, to whom, and its first message as
    the channel's kind allows (``channels.registry.Starting``): with a subject for an email,
    an approved template for WhatsApp (which allows nothing else first), the text and files
    elsewhere. The fields follow ``selected``, the channel the page is for."""

    channel = forms.TypedChoiceField(label=_("From"), coerce=int, widget=forms.HiddenInput)
    to = forms.CharField(label=_("To"), max_length=320)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    template = forms.ChoiceField(label=_("Message template"))
    parameters = forms.CharField(
        label=_("Template values"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One value a line, for {{1}}, {{2}}… in order."),
    )
    from_number = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    field_order = ["channel", "to", "subject", "template", "parameters", "text", "attachments"]

    def __init__(
        self,
        *args: Any,
        channels: list[Channel],
        selected: Channel,
        starting: Any,
        templates: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.channels = {c.pk: c for c in channels}
        self.selected = selected
        _choices(self, "channel", [(c.pk, c.name) for c in channels])
        if selected.kind == "email":
            self.fields["to"] = forms.EmailField(label=_("To"), max_length=320)
        if not starting.needs_subject:
            del self.fields["subject"]
        if starting.template_only:
            del self.fields["text"], self.fields["attachments"]
            _choices(self, "template", list(templates or []))
        else:
            del self.fields["template"], self.fields["parameters"]

    def first_template(self) -> dict[str, Any] | None:
        """The chosen template as ``start_conversation`` takes it, or None."""
        chosen = self.cleaned_data.get("template")
        if not chosen:
            return None
        name, _sep, language = str(chosen).partition("|")
        values = [v.strip() for v in (self.cleaned_data.get("parameters") or "").splitlines()]
        return {"name": name, "language": language, "parameters": [v for v in values if v]}

    def uploads(self) -> list[Upload]:
        return super().uploads() if "attachments" in self.fields else []
