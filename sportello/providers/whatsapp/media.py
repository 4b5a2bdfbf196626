"""Fetching a customer's photo, voice note or document from the Graph API.

A media message names its file by a media id. Fetching it takes two calls to Meta
(``GET {graph_url}/{media_id}`` for a short-lived URL, then that URL, both with the access
token) and the file can be megabytes, so it runs as a job after the message is stored: the
webhook answers Meta at once, and the message shows its attachment as soon as the job has
it. A file that cannot be fetched stays on the message with the reason, for the agent.
"""

from __future__ import annotations

from typing import Any

from sportello.channels.models import Channel
from sportello.conversations.actions import complete_attachments
from sportello.conversations.models import Message
from sportello.core.errors import SportelloError
from sportello.outbound.errors import DeliveryError
from sportello.providers.common import http
from sportello.providers.common.meta import graph_error_text
from sportello.providers.common.storage import store_attachment
from sportello.providers.whatsapp.config import WhatsAppConfig, read_config

# WhatsApp's own limit on a document (the largest kind of media).
MAX_BYTES = 100 * 1024 * 1024


class MediaUnavailable(Exception):
    """Retrying will not help: the file is too big, or Meta no longer has it."""


def fetch(config: WhatsAppConfig, media_id: str) -> tuple[bytes, str]:
    """The file of ``media_id`` and its content type, as Meta has it."""
    try:
        info = http.call(
            "GET", config.endpoint(media_id), token=config.access_token, error_text=graph_error_text
        ).json()
        size = int(info.get("file_size") or 0)
        if size > MAX_BYTES:
            raise MediaUnavailable(f"the file is too big ({size} bytes)")
        url = str(info["url"])
        response = http.call("GET", url, token=config.access_token, error_text=graph_error_text)
    except DeliveryError as exc:
        if exc.permanent:
            raise MediaUnavailable(exc.message) from exc
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise MediaUnavailable(f"Meta's answer names no file: {exc}") from exc
    if len(response.content) > MAX_BYTES:
        raise MediaUnavailable(f"the file is too big ({len(response.content)} bytes)")
    return response.content, str(info.get("mime_type") or "")


def download_media(message_id: int, channel_id: int) -> bool:
    """Fetch the pending attachments of a received message; True when none is left
    pending (a failure that may pass, Meta's 5xx, raises for the job to retry)."""
    row = Message.objects.filter(pk=message_id).values_list("workspace_id", "attachments").first()
    channel = Channel.objects.filter(pk=channel_id).first()
    if row is None or channel is None:
        return True
    workspace_id, attachments = row
    try:
        config = read_config(channel.config)
    except SportelloError as exc:
        config, config_error = None, exc.message
    updated: list[dict[str, Any]] = []
    for attachment in attachments or []:
        attachment = dict(attachment)
        if attachment.get("pending") and attachment.get("media_id"):
            try:
                if config is None:
                    raise MediaUnavailable(f"the channel's configuration: {config_error}")
                content, content_type = fetch(config, str(attachment["media_id"]))
                digest, path = store_attachment(workspace_id, content)
                attachment.update(sha256=digest, path=path, size=len(content), pending=False)
                if content_type and not attachment.get("content_type"):
                    attachment["content_type"] = content_type
            except MediaUnavailable as exc:
                attachment.update(pending=False, error=str(exc)[:500])
        updated.append(attachment)
    complete_attachments(message_id, updated)
    return True
