"""Domain events of feedback, published on commit by the actions."""

from __future__ import annotations

from dataclasses import dataclass

from sportello.core.events import Event


@dataclass(frozen=True)
class SurveyAnswered(Event):
    """A customer answered (or changed their answer to) a CSAT or NPS survey."""

    survey_id: int
    kind: str
    conversation_id: int
    customer_id: int
    score: int
