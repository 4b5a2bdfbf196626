"""Configuration and recovery in the Django admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sportello.accounts.actions import create_agent
from sportello.accounts.models import Role
from sportello.conversations.models import Message
from sportello.ingest import pipeline
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.models import RejectedInbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, workspace):
    create_agent(workspace, email="capo@bottega.it", password="x" * 12, role=Role.ADMIN)
    client.login(email="capo@bottega.it", password="x" * 12)
    return client


def test_admin_pages_load(admin_client, inbound):
    inbound(external_id="a1")
    for model in [
        "core/workspace",
        "accounts/agent",
        "accounts/team",
        "accounts/user",
        "accounts/apitoken",
        "customers/customer",
        "customers/organization",
        "sportello_channels/channel",
        "conversations/conversation",
        "conversations/message",
        "conversations/tag",
        "ingest/inboundrecord",
        "ingest/rejectedinbound",
    ]:
        response = admin_client.get(f"/admin/{model}/")
        assert response.status_code == 200, model


def test_failed_message_is_retried_from_the_admin(admin_client, api_channel, monkeypatch):
    def broken(self, ctx):
        raise RuntimeError("language model missing")

    monkeypatch.setattr(pipeline.DetectLanguage, "run", broken)
    with pytest.raises(pipeline.IngestFailed):
        pipeline.ingest(
            InboundMessage(
                workspace_id=api_channel.workspace_id,
                channel_id=api_channel.pk,
                sender=Sender(email="paola@example.it"),
                text="Il mio reso è stato ricevuto?",
                external_id="reso-7",
            )
        )
    monkeypatch.undo()
    rejected = RejectedInbound.objects.get()
    response = admin_client.post(
        reverse("admin:ingest_rejectedinbound_changelist"),
        {"action": "retry_selected", "_selected_action": [rejected.pk]},
        follow=True,
    )
    assert "Acquisiti: 1; ancora non riusciti: 0." in response.content.decode()
    rejected.refresh_from_db()
    assert rejected.resolved_at is not None
    assert Message.objects.get(pk=rejected.resolved_message_id).external_id == "reso-7"
