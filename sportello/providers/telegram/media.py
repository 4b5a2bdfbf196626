"""Fetching a customer's photo, voice note or document from Telegram.

A media message names its file by a ``file_id``. Fetching it takes two calls (``getFile``
for the file's path, then ``{api_url}/file/bot<token>/<path>``), and the file can be
megabytes, so it runs as a job after the message is stored: the webhook answers Telegram
at once. A file that cannot be fetched (bigger than the 20 MB the Bot API hands out, or
gone) stays on the message with the reason, for the agent.
"""

from __future__ import annotations

from typing import Any

from sportello.channels.models import Channel
from sportello.conversations.actions import complete_attachments
from sportello.conversations.models import Message
from sportello.core.errors import SportelloError
from sportello.outbound.errors import DeliveryError
from sportello.providers.common import http
from sportello.providers.common.storage import store_attachment
from sportello.providers.telegram import api
from sportello.providers.telegram.config import TelegramConfig, read_config

# The Bot API's limit on a file a bot may download.
MAX_BYTES = 20 * 1024 * 1024


class MediaUnavailable(Exception):
    """Retrying will not help: the file is too big, or Telegram no longer has it."""


def fetch(config: TelegramConfig, file_id: str) -> bytes:
    """The bytes of ``file_id``, as Telegram has them."""
    try:
        info = api.call(config, "getFile", json={"file_id": file_id})
        size = int(info.get("file_size") or 0)
        if size > MAX_BYTES:
            raise MediaUnavailable(f"the file is too big for a bot to download ({size} bytes)")
        response = http.call("GET", config.file_url(str(info["file_path"])))
    except DeliveryError as exc:
        if exc.permanent:
            raise MediaUnavailable(exc.message) from exc
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise MediaUnavailable(f"Telegram's answer names no file: {exc}") from exc
    if len(response.content) > MAX_BYTES:
        raise MediaUnavailable(f"the file is too big ({len(response.content)} bytes)")
    return response.content


def download_media(message_id: int, channel_id: int) -> bool:
    """Fetch the pending attachments of a received message; True when none is left
    pending (a failure that may pass, a 5xx, raises for the job to retry)."""
    row = Message.objects.filter(pk=message_id).values_list("workspace_id", "attachments").first()
    channel = Channel.objects.filter(pk=channel_id).first()
    if row is None or channel is None:
        return True
    workspace_id, attachments = row
    config: TelegramConfig | None = None
    config_error = ""
    try:
        config = read_config(channel.config)
    except SportelloError as exc:
        config_error = exc.message
    updated: list[dict[str, Any]] = []
    for attachment in attachments or []:
        attachment = dict(attachment)
        if attachment.get("pending") and attachment.get("file_id"):
            try:
                if config is None:
                    raise MediaUnavailable(f"the channel's configuration: {config_error}")
                content = fetch(config, str(attachment["file_id"]))
                digest, path = store_attachment(workspace_id, content)
                attachment.update(sha256=digest, path=path, size=len(content), pending=False)
            except MediaUnavailable as exc:
                attachment.update(pending=False, error=str(exc)[:500])
        updated.append(attachment)
    complete_attachments(message_id, updated)
    return True
