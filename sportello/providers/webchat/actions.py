"""What an agent does in a web chat beyond replying: offer a video call.

The meeting room is one per conversation, named from a random part no visitor can guess
(``<base>/sportello-<conversation number>-<random>``), on Jitsi Meet by default or on the
channel's ``video_base_url`` (a self-hosted Jitsi, say). The link is posted as the agent's
reply, so it is in the history, goes through the same sender (the widget, or email) and
reaches the visitor live.
"""

from __future__ import annotations

import secrets

from django.utils import translation
from django.utils.translation import gettext as _

from sportello.accounts.models import Agent
from sportello.channels.models import Channel
from sportello.conversations.models import Conversation
from sportello.core.errors import InvalidInput
from sportello.outbound.actions import SentReply, send_reply
from sportello.providers.webchat.config import DEFAULT_VIDEO_BASE_URL, read_config


def meeting_url(conversation: Conversation) -> str:
    channel = Channel.objects.filter(pk=conversation.channel_id).first()
    base = DEFAULT_VIDEO_BASE_URL
    if channel is not None and channel.kind == "webchat":
        base = read_config(channel.config).video_base_url
    return f"{base}/sportello-{conversation.number}-{secrets.token_urlsafe(9)}"


def offer_video_call(conversation: Conversation, agent: Agent) -> SentReply:
    """Post a meeting link to the customer as the agent's reply (in the conversation's
    language when it is known)."""
    if conversation.workspace_id != agent.workspace_id:
        raise InvalidInput("the conversation is not in the agent's workspace")
    url = meeting_url(conversation)
    language = conversation.language if conversation.language in ("it", "en") else "it"
    with translation.override(language):
        text = _("Join me on a video call: %(url)s") % {"url": url}
    return send_reply(conversation, agent, text)
