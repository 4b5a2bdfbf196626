"""Who is calling the API: a bearer token, or an agent signed in to the web UI."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from sportello.accounts.actions import touch_token
from sportello.accounts.models import Agent, ApiToken
from sportello.accounts.queries import agent_for_token, agent_for_token_along, agent_for_user
from sportello.api.parsing import PARSER
from sportello.channels.models import Channel
from sportello.channels.queries import active_channel_joined, channel_from

_CHANNEL_READ = "_sportello_channel_read_with_token"


class TokenAuth(HttpBearer):
    """A bearer token.

    ``with_channel`` (the inbound endpoint's): the token is read with the channel the JSON
    body names, in one query (``token_and_channel``), and the handler takes
    the channel from ``channel_read_with_token``. The body is parsed here, before the
    token is known to be good: it is the same parse the payload's validation then reuses
    (``parsing.ParsedOnce``). A body too large or not JSON is left to that validation, and
    the token is read alone."""

    def __init__(self, *, with_channel: bool = False) -> None:
        super().__init__()
        self.with_channel = with_channel

    def authenticate(self, request: HttpRequest, token: str) -> Agent | None:
        slug = _channel_named(request) if self.with_channel else None
        if slug is None:
            api_token = agent_for_token(token)
        else:
            api_token, channel = token_and_channel(token, slug)
            request.__dict__[_CHANNEL_READ] = (slug, channel)
        if api_token is None:
            return None
        touch_token(api_token)
        return api_token.agent


def token_and_channel(key: str, slug: str) -> tuple[ApiToken | None, Channel | None]:
    """The token (``accounts.queries.agent_for_token``) and the active channel ``slug``
    names in its agent's workspace (``channels.queries.active_channel``), in one query. The
    channel is ``None`` when the token is, or when the workspace has no such channel."""
    api_token, columns = agent_for_token_along(key, active_channel_joined(slug))
    return api_token, (channel_from(columns) if api_token is not None else None)


def _channel_named(request: HttpRequest) -> str | None:
    try:
        body = PARSER.parse_body(request)
    except (RequestDataTooBig, ValueError):
        return None
    slug = body.get("channel") if isinstance(body, dict) else None
    return slug if isinstance(slug, str) and slug else None


def channel_read_with_token(request: HttpRequest, slug: str) -> Channel | None:
    """The active channel ``slug`` names, if the token's check read it (see ``TokenAuth``);
    ``None`` when it was not read, or not found (the caller asks again, for its error)."""
    read = request.__dict__.get(_CHANNEL_READ)
    if read is None or read[0] != slug:
        return None
    channel: Channel | None = read[1]
    return channel


class SessionAuth(APIKeyCookie):
    """The agent UI's session, so the interactive docs work for a signed-in agent."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Agent | None:
        return agent_for_user(request.user) if request.user.is_authenticated else None  # type: ignore[arg-type]


def current_agent(request: HttpRequest) -> Agent:
    return request.auth  # type: ignore[attr-defined,no-any-return]
