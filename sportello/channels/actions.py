"""The only writers of channels."""

from __future__ import annotations

from typing import Any

from django.utils.text import slugify

from sportello.channels.models import Channel


def ensure_channel(
    workspace_id: int, *, kind: str, name: str, slug: str = "", config: dict[str, Any] | None = None
) -> Channel:
    channel, _ = Channel.objects.get_or_create(
        workspace_id=workspace_id,
        slug=slug or slugify(name)[:60] or kind,
        defaults={"kind": kind, "name": name, "config": config or {}},
    )
    return channel
