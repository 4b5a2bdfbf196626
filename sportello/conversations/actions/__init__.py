"""The only code that writes conversations and their messages.

Each action runs in a transaction, records a timeline event and publishes a domain event
on commit. API handlers, views, jobs and channel adapters call these; nothing else saves a
Conversation or a Message.
"""

from sportello.conversations.actions.bulk import BulkResult, Refused, bulk_update
from sportello.conversations.actions.forget import (
    Forgotten,
    anonymise_conversations,
    delete_conversations,
)
from sportello.conversations.actions.manage import (
    assign,
    set_priority,
    set_status,
    set_tags,
    update_conversation,
)
from sportello.conversations.actions.read import mark_read
from sportello.conversations.actions.receive import complete_attachments, receive_message
from sportello.conversations.actions.record import record_event
from sportello.conversations.actions.reply import (
    KeyReused,
    add_note,
    automatic_reply,
    earlier_reply,
    note_external_id,
    reply,
    reply_once,
)
from sportello.conversations.actions.sla import SlaChange, update_sla, update_sla_many

__all__ = [
    "BulkResult",
    "Forgotten",
    "KeyReused",
    "Refused",
    "SlaChange",
    "add_note",
    "anonymise_conversations",
    "assign",
    "automatic_reply",
    "bulk_update",
    "complete_attachments",
    "delete_conversations",
    "earlier_reply",
    "mark_read",
    "note_external_id",
    "receive_message",
    "record_event",
    "reply",
    "reply_once",
    "set_priority",
    "set_status",
    "set_tags",
    "update_conversation",
    "update_sla",
    "update_sla_many",
]
