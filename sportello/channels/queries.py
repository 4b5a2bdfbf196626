from __future__ import annotations

from typing import Any

from django.conf import settings

from sportello.channels import registry
from sportello.channels.models import Channel
from sportello.core import sql
from sportello.core.errors import InvalidInput, NotFound

_CHANNEL = sql.RowReader(Channel, "channel")
# An integration names a channel by its slug, unique in its workspace; only an active one
# takes messages. ``{workspace}`` is the workspace id's column or parameter.
_ACTIVE_CHANNEL_SQL = _CHANNEL.where(
    "channel.workspace_id = %s AND channel.slug = %s AND channel.is_active"
)
_CHANNELS_SQL = _CHANNEL.where("channel.workspace_id = %s", "channel.name, channel.id")
# A provider's webhook names its channel by the random key in its config. ``->>`` reads a
# JSON member as text on PostgreSQL and on SQLite (3.38+) alike.
_HOOKED_CHANNEL_SQL = _CHANNEL.where(
    "channel.kind = %s AND channel.is_active AND channel.config ->> 'webhook_key' = %s",
    "channel.id",
)

# Config keys whose values are never shown back by the API or the UI, whatever the provider;
# each provider adds its own (``Provider.secret_keys``).
SECRET_KEYS = frozenset(
    {"password", "secret", "token", "app_secret", "access_token", "verify_token"}
)


def active_channel(workspace_id: int, slug: str) -> Channel:
    """The active channel an integration names, or a clear error. Asked for every inbound
    message, so one plain query (``sql.RowReader``); the slug is unique per workspace."""
    row = sql.fetchone(_ACTIVE_CHANNEL_SQL, [workspace_id, slug])
    if row is None:
        raise InvalidInput(f"unknown channel {slug!r}")
    channel: Channel = _CHANNEL.build(row)
    return channel


def channel_for_webhook_key(kind: str, key: str) -> Channel | None:
    """The active channel of ``kind`` whose webhook key is ``key`` (a provider's webhook
    URL): asked for every webhook, so one plain query (an ORM JSON lookup cost 1.6 ms of
    query building a request, a third of a WhatsApp webhook's CPU)."""
    row = sql.fetchone(_HOOKED_CHANNEL_SQL, [kind, key])
    if row is None:
        return None
    channel: Channel = _CHANNEL.build(row)
    return channel


def workspace_channels(workspace_id: int) -> list[Channel]:
    """The workspace's channels by name (the inbox's channel filter): a plain query."""
    return _CHANNEL.build_rows(sql.fetchall(_CHANNELS_SQL, [workspace_id]))


def secret_keys() -> frozenset[str]:
    """The base set and every provider's: a key one provider keeps secret is hidden in any
    channel's config (hiding too much is harmless, showing a secret is not)."""
    return SECRET_KEYS.union(*(p.secret_keys for p in registry.providers()))


def redacted(config: Any, keys: frozenset[str] | None = None) -> Any:
    """A channel's config as it may be shown: passwords and tokens replaced by ``***``."""
    keys = secret_keys() if keys is None else keys
    if isinstance(config, dict):
        return {
            key: ("***" if key in keys and value else redacted(value, keys))
            for key, value in config.items()
        }
    if isinstance(config, list):
        return [redacted(item, keys) for item in config]
    return config


def get_channel(workspace_id: int, channel_id: int) -> Channel:
    channel = Channel.objects.filter(workspace_id=workspace_id, pk=channel_id).first()
    if channel is None:
        raise NotFound(f"channel {channel_id} not found")
    return channel


def webhook_url(channel: Channel) -> str | None:
    """Where the channel's provider posts its webhooks (``Provider.webhook_path`` under
    ``SPORTELLO_BASE_URL``), or None when its kind takes no webhooks."""
    try:
        path_of = registry.provider(channel.kind).webhook_path
    except InvalidInput:
        return None
    path = path_of(channel.config) if path_of is not None else None
    return None if path is None else settings.BASE_URL.rstrip("/") + path


def embed_snippet(channel: Channel) -> str | None:
    """The HTML that embeds the channel in a website (``Provider.embed_snippet``), or None."""
    try:
        snippet_of = registry.provider(channel.kind).embed_snippet
    except InvalidInput:
        return None
    return snippet_of(channel.config) if snippet_of is not None else None


def channels_by_id(workspace_id: int, ids: list[int]) -> list[Channel]:
    """The workspace's channels of ``ids``, in that order (a merged conversation's reply
    box lists the channels a reply can go out on)."""
    found = {c.pk: c for c in Channel.objects.filter(workspace_id=workspace_id, pk__in=ids)}
    return [found[i] for i in ids if i in found]
