"""The widget's websocket route, for the ASGI router (``sportello.config.asgi``)."""

from __future__ import annotations

from django.urls import path

from sportello.providers.webchat.consumer import VisitorConsumer

websocket_urlpatterns = [
    path("ws/webchat/<str:key>/", VisitorConsumer.as_asgi()),
]
