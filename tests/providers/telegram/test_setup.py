"""Saving a Telegram channel tells the (fake) Bot API where its updates go."""

from __future__ import annotations

import pytest

from sportello.ingest.models import RejectedInbound
from tests.providers.fake_http import Reply
from tests.providers.telegram.helpers import BOT_TOKEN, fake_bot_api

pytestmark = pytest.mark.django_db


def _save(admin_api, capture, config: dict, channel_id: int | None = None):
    with capture(execute=True):
        if channel_id is None:
            body = {"kind": "telegram", "name": "Telegram", "slug": "tg", "config": config}
            return admin_api.post("/api/v1/channels", body)
        return admin_api.patch(f"/api/v1/channels/{channel_id}", {"config": config})


def test_a_channel_saved_in_webhook_mode_calls_setwebhook_then_polling_deletes_it(
    admin_api, settings, django_capture_on_commit_callbacks
):
    settings.BASE_URL = "https://assistenza.negozio.it"
    with fake_bot_api() as bot:
        bot.fake.route("POST", bot.path("setWebhook"), Reply(json={"ok": True, "result": True}))
        bot.fake.route("POST", bot.path("deleteWebhook"), Reply(json={"ok": True, "result": True}))
        config = {"bot_token": BOT_TOKEN, "api_url": bot.url}
        created = _save(admin_api, django_capture_on_commit_callbacks, config)
        assert created.status_code == 201

        [call] = bot.fake.sent("POST", bot.path("setWebhook"))
        sent = call.json()
        assert sent["url"] == created.json()["webhook_url"]
        assert sent["url"].startswith("https://assistenza.negozio.it/hooks/telegram/")
        assert len(sent["secret_token"]) >= 32
        assert sent["allowed_updates"] == ["message", "edited_message"]

        shown = created.json()["config"]
        _save(
            admin_api,
            django_capture_on_commit_callbacks,
            {**shown, "mode": "polling"},
            created.json()["id"],
        )
        assert len(bot.fake.sent("POST", bot.path("deleteWebhook"))) == 1


def test_a_refused_setwebhook_is_recorded_for_the_admin(
    admin_api, settings, django_capture_on_commit_callbacks
):
    settings.BASE_URL = "https://assistenza.negozio.it"
    with fake_bot_api() as bot:
        refusal = {"ok": False, "error_code": 401, "description": "Unauthorized"}
        bot.fake.route("POST", bot.path("setWebhook"), Reply(401, refusal))
        config = {"bot_token": BOT_TOKEN, "api_url": bot.url}
        assert _save(admin_api, django_capture_on_commit_callbacks, config).status_code == 201
    reason = RejectedInbound.objects.get(source="telegram").reason
    assert "Telegram 401: Unauthorized" in reason


def test_without_a_public_https_base_url_setwebhook_is_not_called(
    admin_api, settings, django_capture_on_commit_callbacks
):
    settings.BASE_URL = "http://localhost:8000"
    with fake_bot_api() as bot:
        config = {"bot_token": BOT_TOKEN, "api_url": bot.url}
        assert _save(admin_api, django_capture_on_commit_callbacks, config).status_code == 201
        assert not bot.fake.sent("POST", bot.path("setWebhook"))
    assert "HTTPS" in RejectedInbound.objects.get(source="telegram").reason
