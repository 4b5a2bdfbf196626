"""The markup ``sportello.web.rows`` writes for inbox rows and timeline entries escapes
whatever customers and agents write; only the sanitised ``Message.html`` goes through."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from sportello.conversations import actions
from sportello.conversations.models import Conversation, Direction, Kind, Message
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest
from sportello.outbound.queries import DeliveryState
from sportello.web.rows import timeline_entry

pytestmark = pytest.mark.django_db

EVIL = "<img src=x onerror=alert(1)>"
WHEN = datetime(2025, 3, 4, 13, 5, tzinfo=ZoneInfo("UTC"))


def _reply(conversation: Conversation, state: DeliveryState | None) -> str:
    message = Message(
        pk=7,
        conversation=conversation,
        direction=Direction.OUTBOUND,
        kind=Kind.MESSAGE,
        sender_name="Giulia",
        text="Arriva domani",
        created_at=WHEN,
    )
    message.delivery_state = state  # type: ignore[attr-defined]
    with translation.override("it"):
        return str(timeline_entry(message, conversation))


def _state(status: str, attempts: int = 0, error: str = "") -> DeliveryState:
    return DeliveryState(
        status=status, attempts=attempts, last_error=error, next_attempt_at=None, sent_at=None
    )


def test_delivery_states_in_words_with_the_error_escaped(customer_writes):
    conversation = customer_writes()
    assert "delivery" not in _reply(conversation, None)
    assert '<footer class="delivery delivery-sent">Inviato</footer>' in _reply(
        conversation, _state("sent", 1)
    )
    failed = _reply(conversation, _state("failed", 5, f"550 {EVIL}"))
    assert "Non consegnato: 550 &lt;img src=x onerror=alert(1)&gt;" in failed
    assert "<img" not in failed
    assert "In invio…</footer>" in _reply(conversation, _state("queued"))
    assert "In invio… (2 tentativi falliti)" in _reply(conversation, _state("queued", 2))
    assert "In invio… (1 tentativo fallito)" in _reply(conversation, _state("sending", 1))


def test_sender_attachments_and_events_are_escaped(agent_client, agent, api_channel):
    result = ingest(
        InboundMessage(
            workspace_id=api_channel.workspace_id,
            channel_id=api_channel.pk,
            sender=Sender(name=f"Mario {EVIL}", email="mario@example.it"),
            text=f"Testo {EVIL}\r\nseconda riga",
            subject=f"Oggetto {EVIL}",
            external_id="rows-1",
            attachments=[{"filename": f"{EVIL}.pdf", "size": 2048}, {"filename": ""}],
        )
    )
    conversation = Conversation.objects.get(pk=result.conversation_id)
    actions.set_tags(conversation, agent, [f"<b>{EVIL}</b>"])
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert "<img" not in page and "<b>" not in page
    assert "Mario &lt;img src=x onerror=alert(1)&gt;" in page
    assert "Testo &lt;img src=x onerror=alert(1)&gt;<br>seconda riga" in page
    assert '&lt;img src=x onerror=alert(1)&gt;.pdf <span class="muted">(2,0\xa0KB)</span>' in page
    assert "<li>allegato</li>" in page
    assert "Tag: +&lt;b&gt;&lt;img" in page
    history = agent_client.get(f"/customers/{conversation.customer_id}/").content.decode()
    assert "<img" not in history
    assert '<span class="conv-subject">Oggetto &lt;img src=x onerror=alert(1)&gt;</span>' in history
    assert '<span class="conv-preview">Testo &lt;img' in history
