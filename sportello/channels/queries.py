from __future__ import annotations

from sportello.channels.models import Channel
from sportello.core.errors import InvalidInput


def active_channel(workspace_id: int, slug: str) -> Channel:
    """The active channel an integration names, or a clear error."""
    channel = Channel.objects.filter(workspace_id=workspace_id, slug=slug, is_active=True).first()
    if channel is None:
        raise InvalidInput(f"unknown channel {slug!r}")
    return channel


def workspace_channels(workspace_id: int) -> list[Channel]:
    return list(Channel.objects.filter(workspace_id=workspace_id).order_by("name"))
