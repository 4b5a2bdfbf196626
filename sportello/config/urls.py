from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from sportello.api.api import api
from sportello.api.health import healthz
from sportello.channels import registry


def provider_hooks() -> list[URLPattern | URLResolver]:
    """Each provider's webhooks (``Provider.urls``) under ``hooks/<kind>/``."""
    return [path(f"{p.kind}/", include(p.urls)) for p in registry.providers() if p.urls]


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("hooks/", include(provider_hooks())),
    path("admin/", admin.site.urls),
    path("", include("sportello.web.urls")),
]
