"""Feedback's part of a customer's export and erasure, registered with ``privacy.holders``
at start-up (``apps.py``), as the phone provider registers its calls: privacy lists the
holders and never needs to know this app."""

from __future__ import annotations

from typing import Any

from sportello.feedback import actions, queries
from sportello.privacy.holders import PersonalData, register


def export_surveys(
    workspace_id: int, conversation_ids: list[int], _values: list[str]
) -> list[dict[str, Any]]:
    return [
        {
            "kind": s.kind,
            "status": s.status,
            "conversation_id": s.conversation_id,
            "channel_id": s.channel_id,
            "language": s.language,
            "sent_at": s.sent_at,
            "score": s.score,
            "comment": s.comment,
            "answered_at": s.answered_at,
        }
        for s in queries.surveys_of_conversations(workspace_id, conversation_ids)
    ]


def erase_surveys(workspace_id: int, conversation_ids: list[int], _values: list[str]) -> int:
    return actions.erase_answers(workspace_id, conversation_ids)


def register_personal_data() -> None:
    register(PersonalData(name="surveys", export=export_surveys, erase=erase_surveys))
