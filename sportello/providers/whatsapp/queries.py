"""The read side of WhatsApp's templates: a channel's list, and what the reply box of a
conversation offers."""

from __future__ import annotations

from dataclasses import dataclass

from sportello.conversations.models import Conversation
from sportello.providers.whatsapp.models import TemplateStatus, WhatsAppTemplate


def channel_templates(channel_id: int) -> list[WhatsAppTemplate]:
    """Every template of the channel as last synced, by name then language."""
    return list(WhatsAppTemplate.objects.filter(channel_id=channel_id).order_by("name", "language"))


def approved_channel_templates(channel_id: int) -> list[WhatsAppTemplate]:
    """The channel's templates Meta approved, by name then language: what an agent may
    write first with."""
    return list(
        WhatsAppTemplate.objects.filter(
            channel_id=channel_id, status=TemplateStatus.APPROVED
        ).order_by("name", "language")
    )


def _language_rank(template: WhatsAppTemplate, language: str) -> int:
    code = template.language.lower().replace("-", "_")
    if language and code == language:
        return 0
    if language and code.split("_")[0] == language.split("_")[0]:
        return 1
    return 2


def approved_templates(conversation: Conversation) -> list[WhatsAppTemplate]:
    """The templates an agent can send on ``conversation``: approved ones, those in the
    conversation's language (else the customer's) first."""
    language = (conversation.language or "").lower()
    templates = WhatsAppTemplate.objects.filter(
        channel_id=conversation.channel_id, status=TemplateStatus.APPROVED
    ).order_by("name", "language")
    return sorted(templates, key=lambda t: _language_rank(t, language))


@dataclass(frozen=True)
class Variable:
    """A value the picker offers for a placeholder."""

    label: str
    value: str


def prefilled(conversation: Conversation, count: int, variables: list[Variable]) -> list[str]:
    """The picker's first guess for ``count`` placeholders: the ``variables`` in order
    (the customer's name, then the conversation's number), then empty (the agent types
    the rest)."""
    guesses = [v.value for v in variables]
    return [guesses[i] if i < len(guesses) else "" for i in range(count)]
