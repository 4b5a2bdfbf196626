"""The always-on automatic reply (the acknowledgement with the expected reply time) on
Messenger and Instagram, end to end: webhook in, acknowledgement out through the page's
Send API (a fake Graph server), its echo not duplicated, and no second one to the same
customer within the workspace's hours."""

from __future__ import annotations

import time

import pytest

from sportello.automation.actions import update_acknowledgement_settings
from sportello.automation.models import Acknowledgement
from sportello.conversations.models import Kind, Message
from sportello.outbound.actions import attempt_delivery
from sportello.outbound.models import Delivery, DeliveryStatus
from tests.providers.fake_http import fake_provider
from tests.providers.meta_messaging.helpers import (
    PAGE_ID,
    PSID,
    TOKEN,
    customer_event,
    make_page_channel,
    page_body,
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


@pytest.fixture(autouse=True)
def acknowledgements_on(workspace):
    update_acknowledgement_settings(
        workspace.pk,
        is_enabled=True,
        template_it="Grazie {name}, le rispondiamo entro le {time} di {date}.",
        template_en="Thanks {name}, we will answer by {time} on {date}.",
        min_hours_between=12,
    )


def _write(client, channel, kind, mid, capture, text="Ciao, avete la taglia M?"):
    with capture(execute=True):
        answer = post_signed(client, channel, page_body(kind, customer_event(mid, text=text)))
    assert answer.status_code == 200
    return Message.objects.get(external_id=mid).conversation


def _sent(delivery: Delivery) -> Delivery:
    if delivery.status != DeliveryStatus.SENT:
        attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    return delivery


def _automatic(conversation) -> list[Message]:
    return list(
        Message.objects.filter(
            conversation=conversation, kind=Kind.MESSAGE, data__automatic="acknowledgement"
        )
    )


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_conversation_is_acknowledged_through_the_send_api_once(
    client, workspace, graph, kind, django_capture_on_commit_callbacks
):
    channel = make_page_channel(workspace.pk, kind, graph.url)

    conversation = _write(client, channel, kind, "mid.1", django_capture_on_commit_callbacks)

    [ack] = _automatic(conversation)
    assert "le rispondiamo entro le" in ack.text or "we will answer by" in ack.text
    delivery = _sent(Delivery.objects.get(message=ack))
    assert delivery.status == DeliveryStatus.SENT
    [request] = graph.sent("POST", graph.messages_path)
    assert request.header("authorization") == f"Bearer {TOKEN}"
    body = request.json()
    assert body["recipient"] == {"id": PSID}
    assert body["messaging_type"] == "RESPONSE"
    assert body["message"]["text"] == ack.text

    # Meta echoes what the page sent: the echo of the acknowledgement is not a message.
    echo = {
        "sender": {"id": PAGE_ID},
        "recipient": {"id": PSID},
        "timestamp": int(time.time() * 1000),
        "message": {"mid": delivery.provider_message_id, "text": ack.text, "is_echo": True},
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert post_signed(client, channel, page_body(kind, echo)).status_code == 200
    assert Message.objects.filter(kind=Kind.MESSAGE, direction="out").count() == 1
    assert Acknowledgement.objects.count() == 1

    # The customer writes again in the same conversation: no second acknowledgement.
    _write(client, channel, kind, "mid.2", django_capture_on_commit_callbacks, text="Ci siete?")
    assert len(_automatic(conversation)) == 1
    assert len(graph.sent("POST", graph.messages_path)) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_no_second_acknowledgement_within_the_hours_even_in_a_new_conversation(
    client, workspace, graph, api, kind, django_capture_on_commit_callbacks
):
    channel = make_page_channel(workspace.pk, kind, graph.url)
    first = _write(client, channel, kind, "mid.a", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        resolved = api.patch(f"/api/v1/conversations/{first.pk}", {"status": "closed"})
    assert resolved.status_code == 200, resolved.content

    second = _write(client, channel, kind, "mid.b", django_capture_on_commit_callbacks)

    assert Acknowledgement.objects.count() == 1
    if second.pk != first.pk:
        skipped = Message.objects.get(conversation=second, event="acknowledgement_skipped")
        assert skipped.data["reason"] == "recently_acknowledged"
    assert len(graph.sent("POST", graph.messages_path)) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_an_echo_from_metas_apps_never_opens_nor_acknowledges_a_conversation(
    client, workspace, graph, kind, django_capture_on_commit_callbacks
):
    channel = make_page_channel(workspace.pk, kind, graph.url)
    echo = {
        "sender": {"id": PAGE_ID},
        "recipient": {"id": PSID},
        "timestamp": int(time.time() * 1000),
        "message": {"mid": "m_dal-telefono", "text": "Buongiorno!", "is_echo": True},
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert post_signed(client, channel, page_body(kind, echo)).status_code == 200

    assert not Acknowledgement.objects.exists()
    assert graph.sent("POST", graph.messages_path) == []
