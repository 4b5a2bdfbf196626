from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from sportello.accounts.models import Agent
from sportello.api.auth import current_agent
from sportello.api.schemas import ChannelIn, ChannelOut, ChannelPatch, Error, ValidationErrorOut
from sportello.channels import actions
from sportello.channels.models import Channel
from sportello.channels.queries import (
    embed_snippet,
    get_channel,
    redacted,
    webhook_url,
    workspace_channels,
)
from sportello.core.errors import PermissionDenied

router = Router(tags=["channels"])


def _out(channel: Channel) -> dict[str, Any]:
    return {
        "id": channel.pk,
        "kind": channel.kind,
        "name": channel.name,
        "slug": channel.slug,
        "is_active": channel.is_active,
        "config": redacted(channel.config),
        "webhook_url": webhook_url(channel),
        "embed_snippet": embed_snippet(channel),
    }


def _admin(request: HttpRequest) -> Agent:
    agent = current_agent(request)
    if not agent.can_configure:
        raise PermissionDenied("only admins configure channels")
    return agent


@router.get("", response={200: list[ChannelOut], 401: Error})
def list_(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The workspace's channels, with their settings (secrets hidden)."""
    return [_out(c) for c in workspace_channels(current_agent(request).workspace_id)]


@router.post(
    "", response={201: ChannelOut, 401: Error, 403: Error, 409: Error, 422: ValidationErrorOut}
)
def create(request: HttpRequest, payload: ChannelIn):  # type: ignore[no-untyped-def]
    """Add a channel (admins). An email channel's config is checked: address, IMAP, SMTP."""
    agent = _admin(request)
    channel = actions.create_channel(
        agent.workspace_id,
        kind=payload.kind,
        name=payload.name,
        slug=payload.slug,
        config=payload.config,
    )
    return Status(201, _out(channel))


@router.patch(
    "/{rowid:channel_id}",
    response={200: ChannelOut, 401: Error, 403: Error, 404: Error, 422: ValidationErrorOut},
)
def patch(request: HttpRequest, channel_id: int, payload: ChannelPatch):  # type: ignore[no-untyped-def]
    """Rename, switch off or reconfigure a channel (admins)."""
    agent = _admin(request)
    channel = actions.update_channel(
        get_channel(agent.workspace_id, channel_id),
        name=payload.name,
        config=payload.config,
        is_active=payload.is_active,
    )
    return _out(channel)


@router.delete(
    "/{rowid:channel_id}",
    response={204: None, 401: Error, 403: Error, 404: Error, 409: Error},
)
def delete(request: HttpRequest, channel_id: int):  # type: ignore[no-untyped-def]
    """Delete a channel with no conversations (admins); one with history answers 409:
    switch it off (`is_active: false`) instead."""
    agent = _admin(request)
    actions.delete_channel(get_channel(agent.workspace_id, channel_id))
    return Status(204, None)
