"""A phone channel and call events as a switchboard posts them, signed."""

from __future__ import annotations

import json
import time
from typing import Any

from django.test import Client

from sportello.channels.actions import create_channel
from sportello.channels.models import Channel
from sportello.providers.common.signed import signed_headers

SECRET = "il-segreto-del-centralino-rossi"
CALLER = "+39 347 123 4567"
CALLER_E164 = "+393471234567"
SHOP = "02 1234 5678"


def make_phone_channel(workspace_id: int, **config: Any) -> Channel:
    return create_channel(
        workspace_id,
        kind="phone",
        name="Centralino",
        slug="telefono",
        config={"secret": SECRET, **config},
    )


def hook_path(channel: Channel) -> str:
    return f"/hooks/phone/{channel.config['webhook_key']}/"


def call_event(event: str, call_id: str = "c-1", **fields: Any) -> dict[str, Any]:
    return {
        "event": event,
        "call_id": call_id,
        "direction": "inbound",
        "caller": CALLER,
        "called": SHOP,
        **fields,
    }


def post_event(
    client: Client,
    channel: Channel,
    body: Any,
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = signed_headers(raw, secret, int(time.time()) if timestamp is None else timestamp)
    return client.post(hook_path(channel), raw, content_type="application/json", **headers)
