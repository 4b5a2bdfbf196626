"""An SMS channel pointed at a fake gateway, and what the gateway posts, signed."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.test import Client

from sportello.channels.actions import create_channel
from sportello.channels.models import Channel
from sportello.providers.common.signed import signed_headers
from tests.providers.fake_http import FakeProvider, Recorded, Reply, fake_provider

SECRET = "il-segreto-del-gateway-sms-rossi"
API_KEY = "chiave-api-del-gateway"
SENDER = "+390212345678"
CUSTOMER = "+393471234567"


def make_sms_channel(workspace_id: int, api_url: str = "http://127.0.0.1:9") -> Channel:
    return create_channel(
        workspace_id,
        kind="sms",
        name="SMS",
        slug="sms",
        config={"api_url": api_url, "api_key": API_KEY, "sender": SENDER, "secret": SECRET},
    )


def hook_path(channel: Channel) -> str:
    return f"/hooks/sms/{channel.config['webhook_key']}/"


def post_signed(
    client: Client,
    channel: Channel,
    body: Any,
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
    content_type: str = "application/json",
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = signed_headers(raw, secret, int(time.time()) if timestamp is None else timestamp)
    return client.post(hook_path(channel), raw, content_type=content_type, **headers)


def sms(external_id: str = "m-1", text: str = "Buongiorno, il pacco?", **more: Any) -> dict:
    return {
        "type": "message",
        "id": external_id,
        "from": CUSTOMER,
        "to": SENDER,
        "text": text,
        **more,
    }


class FakeGateway:
    def __init__(self, fake: FakeProvider) -> None:
        self.fake = fake
        self.url = fake.url + "/v1"
        self._ids = itertools.count(1)
        fake.route("POST", "/v1/messages", self._sent)

    def _sent(self, request: Recorded) -> Reply:
        return Reply(201, {"id": f"gw-{next(self._ids)}", "status": "queued"})

    def sent(self) -> list[Recorded]:
        return self.fake.sent("POST", "/v1/messages")


@contextmanager
def fake_gateway() -> Iterator[FakeGateway]:
    with fake_provider() as fake:
        yield FakeGateway(fake)
