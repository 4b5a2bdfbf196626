from __future__ import annotations

from django.urls import path

from sportello.providers.reviews.webhook import webhook

urlpatterns = [path("<str:key>/", webhook, name="reviews-webhook")]
