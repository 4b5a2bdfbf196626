from django.contrib import admin
from django.urls import include, path

from sportello.api.api import api
from sportello.api.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("sportello.web.urls")),
]
