"""Pages speak the signed-in agent's language and show times in their time zone."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from sportello.accounts.queries import agent_for_user


class AgentLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        agent = None
        user = getattr(request, "user", None)
        # The API answers in JSON and does its own auth: its requests skip the session here.
        if not request.path.startswith("/api/") and user is not None and user.is_authenticated:
            agent = agent_for_user(user)  # type: ignore[arg-type]
        request.agent = agent  # type: ignore[attr-defined]
        if agent is None:
            return self.get_response(request)
        translation.activate(agent.language)
        request.LANGUAGE_CODE = agent.language  # type: ignore[attr-defined]
        try:
            timezone.activate(zoneinfo.ZoneInfo(agent.time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo(agent.workspace.time_zone))
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        response.headers.setdefault("Content-Language", agent.language)
        return response
