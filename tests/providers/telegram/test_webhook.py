"""The Telegram webhook as Telegram calls it: updates with the secret token, retries, and
what it must refuse or record and ignore (never a 500, never a duplicate)."""

from __future__ import annotations

import json

import pytest

from sportello.conversations.models import Conversation, Kind, Message
from sportello.customers.models import Identity
from sportello.ingest.models import RejectedInbound
from sportello.providers.common.storage import read_attachment
from tests.providers.fake_http import Reply
from tests.providers.telegram.helpers import (
    BOT_TOKEN,
    CHAT_ID,
    PHOTO_BYTES,
    SECRET_TOKEN,
    customer_update,
    fake_bot_api,
    hook_path,
    make_telegram_channel,
    post_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(workspace):
    return make_telegram_channel(workspace.pk)


def test_a_text_message_opens_a_conversation_on_the_customers_telegram_id(client, channel):
    answer = post_update(client, channel, customer_update(11))
    assert answer.status_code == 200 and answer.json()["messages"] == 1

    message = Message.objects.get(external_id=f"{CHAT_ID}:11")
    assert message.text == "Buongiorno, il pacco è arrivato rotto"
    assert message.channel_id == channel.pk
    assert message.conversation.customer.name == "Mario Rossi"
    identity = Identity.objects.get(customer=message.conversation.customer, kind="telegram")
    assert identity.value == str(CHAT_ID)


def test_an_unknown_key_is_not_found_and_a_row_id_is_not_a_key(client, channel):
    assert client.post(f"/hooks/telegram/{'x' * 32}/", b"{}", "application/json").status_code == 404
    assert (
        client.post(f"/hooks/telegram/{channel.pk}/", b"{}", "application/json").status_code == 404
    )
    assert client.get(hook_path(channel)).status_code == 405


def test_a_forged_or_missing_secret_token_is_refused_and_recorded(client, channel):
    body = customer_update(12, text="messaggio falso")
    forged = post_update(client, channel, body, secret="indovinato")
    missing = post_update(client, channel, body, secret=None)

    assert forged.status_code == 403 and missing.status_code == 403
    assert not Message.objects.filter(external_id=f"{CHAT_ID}:12").exists()
    rejected = RejectedInbound.objects.filter(source="telegram", channel=channel)
    assert rejected.count() == 2
    assert "X-Telegram-Bot-Api-Secret-Token" in rejected.first().reason
    assert "messaggio falso" in rejected.first().raw_excerpt


def test_a_replayed_update_stores_the_message_once(client, channel):
    body = customer_update(13)
    assert post_update(client, channel, body).json()["messages"] == 1
    again = post_update(client, channel, body)
    assert again.status_code == 200 and again.json()["duplicates"] == 1
    assert Message.objects.filter(external_id=f"{CHAT_ID}:13").count() == 1
    assert Conversation.objects.filter(channel=channel).count() == 1


def test_malformed_json_and_unknown_updates_are_recorded_and_acknowledged(client, channel):
    broken = post_update(client, channel, b'{"update_id": 1, "message": {')
    no_update = post_update(client, channel, {"ciao": 1})
    unknown = post_update(client, channel, {"update_id": 77, "inline_query": {"id": "1"}})
    group = customer_update(14)
    group["message"]["chat"] = {"id": -100123, "title": "Clienti", "type": "supergroup"}
    in_group = post_update(client, channel, group)

    statuses = [r.status_code for r in (broken, no_update, unknown, in_group)]
    assert statuses == [200, 200, 200, 200]
    reasons = list(RejectedInbound.objects.filter(channel=channel).values_list("reason", flat=True))
    assert any("not JSON" in r for r in reasons)
    assert any("no update_id" in r for r in reasons)
    assert any("'inline_query'" in r for r in reasons)
    assert any("supergroup" in r for r in reasons)
    assert not Message.objects.filter(kind=Kind.MESSAGE).exists()


def test_a_photo_is_fetched_with_getfile_into_the_messages_attachments(client, workspace):
    with fake_bot_api() as bot:
        channel = make_telegram_channel(workspace.pk, bot.url)
        bot.serve_file("grande")
        photo = [
            {"file_id": "piccola", "file_size": 100, "width": 90, "height": 90},
            {"file_id": "grande", "file_size": 9000, "width": 800, "height": 600},
        ]
        answer = post_update(
            client, channel, customer_update(15, photo=photo, caption="Ecco il pacco")
        )

        assert answer.status_code == 200
        message = Message.objects.get(external_id=f"{CHAT_ID}:15")
        assert message.text == "Ecco il pacco"
        [attachment] = message.attachments
        assert attachment["pending"] is False and attachment["size"] == len(PHOTO_BYTES)
        assert attachment["filename"] == "photo.jpg"
        assert read_attachment(attachment["path"]) == PHOTO_BYTES
        [get_file] = bot.fake.sent("POST", bot.path("getFile"))
        assert get_file.json() == {"file_id": "grande"}
        [download] = bot.fake.sent("GET")
        assert download.path == f"/file/bot{BOT_TOKEN}/photos/grande.jpg"


def test_a_file_telegram_no_longer_has_stays_on_the_message_with_the_reason(client, workspace):
    with fake_bot_api() as bot:
        channel = make_telegram_channel(workspace.pk, bot.url)
        bot.fake.route(
            "POST",
            bot.path("getFile"),
            Reply(
                400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
            ),
        )
        document = {
            "file_id": "vecchio",
            "file_name": "fattura.pdf",
            "mime_type": "application/pdf",
        }
        post_update(client, channel, customer_update(16, document=document))
    [attachment] = Message.objects.get(external_id=f"{CHAT_ID}:16").attachments
    assert attachment["filename"] == "fattura.pdf" and attachment["pending"] is False
    assert "Bad Request: invalid file_id" in attachment["error"]


def test_location_contact_and_voice_are_readable_messages(client, channel):
    post_update(
        client, channel, customer_update(17, location={"latitude": 45.46, "longitude": 9.19})
    )
    post_update(
        client,
        channel,
        customer_update(18, contact={"phone_number": "+393331234567", "first_name": "Lucia"}),
    )
    post_update(
        client,
        channel,
        customer_update(19, voice={"file_id": "v1", "duration": 3, "mime_type": "audio/ogg"}),
    )
    location = Message.objects.get(external_id=f"{CHAT_ID}:17").text
    assert "openstreetmap.org/?mlat=45.46&mlon=9.19" in location
    assert Message.objects.get(external_id=f"{CHAT_ID}:18").text == "👤 Lucia · +393331234567"
    [voice] = Message.objects.get(external_id=f"{CHAT_ID}:19").attachments
    assert voice["content_type"] == "audio/ogg" and voice["filename"] == "voice.ogg"


def test_a_quote_threads_and_an_edit_lands_on_the_timeline_once(client, channel):
    post_update(client, channel, customer_update(20))
    quoted = customer_update(
        21, text="Come dicevo", reply_to_message={"message_id": 20, "date": 1, "text": "..."}
    )
    post_update(client, channel, quoted)
    edit = customer_update(20, update_id=9020, text="il pacco è arrivato aperto")
    edit["edited_message"] = edit.pop("message")
    for _ in range(2):
        assert post_update(client, channel, edit).status_code == 200

    original = Message.objects.get(external_id=f"{CHAT_ID}:20")
    answer = Message.objects.get(external_id=f"{CHAT_ID}:21")
    assert answer.conversation_id == original.conversation_id
    assert answer.data["telegram"]["quoted"]["message_id"] == 20
    events = Message.objects.filter(conversation_id=original.conversation_id, kind=Kind.EVENT)
    edited = events.exclude(event="created")
    assert list(edited.values_list("event", flat=True)) == ["message_edited"]
    assert edited.get().data["text"] == "il pacco è arrivato aperto"


def test_the_channels_config_is_checked_and_its_secrets_are_write_only(admin_api, settings):
    settings.BASE_URL = "https://assistenza.negozio.it"
    base = {"kind": "telegram", "name": "Telegram", "slug": "tg"}
    wrong = admin_api.post("/api/v1/channels", {**base, "config": {"bot_token": "non-un-token"}})
    assert wrong.status_code == 422 and "bot_token" in wrong.json()["detail"]
    mode = admin_api.post(
        "/api/v1/channels", {**base, "config": {"bot_token": BOT_TOKEN, "mode": "push"}}
    )
    assert mode.status_code == 422 and "mode" in mode.json()["detail"]

    created = admin_api.post("/api/v1/channels", {**base, "config": {"bot_token": BOT_TOKEN}})
    assert created.status_code == 201, created.content
    shown = created.json()["config"]
    assert shown["bot_token"] == shown["secret_token"] == shown["webhook_key"] == "***"
    assert shown["api_url"] == "https://api.telegram.org" and shown["mode"] == "webhook"
    assert BOT_TOKEN not in json.dumps(created.json())
    url = created.json()["webhook_url"]
    assert url.startswith("https://assistenza.negozio.it/hooks/telegram/")

    patched = admin_api.patch(f"/api/v1/channels/{created.json()['id']}", {"config": shown})
    assert patched.status_code == 200 and patched.json()["webhook_url"] == url


def test_the_secret_token_is_made_when_left_empty(workspace):
    from sportello.channels.actions import create_channel

    channel = create_channel(
        workspace.pk, kind="telegram", name="Bot", slug="bot", config={"bot_token": BOT_TOKEN}
    )
    assert len(channel.config["secret_token"]) >= 32
    assert channel.config["secret_token"] != SECRET_TOKEN
