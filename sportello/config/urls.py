from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, include, path

from sportello.api.api import api
from sportello.api.docs import api_docs
from sportello.api.health import healthz
from sportello.channels import registry
from sportello.web.views import errors


def provider_hooks() -> list[URLPattern | URLResolver]:
    """Each provider's webhooks (``Provider.urls``) under ``hooks/<kind>/``."""
    return [path(f"{p.kind}/", include(p.urls)) for p in registry.providers() if p.urls]


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/docs", api_docs, name="api-docs"),
    path("api/v1/", api.urls),
    path("hooks/", include(provider_hooks())),
    path("admin/", admin.site.urls),
    path("help/", include("sportello.portal.urls")),
    path("feedback/", include("sportello.portal.survey_urls")),
    path("", include("sportello.web.urls")),
]


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A URL that names nothing: JSON under the API, as its documented 404s are (an id
    beyond a row id's range never matches its path), the app's page elsewhere, in the
    visitor's language (``web.views.errors``)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "not found"}, status=404)
    return errors.not_found(request, exception)


handler404 = not_found
handler500 = errors.server_error
