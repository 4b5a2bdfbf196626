"""The generic API channel: an integration posts JSON, this turns it into an InboundMessage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sportello.channels import registry
from sportello.channels.models import Channel
from sportello.core.errors import InvalidInput
from sportello.core.html import sanitize_html
from sportello.ingest.inbound import InboundMessage, Sender

if TYPE_CHECKING:
    from sportello.api.schemas import InboundIn


def to_inbound(channel: Channel, payload: InboundIn) -> InboundMessage:
    """The message an integration posted on ``channel``, of any kind: a bare ``handle`` is
    an identity of the kind the channel's provider says (``Provider.identity_kind``).

    HTML flattened or cut by the sanitiser's limits is noted in ``data["warnings"]``, so an
    agent knows the rendered copy is not the whole markup (``text`` is kept as posted)."""
    sender = payload.sender
    handles = {}
    if sender.handle and sender.handle.strip():
        handles[registry.provider(channel.kind).identity_kind] = sender.handle.strip()
    inbound_sender = Sender(
        name=(sender.name or "").strip(),
        email=(sender.email or "").strip(),
        phone=(sender.phone or "").strip(),
        handles=handles,
    )
    if inbound_sender.is_empty():
        raise InvalidInput("sender: give at least one of email, phone or handle")
    warnings: list[str] = []
    html = sanitize_html(payload.html, warnings) if payload.html else ""
    return InboundMessage(
        workspace_id=channel.workspace_id,
        channel_id=channel.pk,
        sender=inbound_sender,
        text=payload.text,
        html=html,
        subject=(payload.subject or "").replace("\r", " ").replace("\n", " ").strip(),
        external_id=payload.external_id,
        sent_at=payload.sent_at,
        references=[payload.in_reply_to] if payload.in_reply_to else [],
        data={"warnings": warnings} if warnings else {},
    )
