from __future__ import annotations

from django.urls import path

from sportello.providers.common.meta_messaging import make_webhook

urlpatterns = [path("<str:key>/", make_webhook("messenger"), name="messenger-webhook")]
