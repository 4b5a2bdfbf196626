"""Replies on a merged conversation follow the channel of the message being answered
(issue 18): after one customer's email conversation and WhatsApp conversation are merged,
the reply box says which channel it sends on (by default that of the customer's latest
message) and lets the agent pick the other, and the reply really goes out through that
channel's provider: the fake Graph API or the SMTP server receives it. The API's reply
takes a channel among the conversation's; any other is a 422."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client

from sportello.channels.models import Channel
from sportello.conversations.models import Conversation, Message
from sportello.customers.actions import add_identities
from sportello.outbound.models import Delivery
from tests.outbound.helpers import customer_email, make_email_channel, smtp_sink
from tests.providers.whatsapp.helpers import (
    customer_message,
    fake_graph,
    make_whatsapp_channel,
    post_signed,
)
from tests.web.conftest import htmx

pytestmark = pytest.mark.django_db


@dataclass
class Merged:
    conversation: Conversation
    email: Channel
    whatsapp: Channel
    graph: object
    sink: object


@pytest.fixture
def merged(api, workspace, settings, tmp_path) -> Iterator[Merged]:
    """Mario wrote by email, then on WhatsApp (his number is on file): two conversations,
    merged into the email one."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with smtp_sink() as sink, fake_graph() as graph:
        email = make_email_channel(workspace.pk, smtp_port=sink.port)
        first = customer_email(email)
        add_identities(first.customer, [("whatsapp", "+393331234567")])
        whatsapp = make_whatsapp_channel(workspace.pk, graph.url)
        post_signed(Client(), whatsapp, customer_message("wamid.mario", wa_id="393331234567"))
        second = Message.objects.get(external_id="wamid.mario").conversation
        assert second.customer_id == first.customer_id and second.pk != first.pk
        answer = api.post(f"/api/v1/conversations/{first.pk}/merge", {"other_id": second.pk})
        assert answer.status_code == 200, answer.content
        first.refresh_from_db()
        yield Merged(first, email, whatsapp, graph, sink)


def test_the_reply_box_says_it_answers_on_the_latest_messages_channel(agent_client, merged):
    page = agent_client.get(f"/c/{merged.conversation.number}/").content.decode()

    assert "Rispondi tramite WhatsApp" in page
    assert '<select id="reply_channel" name="channel"' in page
    assert f'<option value="{merged.whatsapp.pk}" selected>WhatsApp</option>' in page
    assert f'<option value="{merged.email.pk}">Posta</option>' in page
    assert "data-send-off" not in page  # WhatsApp's window is open: he just wrote

    picked = agent_client.get(
        f"/c/{merged.conversation.number}/?channel={merged.email.pk}", **htmx("reply-route")
    ).content.decode()
    assert "Rispondi tramite Posta" in picked
    assert f'<option value="{merged.email.pk}" selected>Posta</option>' in picked


def test_a_reply_goes_out_on_whatsapp_by_default_and_by_email_when_picked(
    agent_client, merged, django_capture_on_commit_callbacks
):
    url = f"/c/{merged.conversation.number}/reply/"
    with django_capture_on_commit_callbacks(execute=True):
        by_default = agent_client.post(url, {"text": "Le scrivo su WhatsApp."}, **htmx("r"))
    assert by_default.status_code == 200
    [sent] = merged.graph.sent_messages()
    assert sent.json()["to"] == "393331234567"
    assert sent.json()["text"]["body"] == "Le scrivo su WhatsApp."
    assert merged.sink.received == []

    with django_capture_on_commit_callbacks(execute=True):
        by_email = agent_client.post(
            url, {"text": "E per email la fattura.", "channel": merged.email.pk}, **htmx("r")
        )
    assert by_email.status_code == 200
    [(_, recipients, _raw)] = merged.sink.received
    assert recipients == ["mario.rossi@example.it"]
    assert "E per email la fattura." in merged.sink.messages()[0].get_content()
    assert len(merged.graph.sent_messages()) == 1
    channels = dict(Delivery.objects.values_list("message__text", "channel_id"))
    assert channels == {
        "Le scrivo su WhatsApp.": merged.whatsapp.pk,
        "E per email la fattura.": merged.email.pk,
    }


def test_the_api_replies_on_a_channel_of_the_conversation_and_refuses_others(
    api, workspace, merged, django_capture_on_commit_callbacks
):
    cid = merged.conversation.pk
    detail = api.get(f"/api/v1/conversations/{cid}").json()
    assert detail["reply_channel_ids"] == [merged.email.pk, merged.whatsapp.pk]
    assert detail["reply_channel_id"] == merged.whatsapp.pk

    stranger = make_email_channel(workspace.pk, slug="altra", smtp_port=merged.sink.port)
    refused = api.post(
        f"/api/v1/conversations/{cid}/reply", {"text": "Ciao", "channel_id": stranger.pk}
    )
    assert refused.status_code == 422
    assert "canali della conversazione" in refused.json()["detail"]
    assert not Delivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(
            f"/api/v1/conversations/{cid}/reply",
            {"text": "Via email, come chiesto.", "channel_id": merged.email.pk},
        )
    assert sent.status_code == 201, sent.content
    assert [r for _, r, _ in merged.sink.received] == [["mario.rossi@example.it"]]
    assert merged.graph.sent_messages() == []


def test_whatsapps_window_runs_from_his_whatsapp_message_not_the_email(
    api, merged, django_capture_on_commit_callbacks
):
    """GIVEN his WhatsApp message is 30 hours old and his email newer WHEN a reply goes out
    on WhatsApp THEN it is refused (Meta would refuse it), while email still works."""
    from datetime import timedelta

    from sportello.core import clock

    old = clock.now() - timedelta(hours=30)
    Message.objects.filter(external_id="wamid.mario").update(created_at=old)
    Message.objects.filter(channel=merged.email, direction="in").update(created_at=clock.now())
    cid = merged.conversation.pk

    refused = api.post(
        f"/api/v1/conversations/{cid}/reply", {"text": "Ciao", "channel_id": merged.whatsapp.pk}
    )
    assert refused.status_code == 422 and "24 ore" in refused.json()["detail"]
    with django_capture_on_commit_callbacks(execute=True):
        fine = api.post(f"/api/v1/conversations/{cid}/reply", {"text": "Per email."})
    assert fine.status_code == 201  # his latest message is the email: it answers that
    assert len(merged.sink.received) == 1
