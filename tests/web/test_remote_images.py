"""A message's remote images are not loaded, and the agent is told so in their language."""

from __future__ import annotations

import pytest

from sportello.accounts.models import Agent
from sportello.conversations.models import Conversation

pytestmark = pytest.mark.django_db

NEWSLETTER = (
    '<p>Offerte!</p><img src="https://track.example/open.gif?u=7" width="1" height="1">'
    '<img src="https://cdn.example/banner.png"><img src="https://cdn.example/logo.png">'
)


def conversation_page(inbound, agent, agent_client, language: str) -> str:
    created = inbound("Offerte!", html=NEWSLETTER, external_id="newsletter-1")
    assert created.status_code in {200, 201}, created.content
    Agent.objects.filter(pk=agent.pk).update(language=language)
    number = Conversation.objects.get(pk=created.json()["conversation_id"]).number
    return agent_client.get(f"/c/{number}/").content.decode()


def test_remote_images_are_counted_with_their_sites_in_italian(inbound, agent, agent_client):
    page = conversation_page(inbound, agent, agent_client, "it")

    assert (
        "3 immagini remote non caricate (da track.example, cdn.example): potrebbero dire al "
        "mittente che hai aperto questo messaggio." in page
    )
    assert ' src="https://' not in page


def test_remote_images_are_counted_with_their_sites_in_english(inbound, agent, agent_client):
    page = conversation_page(inbound, agent, agent_client, "en")

    assert "3 remote images not loaded (from track.example, cdn.example)" in page
