"""The agent UI of a web chat: the conversation page's "Offer a video call" button and the
channel settings page's embed snippet, through the Django client."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from sportello.accounts.actions import create_agent
from sportello.accounts.models import Agent, Role
from sportello.conversations.models import Conversation, Message
from tests.factories import AgentFactory, WorkspaceFactory
from tests.providers.webchat.helpers import Widget, make_webchat_channel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def signed_in(agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


@pytest.fixture
def chat(workspace) -> Conversation:
    channel = make_webchat_channel(workspace.pk, video_base_url="https://video.negozio.it")
    widget = Widget(channel)
    widget.open()
    assert widget.say("Mi fate vedere il divano?").status_code == 201
    return Conversation.objects.get(channel=channel)


def _video_url(conversation: Conversation) -> str:
    return reverse("web:offer_video_call", args=[conversation.number])


def test_chat_page_has_the_video_button_and_one_click_posts_a_link(signed_in, chat):
    page = signed_in.get(reverse("web:conversation", args=[chat.number]))
    assert page.status_code == 200
    assert _video_url(chat) in page.content.decode()

    answer = signed_in.post(_video_url(chat), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="video-call")
    assert answer.status_code == 200
    sent = Message.objects.filter(conversation=chat, direction="out").get()
    assert "https://video.negozio.it/sportello-" in sent.text
    # The thread comes back with the link on it.
    assert "https://video.negozio.it/sportello-" in html.unescape(answer.content.decode())

    # Without JavaScript: back to the page, a second room posted.
    again = signed_in.post(_video_url(chat))
    assert again.status_code == 302
    assert Message.objects.filter(conversation=chat, direction="out").count() == 2


def test_other_channels_have_no_video_button_and_are_refused(signed_in, customer_writes):
    conversation = customer_writes()
    page = signed_in.get(reverse("web:conversation", args=[conversation.number]))
    assert _video_url(conversation) not in page.content.decode()
    refused = signed_in.post(
        _video_url(conversation), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="video-call"
    )
    assert refused.status_code == 422
    assert not Message.objects.filter(conversation=conversation, direction="out").exists()


def test_agent_of_another_workspace_cannot_offer_a_call(chat):
    stranger = AgentFactory(workspace=WorkspaceFactory())
    client = Client()
    client.force_login(stranger.user)
    assert client.post(_video_url(chat)).status_code == 404
    assert not Message.objects.filter(conversation=chat, direction="out").exists()


def test_webchat_settings_page_shows_the_embed_snippet_with_a_copy_button(workspace):
    admin: Agent = create_agent(
        workspace, email="titolare@negozio.it", password="password-123", role=Role.ADMIN
    )
    client = Client()
    client.force_login(admin.user)
    channel = make_webchat_channel(workspace.pk)
    page = client.get(reverse("web:settings_channel", kwargs={"channel_id": channel.pk}))
    assert page.status_code == 200
    body = html.unescape(page.content.decode())
    assert f'data-channel="{channel.config["webhook_key"]}"' in body
    assert 'data-copy="embed-snippet"' in body
    assert "widget.js" in body
