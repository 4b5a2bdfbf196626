"""Linking a repeat contact to the conversation where its matter began."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from sportello.audit import actions as audit
from sportello.conversations.actions import timeline
from sportello.conversations.events import RepeatContactFound
from sportello.conversations.models import (
    Conversation,
    ConversationLink,
    LinkKind,
    RepeatContactSettings,
)
from sportello.core import clock
from sportello.core.errors import InvalidInput
from sportello.core.events import publish


def link_repeat_contact(
    conversation: Conversation,
    earlier: Conversation,
    *,
    reason: str,
    score: float,
    reference: str = "",
) -> ConversationLink | None:
    """Record that ``conversation`` is a repeat contact about ``earlier``'s matter: the link
    (numbered after the contacts already linked to the same first conversation, under
    that conversation's row lock, so two repeats at once get 2 and 3), a
    ``repeat_contact`` event on both timelines and ``RepeatContactFound`` on commit.

    A conversation is linked once: a second call (a replayed event) returns ``None``."""
    with transaction.atomic():
        earlier_link = ConversationLink.objects.filter(conversation_id=earlier.pk).first()
        first_id = earlier_link.first_id if earlier_link is not None else earlier.pk
        first = Conversation.objects.select_for_update().get(pk=first_id)
        if ConversationLink.objects.filter(conversation_id=conversation.pk).exists():
            return None
        latest = ConversationLink.objects.filter(first_id=first_id).aggregate(
            n=Max("contact_number")
        )["n"]
        number = (latest or 1) + 1
        try:
            with transaction.atomic():
                link = ConversationLink.objects.create(
                    workspace_id=conversation.workspace_id,
                    conversation=conversation,
                    earlier=earlier,
                    first_id=first_id,
                    kind=LinkKind.REPEAT,
                    reason=reason,
                    reference=reference[:40],
                    score=round(score, 4),
                    contact_number=number,
                    created_at=clock.now(),
                )
        except IntegrityError:  # linked meanwhile by another process
            return None
        data: dict[str, Any] = {
            "contact_number": number,
            "reason": reason,
            "reference": reference[:40],
        }
        timeline.record(conversation, "repeat_contact", earlier_number=first.number, **data)
        timeline.record(first, "repeat_contact_later", later_number=conversation.number, **data)
        publish(
            RepeatContactFound(
                workspace_id=conversation.workspace_id,
                conversation_id=conversation.pk,
                earlier_id=earlier.pk,
                first_id=first_id,
                contact_number=number,
                reason=reason,
            )
        )
    return link


MAX_WINDOW_DAYS = 90


@transaction.atomic
def set_repeat_settings(workspace_id: int, *, is_enabled: bool, window_days: int) -> bool:
    """Whether new conversations are compared with the customer's earlier ones, and for how
    many days after one is resolved (1 to ``MAX_WINDOW_DAYS``). A change is audited (the
    settings page and ``PUT /api/v1/repeat-contacts`` alike); True when something changed.
    The new window applies to conversations opened from now on."""
    if isinstance(window_days, bool) or not isinstance(window_days, int):
        raise InvalidInput("window_days: a whole number of days")
    if not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise InvalidInput(f"window_days: between 1 and {MAX_WINDOW_DAYS}")
    settings, _ = RepeatContactSettings.objects.select_for_update().get_or_create(
        workspace_id=workspace_id
    )
    before = {"is_enabled": settings.is_enabled, "window_days": settings.window_days}
    after = {"is_enabled": bool(is_enabled), "window_days": window_days}
    changed = sorted(name for name in after if before[name] != after[name])
    if not changed:
        return False
    settings.is_enabled = bool(is_enabled)
    settings.window_days = window_days
    settings.save(update_fields=["is_enabled", "window_days"])
    audit.record(
        workspace_id,
        "repeat_contacts.settings_changed",
        target_type="repeat_contact_settings",
        target_id=settings.pk,
        detail={"changed": changed, "before": before, "after": after},
    )
    return True
