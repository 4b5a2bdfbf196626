"""What the bot does when asked: answer, and remember what it could not answer."""

from __future__ import annotations

from sportello.bot.answers import BotAnswer, answer
from sportello.knowledge.actions import record_unanswered

# Hand-overs that show a gap in the knowledge base (not a customer asking for a person,
# a letter too long for a chat, or another language).
GAPS = frozenset({"not_confident"})


def ask(workspace_id: int, workspace_slug: str, question: str, *, language: str = "") -> BotAnswer:
    """The bot's answer to a customer's question (:func:`answers.answer`); a question it
    handed over for want of an article is kept for the content report."""
    reply = answer(workspace_id, workspace_slug, question, language=language)
    if reply.reason in GAPS:
        record_unanswered(
            workspace_id, question=question, language=reply.language, confidence=reply.confidence
        )
    return reply
