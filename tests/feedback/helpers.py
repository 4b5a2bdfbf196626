"""Conversations and surveys made directly, for the tests that need a known data set
rather than a flow."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

from sportello.channels.models import Channel
from sportello.conversations.models import Conversation
from sportello.feedback import wording
from sportello.feedback.models import Survey, SurveyStatus
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest

_numbers = count(1)


def conversation(channel: Channel, email: str = "") -> Conversation:
    """A new conversation on ``channel``, of a new customer unless ``email`` is given."""
    n = next(_numbers)
    email = email or f"cliente{n}@example.it"
    result = ingest(
        InboundMessage(
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
            sender=Sender(name="Mario Rossi", email=email),
            text=f"Domanda numero {n} sul mio ordine",
            external_id=f"known-{n}",
        ),
        source="test",
    )
    return Conversation.objects.get(pk=result.conversation_id)


def sent_survey(
    on: Conversation,
    *,
    kind: str = "csat",
    sent_at: datetime,
    score: int | None = None,
    agent_id: int | None = None,
    comment: str = "",
) -> tuple[Survey, str]:
    """A survey sent at ``sent_at`` (answered with ``score`` an hour later), and its
    link's token."""
    token, digest = wording.new_token()
    answered = sent_at + timedelta(hours=1) if score is not None else None
    survey = Survey.objects.create(
        workspace_id=on.workspace_id,
        kind=kind,
        status=SurveyStatus.SENT,
        customer_id=on.customer_id,
        conversation_id=on.pk,
        channel_id=on.channel_id,
        agent_id=agent_id,
        language="it",
        token_hash=digest,
        created_at=sent_at,
        due_at=sent_at,
        sent_at=sent_at,
        expires_at=sent_at + timedelta(days=30),
        score=score,
        comment=comment,
        answered_at=answered,
        first_answered_at=answered,
    )
    return survey, token
