"""What the agent UI and the API read of the phone channel."""

from __future__ import annotations

from sportello.providers.phone.models import Callback, CallbackStatus


def callback_of(workspace_id: int, conversation_id: int) -> Callback | None:
    """The conversation's open callback, else its latest one, else None."""
    return (
        Callback.objects.filter(workspace_id=workspace_id, conversation_id=conversation_id)
        .order_by("-status", "-pk")  # "open" sorts after "done"
        .first()
    )


def open_callbacks(workspace_id: int, limit: int = 100) -> list[Callback]:
    """The callbacks still owed, soonest due first."""
    return list(
        Callback.objects.filter(workspace_id=workspace_id, status=CallbackStatus.OPEN)
        .select_related("conversation")
        .order_by("due_at", "pk")[:limit]
    )
