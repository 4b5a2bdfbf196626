"""Polling mode: the job asks a fake Bot API for updates with ``getUpdates`` and confirms
them with the next offset, for a server Telegram cannot reach."""

from __future__ import annotations

import pytest

from sportello.conversations.models import Kind, Message
from sportello.ingest.models import RejectedInbound
from sportello.providers.telegram.polling import poll_all, poll_channel
from tests.providers.fake_http import Reply
from tests.providers.telegram.helpers import (
    CHAT_ID,
    customer_update,
    fake_bot_api,
    make_telegram_channel,
)

pytestmark = pytest.mark.django_db


def test_polling_takes_waiting_updates_and_confirms_them(workspace):
    with fake_bot_api() as bot:
        channel = make_telegram_channel(workspace.pk, bot.url, mode="polling")
        assert channel.config["mode"] == "polling"
        bot.pending = [
            customer_update(31, update_id=100),
            customer_update(32, update_id=101, text="Ci siete?"),
            {"update_id": 102, "callback_query": {"id": "x"}},
        ]
        taken = poll_channel(channel)

        assert taken["messages"] == 2 and taken["ignored"] == 1
        assert bot.pending == []  # the last call's offset confirmed them all
        offsets = [r.json().get("offset") for r in bot.fake.sent("POST", bot.path("getUpdates"))]
        assert offsets == [None, 103]
        assert Message.objects.get(external_id=f"{CHAT_ID}:32").text == "Ci siete?"

        # Read again (a worker died before confirming): stored once.
        bot.pending = [customer_update(31, update_id=100)]
        assert poll_channel(channel)["duplicates"] == 1
        assert Message.objects.filter(kind=Kind.MESSAGE, channel=channel).count() == 2


def test_only_channels_in_polling_mode_are_polled(workspace):
    with fake_bot_api() as bot:
        make_telegram_channel(workspace.pk, bot.url, mode="webhook")
        bot.pending = [customer_update(33, update_id=200)]
        poll_all()
        assert not bot.fake.sent("POST", bot.path("getUpdates"))


def test_a_webhook_still_set_is_recorded_for_the_admin(workspace):
    with fake_bot_api() as bot:
        channel = make_telegram_channel(workspace.pk, bot.url, mode="polling")
        conflict = {
            "ok": False,
            "error_code": 409,
            "description": "Conflict: can't use getUpdates method while webhook is active",
        }
        bot.fake.then("POST", bot.path("getUpdates"), Reply(409, conflict))
        poll_all()
    reason = RejectedInbound.objects.get(channel=channel).reason
    assert "getUpdates failed" in reason and "webhook is active" in reason
    assert channel.config.get("webhook_key") and channel.kind == "telegram"
