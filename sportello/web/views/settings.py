"""The workspace's settings in the agent UI, for its admins: channels (proper fields from
each provider's ``config_fields``, secrets write-only, a connection test), agents
(invitations, roles, teams, switching off), teams and the sign-in policy.

Thin views: the forms parse, ``channels.actions`` and ``accounts.actions`` write.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override
from django.views.decorators.http import require_http_methods, require_POST

from sportello.accounts import actions as accounts
from sportello.accounts.models import Agent, Team
from sportello.accounts.queries import requires_two_factor, two_factor_enabled
from sportello.channels import actions as channels
from sportello.channels import registry
from sportello.channels.models import Channel
from sportello.channels.queries import embed_snippet, webhook_url, workspace_channels
from sportello.core.errors import Conflict, InvalidInput
from sportello.providers.reviews.importing import MAX_UPLOAD, FileRefused, import_csv
from sportello.web.pages import agent_of, agent_required, render_page
from sportello.web.settings_forms import (
    AgentForm,
    ChannelSettingsForm,
    InviteForm,
    SignInPolicyForm,
    TeamForm,
    config_field_name,
)

View = Callable[..., HttpResponse]


def admin_required(view: View) -> View:
    """Signed in as an admin of the workspace; other agents get a 403 page."""

    @agent_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not agent_of(request).can_configure:
            return render(request, "web/errors/403.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200):
    return render_page(request, template, {"nav_current": "settings", **context}, status=status)


# --- channels ---------------------------------------------------------------------------------


def _channel(request: HttpRequest, channel_id: int) -> Channel:
    channel = Channel.objects.filter(workspace_id=agent_of(request).workspace_id, pk=channel_id)
    found = channel.select_related("default_team").first()
    if found is None:
        raise Http404("no such channel")
    return found


def _teams(request: HttpRequest) -> list[Team]:
    return list(Team.objects.filter(workspace_id=agent_of(request).workspace_id).order_by("name"))


@admin_required
def settings_home(request: HttpRequest) -> HttpResponse:
    return redirect("web:settings_channels")


@admin_required
def channel_list(request: HttpRequest) -> HttpResponse:
    rows = [
        (channel, registry.provider(channel.kind) if channel.kind in registry.kinds() else None)
        for channel in workspace_channels(agent_of(request).workspace_id)
    ]
    return _page(
        request,
        "web/settings/channels.html",
        {"rows": rows, "providers": registry.providers()},
    )


# The providers' refusals an admin meets most on this page, for the catalogue: the actions
# and the API keep their English (an API client reads them), the page says them in the
# admin's language. Any other refusal is shown as the provider wrote it.
PROVIDER_REFUSALS = (
    gettext_noop("imap.password is required with a user"),
    gettext_noop("smtp.password is required with a user"),
    gettext_noop("imap: choose ssl or starttls, not both"),
    gettext_noop("smtp: choose ssl or starttls, not both"),
    gettext_noop("imap.processed_folder must differ from imap.folder"),
    gettext_noop("address must be the channel's email address"),
    gettext_noop(
        "config.phone_number_id: the digits of the Phone number ID in Meta's "
        "WhatsApp > API Setup (not the phone number itself)"
    ),
    gettext_noop("config.bot_token: the token @BotFather gave the bot, such as 123456789:AAE..."),
    gettext_noop("config.page_id: the digits of the Page ID (or Instagram account ID)"),
    gettext_noop("slug: lower-case letters, digits and dashes, up to 60"),
)


def _refusal(form: ChannelSettingsForm, exc: InvalidInput | Conflict) -> None:
    """The refusal on the field it names (``config.<key>: why``), else above the form."""
    reason = _(exc.message) if exc.message in PROVIDER_REFUSALS else exc.message
    if isinstance(exc, Conflict):
        reason = _("another channel has this identifier")
    key, colon, why = exc.message.partition(": ")
    spec = form.config_field(key) if colon and isinstance(exc, InvalidInput) else None
    if spec is not None:
        shown = reason if exc.message in PROVIDER_REFUSALS else (spec.invalid or why)
        form.add_error(config_field_name(spec.key), str(shown))
        form.add_error(None, _("The settings were not saved: see the fields marked below."))
        return
    form.add_error(None, _("The settings were not saved: %(reason)s") % {"reason": reason})


@admin_required
@require_http_methods(["GET", "POST"])
def channel_new(request: HttpRequest) -> HttpResponse:
    """A new channel of ``?kind=`` (the list's "Add a channel" buttons)."""
    kind = request.GET.get("kind", "")
    if kind not in registry.kinds():
        raise Http404("no such kind")
    provider = registry.provider(kind)
    teams = _teams(request)
    form = ChannelSettingsForm(
        provider,
        teams=teams,
        data=request.POST or None,
        workspace_id=agent_of(request).workspace_id,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            channel = channels.create_channel(
                agent_of(request).workspace_id,
                kind=kind,
                name=data["name"],
                slug=data["slug"],
                config=form.config() or {},
            )
            channels.update_channel(
                channel, is_active=data["is_active"], default_team_id=data["default_team"]
            )
        except (InvalidInput, Conflict) as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("Channel “%(name)s” created.") % {"name": channel.name})
            return redirect("web:settings_channel", channel_id=channel.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "provider": provider, "channel": None}
    return _page(request, "web/settings/channel.html", context, status=status)


def _channel_page(
    request: HttpRequest,
    channel: Channel,
    form: ChannelSettingsForm,
    status: int = 200,
    checks: list[registry.ConnectionCheck] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    provider = registry.provider(channel.kind)
    context = {
        "form": form,
        "provider": provider,
        "channel": channel,
        "webhook_url": webhook_url(channel),
        "embed_snippet": embed_snippet(channel),
        "checks": checks,
        **(extra or {}),
    }
    return _page(request, "web/settings/channel.html", context, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = _channel(request, channel_id)
    if channel.kind not in registry.kinds():
        raise Http404("this channel's provider is not installed")
    provider = registry.provider(channel.kind)
    form = ChannelSettingsForm(
        provider, channel=channel, teams=_teams(request), data=request.POST or None
    )
    if request.method != "POST":
        return _channel_page(request, channel, form)
    if form.is_valid():
        data = form.cleaned_data
        try:
            channels.update_channel(
                channel,
                name=data["name"],
                config=form.config(),
                is_active=data["is_active"],
                default_team_id=data["default_team"],
            )
        except (InvalidInput, Conflict) as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("Channel “%(name)s” saved.") % {"name": channel.name})
            return redirect("web:settings_channel", channel_id=channel.pk)
    channel.refresh_from_db()
    return _channel_page(request, channel, form, status=422)


@admin_required
@require_POST
def channel_test(request: HttpRequest, channel_id: int) -> HttpResponse:
    """Sign in to the channel's servers with its saved settings, then out (the provider's
    ``test_connection``); the results are on the answered page."""
    channel = _channel(request, channel_id)
    provider = registry.provider(channel.kind)
    if provider.test_connection is None:
        raise Http404("this kind of channel has no connection test")
    checks = provider.test_connection(channel)
    form = ChannelSettingsForm(provider, channel=channel, teams=_teams(request))
    return _channel_page(request, channel, form, checks=checks)


@admin_required
@require_POST
def channel_review_import(request: HttpRequest, channel_id: int) -> HttpResponse:
    """A CSV of reviews uploaded on a reviews channel's page: the page again, saying what
    was imported and which lines were not (``providers.reviews.importing.import_csv``)."""
    channel = _channel(request, channel_id)
    if channel.kind != "reviews":
        raise Http404("reviews are imported into a reviews channel")
    upload = request.FILES.get("file")
    status = 200
    result: dict[str, Any] = {}
    if upload is None:
        result["error"] = _("Choose a CSV file to import.")
        status = 422
    else:
        try:
            done = import_csv(channel, upload.read(MAX_UPLOAD + 1), filename=upload.name or "")
        except FileRefused as exc:
            result["error"] = _("The file could not be read: %(reason)s") % {
                "reason": exc.reason.text()
            }
            status = 422
        else:
            result["done"] = done
    form = ChannelSettingsForm(
        registry.provider(channel.kind), channel=channel, teams=_teams(request)
    )
    return _channel_page(request, channel, form, status=status, extra={"review_import": result})


# --- agents and teams ---------------------------------------------------------------------------


def _agents_page(request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
    me = agent_of(request)
    teams = _teams(request)
    agents = list(
        Agent.objects.filter(workspace_id=me.workspace_id)
        .select_related("user")
        .prefetch_related("teams")
        .order_by("-is_active", "display_name", "id")
    )
    rows = [
        (
            agent,
            forms.get(f"agent_{agent.pk}")
            or AgentForm(
                teams,
                prefix=f"a{agent.pk}",
                initial={
                    "role": agent.role,
                    "teams": [team.pk for team in agent.teams.all()],
                    "is_active": agent.is_active,
                },
            ),
            two_factor_enabled(agent.user),
        )
        for agent in agents
    ]
    context = {
        "rows": rows,
        "teams": teams,
        "invite_form": forms.get("invite_form") or InviteForm(teams),
        "team_form": forms.get("team_form") or TeamForm(),
        "policy_form": SignInPolicyForm(
            initial={"require_two_factor": requires_two_factor(me.workspace_id)}
        ),
    }
    return _page(request, "web/settings/agents.html", context, status=status)


@admin_required
def agent_list(request: HttpRequest) -> HttpResponse:
    return _agents_page(request)


def send_invitation(request: HttpRequest, agent: Agent) -> None:
    """The invitation email, in the new agent's language: a one-time link to choose a
    password (the password-reset page and token)."""
    user = agent.user
    path = reverse(
        "web:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "agent": agent,
        "inviter": agent_of(request).display_name,
        "workspace": agent.workspace.name,
        "link": request.build_absolute_uri(path),
    }
    with override(agent.language):
        subject = render_to_string("web/settings/invitation_subject.txt", context).strip()
        body = render_to_string("web/settings/invitation_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


@admin_required
@require_POST
def agent_invite(request: HttpRequest) -> HttpResponse:
    me = agent_of(request)
    form = InviteForm(_teams(request), request.POST)
    if not form.is_valid():
        return _agents_page(request, status=422, invite_form=form)
    data = form.cleaned_data
    try:
        agent, _new = accounts.invite_agent(
            me.workspace,
            email=data["email"],
            display_name=data["display_name"],
            role=data["role"],
            team_ids=[int(team) for team in data["teams"]],
        )
    except Conflict:
        form.add_error("email", _("This address is an agent of this workspace already."))
        return _agents_page(request, status=422, invite_form=form)
    except InvalidInput:
        form.add_error("email", _("Enter a valid email address."))
        return _agents_page(request, status=422, invite_form=form)
    send_invitation(request, agent)
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": agent.user.email})
    return redirect("web:settings_agents")


@admin_required
@require_POST
def agent_edit(request: HttpRequest, agent_id: int) -> HttpResponse:
    me = agent_of(request)
    agent = Agent.objects.filter(workspace_id=me.workspace_id, pk=agent_id).first()
    if agent is None:
        raise Http404("no such agent")
    form = AgentForm(_teams(request), request.POST, prefix=f"a{agent.pk}")
    if not form.is_valid():
        return _agents_page(request, status=422, **{f"agent_{agent.pk}": form})
    data = form.cleaned_data
    try:
        accounts.change_agent(agent, role=data["role"], is_active=data["is_active"])
        accounts.set_agent_teams(agent, [int(team) for team in data["teams"]])
    except Conflict:
        form.add_error(None, _("The workspace needs at least one active admin."))
        return _agents_page(request, status=422, **{f"agent_{agent.pk}": form})
    messages.success(request, _("%(name)s saved.") % {"name": agent.display_name})
    return redirect("web:settings_agents")


@admin_required
@require_POST
def team_create(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            accounts.save_team(agent_of(request).workspace_id, form.cleaned_data["name"])
        except Conflict:
            form.add_error("name", _("A team with this name exists already."))
        else:
            messages.success(request, _("Team created."))
            return redirect("web:settings_agents")
    return _agents_page(request, status=422, team_form=form)


def _team(request: HttpRequest, team_id: int) -> Team:
    team = Team.objects.filter(workspace_id=agent_of(request).workspace_id, pk=team_id).first()
    if team is None:
        raise Http404("no such team")
    return team


@admin_required
@require_POST
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _team(request, team_id)
    if request.POST.get("delete"):
        accounts.delete_team(team)
        messages.success(request, _("Team “%(name)s” deleted.") % {"name": team.name})
        return redirect("web:settings_agents")
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            accounts.save_team(team.workspace_id, form.cleaned_data["name"], team)
        except Conflict:
            messages.error(request, _("A team with this name exists already."))
        else:
            messages.success(request, _("Team renamed."))
    else:
        messages.error(request, _("A team needs a name."))
    return redirect("web:settings_agents")


@admin_required
@require_POST
def sign_in_policy(request: HttpRequest) -> HttpResponse:
    form = SignInPolicyForm(request.POST)
    form.is_valid()
    required = bool(form.cleaned_data.get("require_two_factor"))
    accounts.set_sign_in_policy(agent_of(request).workspace_id, require_two_factor=required)
    messages.success(
        request,
        _("Two-factor authentication is now required of every agent.")
        if required
        else _("Two-factor authentication is now up to each agent."),
    )
    return redirect("web:settings_agents")
