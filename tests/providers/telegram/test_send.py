"""Agents' replies on Telegram, sent to a fake Bot API (a real HTTP server): what the
customer receives and what the agent sees when Telegram throttles or refuses."""

from __future__ import annotations

import pytest

from sportello.conversations.models import Conversation, Kind, Message
from sportello.outbound.actions import attempt_delivery
from sportello.outbound.models import Delivery, DeliveryStatus
from sportello.providers.common.storage import store_attachment
from tests.providers.fake_http import Reply
from tests.providers.telegram.helpers import (
    CHAT_ID,
    customer_update,
    fake_bot_api,
    make_telegram_channel,
    post_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bot():
    with fake_bot_api() as bot:
        yield bot


@pytest.fixture
def channel(workspace, bot):
    return make_telegram_channel(workspace.pk, bot.url)


@pytest.fixture
def customer_writes(client, channel):
    def write(message_id: int = 1, **content) -> Conversation:
        answer = post_update(client, channel, customer_update(message_id, **content))
        assert answer.status_code == 200
        return Message.objects.get(external_id=f"{CHAT_ID}:{message_id}").conversation

    return write


@pytest.fixture
def reply(api, django_capture_on_commit_callbacks):
    def send(conversation: Conversation, text: str = "Ci scusi, le spediamo un pacco nuovo oggi."):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post(f"/api/v1/conversations/{conversation.pk}/reply", {"text": text})

    return send


def _outbound(api, conversation: Conversation) -> dict:
    detail = api.get(f"/api/v1/conversations/{conversation.pk}").json()
    [message] = [
        m for m in detail["messages"] if m["direction"] == "out" and m["kind"] == "message"
    ]
    return message


def test_webhook_to_conversation_to_api_reply_to_sendmessage(api, bot, customer_writes, reply):
    conversation = customer_writes()
    assert reply(conversation).status_code == 201

    [sent] = bot.sent("sendMessage")
    assert sent.json() == {
        "chat_id": str(CHAT_ID),
        "text": "Ci scusi, le spediamo un pacco nuovo oggi.",
    }
    message = _outbound(api, conversation)
    assert message["delivery"]["status"] == "sent"
    assert message["external_id"] == f"{CHAT_ID}:700"


def test_the_customers_quote_of_a_reply_threads_onto_it(
    api, bot, client, channel, customer_writes, reply
):
    conversation = customer_writes(1)
    reply(conversation)
    quote = customer_update(2, text="Grazie!", reply_to_message={"message_id": 700, "date": 1})
    post_update(client, channel, quote)
    assert Message.objects.get(external_id=f"{CHAT_ID}:2").conversation_id == conversation.pk


def test_429_is_retried_after_telegrams_retry_after_and_5xx_too(api, bot, customer_writes, reply):
    conversation = customer_writes()
    bot.fake.then(
        "POST",
        bot.path("sendMessage"),
        Reply(
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 0",
                "parameters": {"retry_after": 0},
            },
        ),
        Reply(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}),
    )
    reply(conversation)
    assert len(bot.sent("sendMessage")) == 3
    assert _outbound(api, conversation)["delivery"]["status"] == "sent"


def test_a_long_retry_after_is_left_to_the_deliverys_backoff(api, bot, customer_writes, reply):
    conversation = customer_writes()
    bot.fake.then(
        "POST",
        bot.path("sendMessage"),
        Reply(
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 35",
                "parameters": {"retry_after": 35},
            },
        ),
    )
    reply(conversation)
    assert len(bot.sent("sendMessage")) == 1  # not slept through in the worker
    delivery = _outbound(api, conversation)["delivery"]
    assert delivery["status"] == "queued" and delivery["next_attempt_at"] is not None
    assert "retry after 35" in delivery["last_error"]


def test_telegrams_refusal_fails_the_delivery_with_its_description(
    api, bot, customer_writes, reply
):
    conversation = customer_writes()
    bot.fake.then(
        "POST",
        bot.path("sendMessage"),
        Reply(
            403,
            {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            },
        ),
    )
    reply(conversation)
    assert len(bot.sent("sendMessage")) == 1
    delivery = _outbound(api, conversation)["delivery"]
    assert delivery["status"] == "failed"
    assert delivery["last_error"] == "Telegram 403: Forbidden: bot was blocked by the user"


def test_reply_files_go_as_sendphoto_and_senddocument(api, bot, customer_writes, reply):
    conversation = customer_writes()
    reply(conversation, "In allegato la fattura e la foto.")
    message = Message.objects.get(conversation=conversation, direction="out", kind=Kind.MESSAGE)
    _, pdf = store_attachment(conversation.workspace_id, b"%PDF-1.4 fattura")
    _, jpg = store_attachment(conversation.workspace_id, b"\xff\xd8\xff foto")
    # Replies carry files once the composer uploads them; here they are set by hand.
    Message.objects.filter(pk=message.pk).update(
        attachments=[
            {"filename": "fattura.pdf", "content_type": "application/pdf", "path": pdf},
            {"filename": "pacco.jpg", "content_type": "image/jpeg", "path": jpg},
        ]
    )
    Delivery.objects.filter(message=message).update(status=DeliveryStatus.QUEUED)
    attempt_delivery(Delivery.objects.get(message=message).pk)

    [document] = bot.sent("sendDocument")
    assert b"%PDF-1.4 fattura" in document.body and b'name="chat_id"' in document.body
    assert b'filename="fattura.pdf"' in document.body
    [photo] = bot.sent("sendPhoto")
    assert b"\xff\xd8\xff foto" in photo.body and b'name="photo"' in photo.body
