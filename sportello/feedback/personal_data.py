"""Feedback's part of a customer's export and erasure, registered with ``privacy.holders``
at start-up (``apps.py``), as the phone provider registers its calls: privacy lists the
holders and never needs to know this app."""

from __future__ import annotations

from typing import Any

from sportello.feedback import actions, queries
from sportello.privacy.holders import PersonalData, Subject, register


def export_surveys(subject: Subject) -> list[dict[str, Any]]:
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
        for s in queries.surveys_of_conversations(subject.workspace_id, subject.conversation_ids)
    ]


def erase_surveys(subject: Subject) -> int:
    return actions.erase_answers(subject.workspace_id, subject.conversation_ids)


def register_personal_data() -> None:
    register(PersonalData(name="surveys", export=export_surveys, erase=erase_surveys))
