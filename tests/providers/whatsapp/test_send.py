"""Agents' replies on WhatsApp, sent to a fake Graph API (a real HTTP server) and followed
by Meta's status callbacks: what the customer receives and what the agent sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from sportello.conversations.models import Conversation, Kind, Message
from sportello.core import clock
from sportello.outbound.actions import attempt_delivery
from sportello.outbound.models import Delivery, DeliveryStatus
from sportello.providers.common.storage import store_attachment
from tests.providers.fake_http import Reply
from tests.providers.whatsapp.helpers import (
    ACCESS_TOKEN,
    customer_message,
    fake_graph,
    make_whatsapp_channel,
    post_signed,
    status_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def graph():
    with fake_graph() as graph:
        yield graph


@pytest.fixture
def channel(workspace, graph):
    return make_whatsapp_channel(workspace.pk, graph.url)


@pytest.fixture
def customer_writes(client, channel):
    def write(wamid: str = "wamid.cliente-1", **kw) -> Conversation:
        assert post_signed(client, channel, customer_message(wamid, **kw)).status_code == 200
        return Message.objects.get(external_id=wamid).conversation

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


def test_a_reply_is_posted_to_the_graph_api_for_the_customers_number(
    api, graph, customer_writes, reply
):
    conversation = customer_writes()
    assert reply(conversation).status_code == 201

    [sent] = graph.sent_messages()
    assert sent.header("Authorization") == f"Bearer {ACCESS_TOKEN}"
    assert sent.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "393331234567",
        "type": "text",
        "text": {"body": "Ci scusi, le spediamo un pacco nuovo oggi.", "preview_url": False},
    }
    message = _outbound(api, conversation)
    assert message["delivery"]["status"] == message["delivery"]["latest"] == "sent"
    assert message["external_id"] == "wamid.inviato-1"


def test_429_and_500_are_retried_honouring_retry_after(api, graph, customer_writes, reply):
    conversation = customer_writes()
    graph.fake.then(
        "POST",
        graph.messages_path,
        Reply(
            429,
            {"error": {"message": "Rate limit hit", "code": 130429}},
            headers={"Retry-After": "0"},
        ),
        Reply(
            503,
            {"error": {"message": "Service temporarily unavailable", "code": 2}},
            headers={"Retry-After": "0"},
        ),
    )
    reply(conversation)
    assert len(graph.sent_messages()) == 3
    assert _outbound(api, conversation)["delivery"]["status"] == "sent"


def test_a_long_retry_after_is_left_to_the_deliverys_backoff(api, graph, customer_writes, reply):
    conversation = customer_writes()
    throttled = Reply(
        429,
        {"error": {"message": "Rate limit hit", "code": 130429}},
        headers={"Retry-After": "120"},
    )
    graph.fake.then("POST", graph.messages_path, throttled)
    reply(conversation)
    assert len(graph.sent_messages()) == 1  # not slept through in the worker
    delivery = _outbound(api, conversation)["delivery"]
    assert delivery["status"] == "queued" and delivery["next_attempt_at"] is not None
    assert "Rate limit hit" in delivery["last_error"]


def test_metas_refusal_fails_the_delivery_with_metas_words(api, graph, customer_writes, reply):
    conversation = customer_writes()
    graph.fake.then(
        "POST",
        graph.messages_path,
        Reply(
            400,
            {
                "error": {
                    "message": "(#131030) Recipient phone number not in allowed list",
                    "type": "OAuthException",
                    "code": 131030,
                    "fbtrace_id": "AbCd",
                }
            },
        ),
    )
    reply(conversation)
    assert len(graph.sent_messages()) == 1
    delivery = _outbound(api, conversation)["delivery"]
    assert delivery["status"] == "failed"
    assert (
        delivery["last_error"]
        == "Meta 131030: (#131030) Recipient phone number not in allowed list"
    )


def test_outside_the_24_hour_window_a_reply_is_refused_with_the_reason(
    api, graph, customer_writes, reply
):
    conversation = customer_writes()
    Conversation.objects.filter(pk=conversation.pk).update(
        last_inbound_at=clock.now() - timedelta(hours=24, minutes=1)
    )
    answer = reply(conversation)
    assert answer.status_code == 422
    assert "24 ore" in answer.json()["detail"]  # the agent speaks Italian
    assert not graph.sent_messages()
    assert not Message.objects.filter(
        conversation=conversation, direction="out", kind=Kind.MESSAGE
    ).exists()


def test_the_reply_box_tells_the_agent_why_in_italian(agent, customer_writes):
    conversation = customer_writes()
    Conversation.objects.filter(pk=conversation.pk).update(
        last_inbound_at=clock.now() - timedelta(days=2)
    )
    agent.language = "it"
    agent.save(update_fields=["language"])
    browser = Client()
    browser.force_login(agent.user)
    answer = browser.post(
        f"/c/{conversation.number}/reply/",
        {"text": "Buongiorno", "idempotency_key": "k-1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="reply-form",
    )
    assert answer.status_code == 422
    assert "24 ore" in answer.content.decode()


def test_a_file_is_uploaded_then_sent_as_a_document(api, graph, customer_writes, reply, settings):
    conversation = customer_writes()
    reply(conversation, "In allegato la fattura.")
    message = Message.objects.get(conversation=conversation, direction="out", kind=Kind.MESSAGE)
    _, path = store_attachment(conversation.workspace_id, b"%PDF-1.4 fattura")
    # Replies carry files once the composer uploads them; here they are set by hand.
    Message.objects.filter(pk=message.pk).update(
        attachments=[{"filename": "fattura.pdf", "content_type": "application/pdf", "path": path}]
    )
    Delivery.objects.filter(message=message).update(status=DeliveryStatus.QUEUED)
    attempt_delivery(Delivery.objects.get(message=message).pk)

    [upload] = graph.fake.sent("POST", graph.media_path)
    assert b"%PDF-1.4 fattura" in upload.body and b'name="messaging_product"' in upload.body
    document = graph.sent_messages()[-1].json()
    assert document["type"] == "document"
    assert document["document"] == {"id": "caricato-1", "filename": "fattura.pdf"}


def test_a_failed_status_callback_fails_the_delivery_and_tells_the_timeline(
    api, client, channel, customer_writes, reply
):
    conversation = customer_writes()
    reply(conversation)
    failed = status_update(
        "wamid.inviato-1",
        "failed",
        errors=[
            {
                "code": 131026,
                "title": "Receiver is incapable of receiving this message",
                "error_data": {"details": "Message Undeliverable."},
            }
        ],
    )
    assert post_signed(client, channel, failed).json()["statuses"] == 1
    delivery = _outbound(api, conversation)["delivery"]
    assert delivery["status"] == "failed"
    assert delivery["last_error"] == (
        "WhatsApp 131026: Receiver is incapable of receiving this message (Message Undeliverable.)"
    )
    assert Message.objects.filter(conversation=conversation, event="delivery_failed").exists()


def test_end_to_end_from_webhook_to_read_receipt(
    api, agent, client, graph, channel, reply, settings
):
    """GIVEN a customer known by their phone number from another channel
    WHEN they write on WhatsApp, an agent replies and Meta reports the reply delivered, then read
    THEN the message is on that customer, Meta received the reply for their number, and the
    agent sees "read" in the API and on the conversation page."""
    known = api.post(
        "/api/v1/inbound",
        {
            "channel": "api",
            "external_id": "telefonata-1",
            "sender": {"phone": "+39 333 123 4567", "name": "Mario Rossi"},
            "text": "Ho chiamato per il reso",
        },
    ).json()

    answer = post_signed(client, channel, customer_message("wamid.e2e", name="Mario R."))
    assert answer.status_code == 200
    message = Message.objects.get(external_id="wamid.e2e")
    conversation = message.conversation
    assert conversation.customer_id == known["customer_id"]
    assert conversation.channel_id == channel.pk

    assert reply(conversation, "Il reso è registrato.").status_code == 201
    [sent] = graph.sent_messages()
    assert (
        sent.json()["to"] == "393331234567"
        and sent.json()["text"]["body"] == "Il reso è registrato."
    )

    for status in ("sent", "delivered", "read", "delivered"):  # late and repeated, as Meta does
        assert (
            post_signed(client, channel, status_update("wamid.inviato-1", status)).status_code
            == 200
        )
    delivery = _outbound(api, conversation)["delivery"]
    assert delivery["latest"] == "read"
    assert delivery["delivered_at"] is not None and delivery["read_at"] is not None

    agent.language = "en"
    agent.save(update_fields=["language"])
    browser = Client()
    browser.force_login(agent.user)
    page = browser.get(f"/c/{conversation.number}/").content.decode()
    assert '<footer class="delivery delivery-read">Read</footer>' in page
