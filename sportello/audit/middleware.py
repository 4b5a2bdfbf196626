"""Every request acts as whoever made it, for the audit entries its actions record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from django.http import HttpRequest, HttpResponse

from sportello.accounts.models import Agent
from sportello.audit.actors import Actor, acting_as, operator
from sportello.audit.models import ActorKind


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from. A proxy's forwarded header is not read: anyone
    can write one, and an audit log must not record what the client chose."""
    return request.META.get("REMOTE_ADDR") or None


def request_actor(request: HttpRequest) -> Callable[[int], Actor]:
    """Who acts for this request in a workspace, looked up only when an entry is recorded:
    the API's agent (set by its authentication, after this middleware ran), the agent
    UI's, the signed-in user's agent of that workspace (the Django admin), else the
    operator (a superuser) or the system."""

    def resolve(workspace_id: int) -> Actor:
        ip = client_ip(request)
        for agent in (getattr(request, "auth", None), getattr(request, "agent", None)):
            if isinstance(agent, Agent) and agent.workspace_id == workspace_id:
                return Actor(ActorKind.AGENT, agent.display_name, agent.pk, ip)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            found = (
                Agent.objects.filter(user_id=user.pk, workspace_id=workspace_id)
                .only("pk", "display_name")
                .first()
            )
            if found is not None:
                return Actor(ActorKind.AGENT, found.display_name, found.pk, ip)
            if user.is_superuser:
                return replace(operator(user.email), ip=ip)
        return Actor(ActorKind.SYSTEM, "system", None, ip)

    return resolve


class AuditActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting_as(request_actor(request)):
            return self.get_response(request)
