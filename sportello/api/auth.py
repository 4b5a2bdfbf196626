"""Who is calling the API: a bearer token, or an agent signed in to the web UI."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from sportello.accounts.actions import touch_token
from sportello.accounts.models import Agent
from sportello.accounts.queries import agent_for_token, agent_for_user
from sportello.core import clock

_CHANNEL_READ = "_sportello_channel_read_with_token"


class TokenExpired(AuthenticationError):
    """A token that was valid and has expired: said so, so its owner knows to make a new
    one rather than look for a typo."""

    detail = "this token has expired: create a new one (POST /api/v1/tokens)"


class TokenAuth(HttpBearer):
    """A bearer token (``accounts.queries.agent_for_token``) that has not expired."""

    def authenticate(self, request: HttpRequest, token: str) -> Agent | None:
        api_token = agent_for_token(token)
        if api_token is None:
            return None
        if api_token.has_expired(clock.now()):
            raise TokenExpired()
        touch_token(api_token)
        return api_token.agent


class SessionAuth(APIKeyCookie):
    """The agent UI's session, so the interactive docs work for a signed-in agent."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Agent | None:
        return agent_for_user(request.user) if request.user.is_authenticated else None  # type: ignore[arg-type]


def current_agent(request: HttpRequest) -> Agent:
    return request.auth  # type: ignore[attr-defined,no-any-return]
