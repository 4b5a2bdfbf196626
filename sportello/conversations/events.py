"""Domain events of conversations, published on commit by the actions."""

from __future__ import annotations

from dataclasses import dataclass

from sportello.core.events import Event


@dataclass(frozen=True)
class ConversationEvent(Event):
    conversation_id: int


@dataclass(frozen=True)
class ConversationOpened(ConversationEvent):
    customer_id: int
    channel_id: int


@dataclass(frozen=True)
class MessageReceived(ConversationEvent):
    message_id: int
    customer_id: int


@dataclass(frozen=True)
class ReplySent(ConversationEvent):
    message_id: int
    agent_id: int | None
    is_first_reply: bool


@dataclass(frozen=True)
class AutomaticReplySent(ConversationEvent):
    """The system wrote to the customer (an acknowledgement): not an agent's reply, so no
    reply clock is met by it."""

    message_id: int
    reason: str


@dataclass(frozen=True)
class NoteAdded(ConversationEvent):
    message_id: int
    agent_id: int | None


@dataclass(frozen=True)
class ConversationAssigned(ConversationEvent):
    assignee_id: int | None
    team_id: int | None


@dataclass(frozen=True)
class StatusChanged(ConversationEvent):
    old: str
    new: str


@dataclass(frozen=True)
class ConversationUpdated(ConversationEvent):
    fields: tuple[str, ...]


@dataclass(frozen=True)
class RepeatContactFound(ConversationEvent):
    """A new conversation is about the same matter as an earlier one of its customer
    (``conversation.repeat_contact``): ``contact_number`` is 2 for the first repeat."""

    earlier_id: int
    first_id: int
    contact_number: int
    reason: str
