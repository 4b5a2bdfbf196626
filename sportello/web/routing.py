"""The agent UI's websocket routes (``sportello/config/routing.py`` gathers every app's)."""

from django.urls import path

from sportello.web.consumers import AgentConsumer

websocket_urlpatterns = [
    path("ws/agent/", AgentConsumer.as_asgi(), name="agent-live"),
]
