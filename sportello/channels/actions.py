"""The only writers of channels."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify

from sportello.audit.actions import record
from sportello.channels import registry
from sportello.channels.models import Channel
from sportello.channels.queries import secret_keys
from sportello.core.errors import Conflict, InvalidInput

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
KEEP = object()  # an argument left as it is


def _team_exists(workspace_id: int, team_id: object) -> bool:
    team_model = Channel._meta.get_field("default_team").related_model
    return bool(team_model._default_manager.filter(workspace_id=workspace_id, pk=team_id).exists())


def validate_channel_config(kind: str, config: Any) -> dict[str, Any]:
    """The provider settings of a channel, checked by its provider's rules
    (``Provider.validate_config``): what to store, or :class:`InvalidInput`."""
    rules = registry.provider(kind).validate_config
    if not isinstance(config, dict):
        raise InvalidInput("config must be an object")
    return rules(config)


def merge_secrets(old: Any, new: Any, keys: frozenset[str] | None = None) -> Any:
    """Secrets are never shown back (see ``channels.queries.redacted``): a config sent back
    with a secret left out or masked keeps the stored one."""
    keys = secret_keys() if keys is None else keys
    if isinstance(old, dict) and isinstance(new, dict):
        merged = dict(new)
        for key, value in old.items():
            if key in keys and (key not in new or new[key] in ("", "***")):
                merged[key] = value
            elif key in new:
                merged[key] = merge_secrets(value, new[key], keys)
        return merged
    return new


@transaction.atomic
def create_channel(
    workspace_id: int, *, kind: str, name: str, slug: str, config: dict[str, Any]
) -> Channel:
    registry.provider(kind)  # an unknown kind is refused before anything else
    if not _SLUG.match(slug):
        raise InvalidInput("slug: lower-case letters, digits and dashes, up to 60")
    if not name.strip():
        raise InvalidInput("name is empty")
    try:
        with transaction.atomic():
            channel = Channel.objects.create(
                workspace_id=workspace_id,
                kind=kind,
                name=name.strip()[:120],
                slug=slug,
                config=validate_channel_config(kind, config),
            )
    except IntegrityError:
        raise Conflict(f"a channel with slug {slug!r} exists already") from None
    _audit(channel, "channel.created", ["kind", "name", "slug", "config"])
    _tell_provider(channel)
    return channel


def _tell_provider(channel: Channel) -> None:
    """Run the provider's ``on_saved`` once the channel is committed (never for a channel
    that was rolled back)."""
    hook = registry.provider(channel.kind).on_saved
    if hook is not None:
        transaction.on_commit(lambda: hook(channel))


def _audit(channel: Channel, action: str, fields: list[str]) -> None:
    # The fields' names only: a channel's config holds passwords and tokens.
    detail = {"name": channel.name, "slug": channel.slug, "kind": channel.kind, "fields": fields}
    record(channel.workspace_id, action, target_type="channel", target_id=channel.pk, detail=detail)


@transaction.atomic
def update_channel(
    channel: Channel,
    *,
    name: str | None = None,
    config: dict[str, Any] | None = None,
    is_active: bool | None = None,
    default_team_id: int | object | None = KEEP,
) -> Channel:
    """Change what is given; ``default_team_id`` (a team of the channel's workspace, or
    None for no team) is left as it is unless given."""
    fields = []
    if name is not None:
        if not name.strip():
            raise InvalidInput("name is empty")
        channel.name = name.strip()[:120]
        fields.append("name")
    if config is not None:
        channel.config = validate_channel_config(
            channel.kind, merge_secrets(channel.config, config)
        )
        fields.append("config")
    if is_active is not None:
        channel.is_active = is_active
        fields.append("is_active")
    if default_team_id is not KEEP and default_team_id != channel.default_team_id:
        if default_team_id is not None and not _team_exists(channel.workspace_id, default_team_id):
            raise InvalidInput(f"unknown team {default_team_id}")
        channel.default_team_id = default_team_id  # type: ignore[assignment]
        fields.append("default_team")
    if fields:
        channel.save(update_fields=[*fields, "updated_at"])
        _audit(channel, "channel.updated", fields)
        if "config" in fields or "is_active" in fields:
            _tell_provider(channel)
    return channel


@transaction.atomic
def delete_channel(channel: Channel) -> None:
    """Delete a channel nothing was received or sent on; one with conversations or
    deliveries stays (their history names it): switch it off instead."""
    _audit(channel, "channel.deleted", [])
    try:
        with transaction.atomic():
            channel.delete()
    except ProtectedError:
        raise Conflict(
            f"channel {channel.slug!r} has conversations or deliveries: switch it off instead"
        ) from None


def ensure_channel(
    workspace_id: int, *, kind: str, name: str, slug: str = "", config: dict[str, Any] | None = None
) -> Channel:
    channel, _ = Channel.objects.get_or_create(
        workspace_id=workspace_id,
        slug=slug or slugify(name)[:60] or kind,
        defaults={"kind": kind, "name": name, "config": config or {}},
    )
    return channel
