"""The agent UI's websocket routes (``sportello/config/routing.py`` gathers every app's)."""

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from sportello.web.consumers import AgentConsumer

websocket_urlpatterns = [
    # An agent's socket: from this site's pages only, signed in by the session cookie.
    path(
        "ws/agent/",
        AllowedHostsOriginValidator(AuthMiddlewareStack(AgentConsumer.as_asgi())),
        name="agent-live",
    ),
]
