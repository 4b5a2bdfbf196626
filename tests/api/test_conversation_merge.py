"""Two conversations of one issue, on two channels, become one (issue 18 point 4): Sara
writes by email about her order, then on WhatsApp about the same order."""

from __future__ import annotations

import pytest

from sportello.audit.models import AuditEntry
from sportello.conversations.models import Conversation, Kind, Message
from sportello.core.models import Workspace
from sportello.customers.actions.merge import merge_customers
from sportello.ingest import pipeline
from sportello.ingest.inbound import InboundMessage, Sender
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


def _write(channel, external_id: str, text: str, **sender):
    return pipeline.ingest(
        InboundMessage(
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
            sender=Sender(**sender),
            text=text,
            external_id=external_id,
        ),
        channel=channel,
    )


@pytest.fixture
def two_channels(workspace, api_channel):
    whatsapp = ChannelFactory(workspace=workspace, kind="api", name="WhatsApp", slug="wa")
    email = _write(api_channel, "e1", "Il mio ordine 4411 non è arrivato", email="sara@example.it")
    chat = _write(
        whatsapp, "w1", "Vi ho scritto per l'ordine 4411", handles={"whatsapp": "+393401112233"}
    )
    return email, chat


def test_merge_two_channels_into_one_timeline_and_undo(api, workspace, two_channels):
    email, chat = two_channels
    refused = api.post(
        f"/api/v1/conversations/{email.conversation_id}/merge", {"other_id": chat.conversation_id}
    )
    assert refused.status_code == 409 and "different customers" in refused.json()["detail"]

    merge_customers(workspace.pk, email.customer_id, chat.customer_id)
    merged = api.post(
        f"/api/v1/conversations/{email.conversation_id}/merge", {"other_id": chat.conversation_id}
    )
    assert merged.status_code == 200, merged.content
    assert merged.json()["moved"] == 1
    kept = Conversation.objects.get(pk=email.conversation_id)
    texts = list(
        Message.objects.filter(conversation=kept, kind=Kind.MESSAGE)
        .order_by("created_at", "pk")
        .values_list("text", "channel_id")
    )
    assert [t for t, _ in texts] == [
        "Il mio ordine 4411 non è arrivato",
        "Vi ho scritto per l'ordine 4411",
    ]
    assert len({c for _, c in texts}) == 2  # each message keeps its channel
    assert kept.message_count == 2
    other = Conversation.objects.get(pk=chat.conversation_id)
    assert other.status == "resolved"
    assert Message.objects.filter(conversation=other, event="merged_into").exists()
    assert AuditEntry.objects.filter(action="conversation.merged").count() == 1
    again = api.post(
        f"/api/v1/conversations/{email.conversation_id}/merge", {"other_id": chat.conversation_id}
    )
    assert again.status_code == 409

    undone = api.post(
        f"/api/v1/conversations/{email.conversation_id}/unmerge", {"other_id": chat.conversation_id}
    )
    assert undone.status_code == 200 and undone.json()["moved"] == 1
    assert Conversation.objects.get(pk=email.conversation_id).message_count == 1
    other = Conversation.objects.get(pk=chat.conversation_id)
    assert other.status == "open" and other.message_count == 1
    twice = api.post(
        f"/api/v1/conversations/{email.conversation_id}/unmerge", {"other_id": chat.conversation_id}
    )
    assert twice.status_code == 409


def test_bad_merges_get_clear_errors(api, workspace, two_channels):
    email, chat = two_channels
    url = f"/api/v1/conversations/{email.conversation_id}/merge"
    itself = api.post(url, {"other_id": email.conversation_id})
    assert itself.status_code == 422 and "itself" in itself.json()["detail"]
    elsewhere = Workspace.objects.create(name="Altro", slug="altro")
    foreign = ChannelFactory(workspace=elsewhere, kind="api", slug="x")
    theirs = _write(foreign, "x1", "Ciao", email="sara@example.it")
    assert api.post(url, {"other_id": theirs.conversation_id}).status_code == 404
    confirmed = api.post(url, {"other_id": chat.conversation_id, "different_customers": True})
    assert confirmed.status_code == 200
