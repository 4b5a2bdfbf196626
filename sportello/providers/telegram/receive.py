"""Taking a read Telegram update: messages through the ingest pipeline (once per
``<chat id>:<message id>``), edits onto the original message's timeline, the rest
recorded with the reason. Shared by the webhook and the polling job, so an update is
taken the same way however it came."""

from __future__ import annotations

from sportello.channels.models import Channel
from sportello.conversations.actions import record_event
from sportello.conversations.queries import message_replied_to
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.providers.common.webhooks import ignore, take
from sportello.providers.telegram.config import SOURCE
from sportello.providers.telegram.parse import CustomerMessage, Update

__all__ = ["SOURCE", "inbound_message", "new_tally", "take_message", "take_update"]


def new_tally() -> dict[str, int]:
    return {"messages": 0, "duplicates": 0, "revisions": 0, "ignored": 0}


def take_update(channel: Channel, update: Update, taken: dict[str, int]) -> None:
    def skip(reason: str, payload: object = None) -> None:
        ignore(
            source=SOURCE,
            reason=reason,
            payload=_json_safe(payload),
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
        )
        taken["ignored"] += 1

    for reason, fragment in update.ignored:
        skip(reason, fragment)
    for message in update.messages:
        take_message(channel, message, taken)
    for revision in update.revisions:
        original = message_replied_to(channel.workspace_id, [revision.original_id])
        if original is None:
            skip(
                "a message was edited, but Sportello never received it",
                {"id": revision.original_id},
            )
            continue
        record_event(
            original.conversation_id,
            "message_edited",
            once_on="telegram_update_id",
            telegram_update_id=revision.update_id,
            message_id=original.pk,
            text=revision.text,
        )
        taken["revisions"] += 1


def inbound_message(channel: Channel, message: CustomerMessage) -> InboundMessage:
    return InboundMessage(
        workspace_id=channel.workspace_id,
        channel_id=channel.pk,
        # The user id, not the @username: a username is optional and can change hands.
        sender=Sender(name=message.name, handles={"telegram": message.user_id}),
        text=message.text,
        external_id=message.external_id,
        sent_at=message.sent_at,
        references=message.references,
        attachments=message.attachments,
        data=message.data,
    )


def take_message(channel: Channel, message: CustomerMessage, taken: dict[str, int]) -> None:
    take(
        inbound_message(channel, message),
        source=SOURCE,
        channel=channel,
        taken=taken,
        fetch_media=_fetch_media,
    )


def _fetch_media(message_id: int, channel_id: int) -> None:
    # Imported here: the jobs module imports this one.
    from sportello.providers.telegram.jobs import fetch_media

    fetch_media(message_id, channel_id)


def _json_safe(value: object) -> object:
    return value if isinstance(value, dict | list | str | int | float | bool) else str(value)
