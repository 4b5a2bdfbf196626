"""The bot: a question in, a quoted article or a hand-over out. Any agent's token may ask
(the chat widget and the messaging channels call it on a customer's behalf)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from sportello.api.auth import current_agent
from sportello.api.schemas import Error, ValidationErrorOut
from sportello.bot.actions import ask
from sportello.core.errors import InvalidInput

router = Router(tags=["bot"])

MAX_QUESTION = 20_000  # past this it is no chat message: refused; past 1,000, handed over


class QuestionIn(Schema):
    question: str = Field(max_length=MAX_QUESTION, description="The customer's words")
    language: Literal["it", "en"] | None = Field(
        None, description="Answer in this language where a translation exists"
    )


class AnswerOut(Schema):
    answer: str | None = Field(description="Title, passage and link; null when handed over")
    article_id: int | None
    confidence: float = Field(description="0..1: how likely the article answers the question")
    handoff: bool = Field(description="A person takes over")
    reason: str = Field(
        description="answered, asked_for_person, instructions, too_long, language, not_confident"
    )
    language: str
    title: str
    passage: str
    url: str = Field(description="The article's help-center page")


@router.post("/answer", response={200: AnswerOut, 401: Error, 422: ValidationErrorOut})
def answer_question(request: HttpRequest, payload: QuestionIn):  # type: ignore[no-untyped-def]
    """The knowledge base's answer to a customer's question when the bot is confident of
    it, quoting the article in the question's language where translated; otherwise
    `handoff` is true and `answer` null. Asking for a person hands over at once."""
    agent = current_agent(request)
    if not payload.question.strip():
        raise InvalidInput("question: the question is empty")
    return ask(
        agent.workspace_id, agent.workspace.slug, payload.question, language=payload.language or ""
    )
