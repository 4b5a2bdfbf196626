from __future__ import annotations

from django.urls import path

from sportello.providers.webchat import views

urlpatterns = [
    path("avatars/<str:name>", views.avatar_view, name="webchat-avatar"),
    path("<str:key>/config", views.config_view, name="webchat-config"),
    path("<str:key>/session", views.session_view, name="webchat-session"),
    path("<str:key>/messages", views.messages_view, name="webchat-messages"),
    path("<str:key>/read", views.read_view, name="webchat-read"),
    path("<str:key>/typing", views.typing_view, name="webchat-typing"),
    path("<str:key>/search", views.search_view, name="webchat-search"),
]
