"""Messenger's and Instagram's files: a customer's photo or file comes as a link to Meta's
CDN, which expires within days, so the file is fetched (by ``meta_jobs``) and kept, as an
email's attachment is."""

from __future__ import annotations

from sportello.conversations.actions import complete_attachments
from sportello.conversations.models import Message
from sportello.outbound.errors import DeliveryError
from sportello.providers.common import http
from sportello.providers.common.storage import store_attachment

MAX_BYTES = 25 * 1024 * 1024
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "video/mp4": "mp4",
               "audio/mpeg": "mp3", "audio/mp4": "m4a", "application/pdf": "pdf"}  # fmt: skip


def download_attachments(message_id: int) -> None:
    """Fetch a received message's files from the URLs Meta gave (its CDN's links expire
    within days, so the file is kept, as an email's is). A file that cannot be fetched
    stays on the message with the reason; a 5xx raises for the job to retry."""
    row = Message.objects.filter(pk=message_id).values_list("workspace_id", "attachments").first()
    if row is None:
        return
    workspace_id, attachments = row
    updated = []
    for attachment in attachments or []:
        attachment = dict(attachment)
        if attachment.get("pending") and attachment.get("url"):
            try:
                response = http.call("GET", str(attachment["url"]))
                content = response.content
                if len(content) > MAX_BYTES:
                    raise DeliveryError(
                        f"the file is too big ({len(content)} bytes)", permanent=True
                    )
                digest, path = store_attachment(workspace_id, content)
                content_type = response.headers.get("content-type", "").split(";")[0].strip()
                extension = _EXTENSIONS.get(content_type, "bin")
                attachment.update(
                    sha256=digest,
                    path=path,
                    size=len(content),
                    content_type=content_type or "application/octet-stream",
                    filename=f"{attachment.get('kind') or 'file'}.{extension}",
                    pending=False,
                )
            except DeliveryError as exc:
                if not exc.permanent:
                    raise
                attachment.update(pending=False, error=exc.message[:500])
        updated.append(attachment)
    complete_attachments(message_id, updated)
