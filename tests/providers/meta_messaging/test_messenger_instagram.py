"""Messenger and Instagram as Meta calls them: the handshake, signed posts, page-scoped
ids, echoes recorded once, story mentions and replies, receipts; and replies sent to a fake
Graph API. Both kinds share the Messenger Platform code, so each test runs on both."""

from __future__ import annotations

import time

import pytest

from sportello.conversations.models import Kind, Message
from sportello.customers.models import Identity
from sportello.ingest.models import RejectedInbound
from tests.providers.fake_http import fake_provider
from tests.providers.meta_messaging.helpers import (
    PSID,
    TOKEN,
    customer_event,
    make_page_channel,
    page_body,
    page_event,
    post_signed,
    serve_send_api,
)

pytestmark = pytest.mark.django_db

KINDS = ["messenger", "instagram"]


@pytest.fixture
def graph():
    with fake_provider() as fake:
        fake.messages_path = serve_send_api(fake)  # type: ignore[attr-defined]
        yield fake


@pytest.mark.parametrize("kind", KINDS)
def test_handshake_signature_and_a_message_on_the_page_scoped_id(client, workspace, kind):
    channel = make_page_channel(workspace.pk, kind)
    hook = f"/hooks/{kind}/{channel.config['webhook_key']}/"
    query = {"hub.mode": "subscribe", "hub.verify_token": "verifica", "hub.challenge": "42"}
    assert client.get(hook, query).content == b"42"
    assert client.get(hook, {**query, "hub.verify_token": "no"}).status_code == 403

    body = page_body(kind, customer_event("mid.primo"))
    assert post_signed(client, channel, body, secret="falso").status_code == 403
    assert RejectedInbound.objects.filter(source=kind, reason__contains="Signature").exists()
    assert post_signed(client, channel, body).json()["messages"] == 1
    assert post_signed(client, channel, body).json()["duplicates"] == 1

    message = Message.objects.get(external_id="mid.primo")
    assert message.text == "Ciao, avete la taglia M?" and message.channel_id == channel.pk
    assert Identity.objects.get(customer=message.conversation.customer, kind=kind).value == PSID


@pytest.mark.parametrize("kind", KINDS)
def test_malformed_and_unknown_events_are_recorded_and_acknowledged(client, workspace, kind):
    channel = make_page_channel(workspace.pk, kind)
    optin = page_event(optin={"ref": "promo"})
    answers = [
        post_signed(client, channel, b"{not json"),
        post_signed(client, channel, {"object": "user", "entry": []}),
        post_signed(client, channel, page_body(kind, optin)),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert RejectedInbound.objects.filter(channel=channel).count() == 3
    assert not Message.objects.filter(kind=Kind.MESSAGE).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_an_echo_from_metas_apps_is_recorded_once_and_ours_not_at_all(
    client, workspace, graph, api, django_capture_on_commit_callbacks, kind
):
    channel = make_page_channel(workspace.pk, kind, graph.url)
    post_signed(client, channel, page_body(kind, customer_event("mid.cliente")))
    conversation = Message.objects.get(external_id="mid.cliente").conversation
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/conversations/{conversation.pk}/reply", {"text": "Sì, c'è."})

    def echo(mid: str, text: str) -> dict:
        return {
            "sender": {"id": "12345654332"},
            "recipient": {"id": PSID},
            "timestamp": int(time.time() * 1000),
            "message": {"mid": mid, "text": text, "is_echo": True, "app_id": 1517776481860111},
        }

    ours = echo("m_inviato-1", "Sì, c'è.")
    from_business_suite = echo("m_dal-telefono", "Le scrivo dal telefono")
    for _ in range(2):
        answer = post_signed(client, channel, page_body(kind, ours, from_business_suite))
        assert answer.status_code == 200
    timeline = Message.objects.filter(conversation=conversation)
    assert timeline.filter(kind=Kind.MESSAGE, direction="out").count() == 1  # the agent's reply
    [elsewhere] = timeline.filter(kind=Kind.EVENT, event="sent_elsewhere")
    assert elsewhere.data["text"] == "Le scrivo dal telefono"
    assert not timeline.filter(kind=Kind.MESSAGE, text="Le scrivo dal telefono").exists()


def test_instagram_story_mentions_and_replies_are_shown(client, workspace):
    channel = make_page_channel(workspace.pk, "instagram")
    mention = customer_event(
        "mid.menzione",
        text="",
        attachments=[{"type": "story_mention", "payload": {"url": "https://cdn.example/s.jpg"}}],
    )
    reply = customer_event(
        "mid.risposta",
        text="Che bello questo vestito!",
        reply_to={"story": {"id": "1799", "url": "https://cdn.example/storia.jpg"}},
    )
    post_signed(client, channel, page_body("instagram", mention, reply))
    shown = Message.objects.get(external_id="mid.menzione")
    assert shown.text and shown.data["instagram"]["story_mention"] == "https://cdn.example/s.jpg"
    answered = Message.objects.get(external_id="mid.risposta")
    assert answered.data["instagram"]["story_reply"]["url"] == "https://cdn.example/storia.jpg"


@pytest.mark.parametrize("kind", KINDS)
def test_end_to_end_reply_then_delivered_and_read(
    client, workspace, graph, api, django_capture_on_commit_callbacks, kind
):
    channel = make_page_channel(workspace.pk, kind, graph.url)
    post_signed(client, channel, page_body(kind, customer_event("mid.e2e")))
    conversation = Message.objects.get(external_id="mid.e2e").conversation
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(f"/api/v1/conversations/{conversation.pk}/reply", {"text": "Arriva domani"})
    assert sent.status_code == 201

    [request] = graph.sent("POST", graph.messages_path)
    assert request.header("Authorization") == f"Bearer {TOKEN}"
    assert request.json() == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": "Arriva domani"},
    }
    delivered = page_event(delivery={"mids": ["m_inviato-1"], "watermark": int(time.time() * 1000)})
    if kind == "messenger":
        read = page_event(read={"watermark": int(time.time() * 1000) + 1000})
    else:
        read = page_event(read={"mid": "m_inviato-1"})
    for event in (delivered, read):
        assert post_signed(client, channel, page_body(kind, event)).json()["receipts"] == 1
    detail = api.get(f"/api/v1/conversations/{conversation.pk}").json()
    [reply] = [m for m in detail["messages"] if m["direction"] == "out" and m["kind"] == "message"]
    assert reply["external_id"] == "m_inviato-1"
    assert reply["delivery"]["latest"] == "read"


@pytest.mark.parametrize("kind", KINDS)
def test_a_photo_is_downloaded_from_metas_link_into_the_attachments(client, workspace, graph, kind):
    from sportello.providers.common.storage import read_attachment
    from tests.providers.fake_http import Reply

    graph.route("GET", "/cdn/foto.jpg", Reply(body=b"\xff\xd8 foto", content_type="image/jpeg"))
    channel = make_page_channel(workspace.pk, kind)
    photo = customer_event(
        "mid.foto",
        text="",
        attachments=[{"type": "image", "payload": {"url": f"{graph.url}/cdn/foto.jpg"}}],
    )
    gone = customer_event(
        "mid.scaduta",
        text="",
        attachments=[{"type": "file", "payload": {"url": f"{graph.url}/cdn/scaduto.pdf"}}],
    )
    post_signed(client, channel, page_body(kind, photo, gone))
    [attachment] = Message.objects.get(external_id="mid.foto").attachments
    assert attachment["pending"] is False and attachment["filename"] == "image.jpg"
    assert read_attachment(attachment["path"]) == b"\xff\xd8 foto"
    [expired] = Message.objects.get(external_id="mid.scaduta").attachments
    assert expired["pending"] is False and "404" in expired["error"]
