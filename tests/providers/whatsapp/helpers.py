"""A WhatsApp channel pointed at a fake Graph API, and webhooks as Meta signs them."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.test import Client

from sportello.channels.actions import create_channel
from sportello.channels.models import Channel
from sportello.providers.common.meta import sign
from tests.providers.fake_http import FakeProvider, Recorded, Reply, fake_provider

PHONE_NUMBER_ID = "106540352242922"
APP_SECRET = "il-segreto-dell-app-meta"
VERIFY_TOKEN = "negozio-rossi-verifica"
ACCESS_TOKEN = "EAAG-token-di-prova"
VERSION = "v21.0"
MEDIA_BYTES = b"\xff\xd8\xff\xe0 una foto del pacco danneggiato"


def make_whatsapp_channel(
    workspace_id: int, graph_url: str = "", slug: str = "whatsapp"
) -> Channel:
    config = {
        "phone_number_id": PHONE_NUMBER_ID,
        "access_token": ACCESS_TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
    }
    if graph_url:
        config["graph_url"] = f"{graph_url}/{VERSION}"
    return create_channel(workspace_id, kind="whatsapp", name="WhatsApp", slug=slug, config=config)


def hook_path(channel: Channel) -> str:
    return f"/hooks/whatsapp/{channel.config['webhook_key']}/"


def post_signed(client: Client, channel: Channel, body: Any, secret: str = APP_SECRET) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        hook_path(channel),
        raw,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sign(raw, secret),
    )


def webhook_body(value: dict[str, Any], field: str = "messages") -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "390612345678", "phone_number_id": PHONE_NUMBER_ID},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": field}]}],
    }


def customer_message(
    wamid: str,
    kind: str = "text",
    *,
    wa_id: str = "393331234567",
    name: str = "Mario Rossi",
    timestamp: int | None = None,
    **content: Any,
) -> dict[str, Any]:
    """A customer's message as Meta posts it (``content`` is the kind's object)."""
    import time

    message: dict[str, Any] = {
        "from": wa_id,
        "id": wamid,
        "timestamp": str(timestamp or int(time.time())),
        "type": kind,
    }
    message.update(content or {"text": {"body": "Buongiorno, il pacco è arrivato rotto"}})
    return webhook_body(
        {"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [message]}
    )


def status_update(wamid: str, status: str, **extra: Any) -> dict[str, Any]:
    import time

    return webhook_body(
        {
            "statuses": [
                {
                    "id": wamid,
                    "status": status,
                    "timestamp": str(int(time.time())),
                    "recipient_id": "393331234567",
                    **extra,
                }
            ]
        }
    )


class FakeGraph:
    """The Graph API's few endpoints a WhatsApp channel uses, recorded."""

    def __init__(self, fake: FakeProvider) -> None:
        self.fake = fake
        self.url = fake.url
        self.messages_path = f"/{VERSION}/{PHONE_NUMBER_ID}/messages"
        self.media_path = f"/{VERSION}/{PHONE_NUMBER_ID}/media"
        self._ids = itertools.count(1)
        fake.route("POST", self.messages_path, self._message)
        fake.route("POST", self.media_path, lambda _: Reply(json={"id": "caricato-1"}))

    def _message(self, request: Recorded) -> Reply:
        body = request.json()
        return Reply(
            json={
                "messaging_product": "whatsapp",
                "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                "messages": [{"id": f"wamid.inviato-{next(self._ids)}"}],
            }
        )

    def serve_media(
        self, media_id: str, content: bytes = MEDIA_BYTES, mime: str = "image/jpeg"
    ) -> None:
        file_path = f"/files/{media_id}"
        self.fake.route(
            "GET",
            f"/{VERSION}/{media_id}",
            Reply(
                json={
                    "messaging_product": "whatsapp",
                    "url": f"{self.url}{file_path}",
                    "mime_type": mime,
                    "file_size": len(content),
                    "id": media_id,
                }
            ),
        )
        self.fake.route("GET", file_path, Reply(body=content, content_type=mime))

    def sent_messages(self) -> list[Recorded]:
        return self.fake.sent("POST", self.messages_path)


@contextmanager
def fake_graph() -> Iterator[FakeGraph]:
    with fake_provider() as fake:
        yield FakeGraph(fake)
