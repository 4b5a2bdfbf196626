"""A Messenger or Instagram channel pointed at a fake Graph API, and Meta's signed posts."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from django.test import Client

from sportello.channels.actions import create_channel
from sportello.channels.models import Channel
from sportello.providers.common.meta import sign
from tests.providers.fake_http import FakeProvider, Recorded, Reply

PAGE_ID = "12345654332"
APP_SECRET = "segreto-app-pagina"
TOKEN = "EAAP-token-pagina"
PSID = "987654321432"


def make_page_channel(workspace_id: int, kind: str, graph_url: str = "") -> Channel:
    config = {
        "page_id": PAGE_ID,
        "page_access_token": TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": "verifica",
    }
    if graph_url:
        config["graph_url"] = f"{graph_url}/v21.0"
    return create_channel(workspace_id, kind=kind, name=kind.title(), slug=kind, config=config)


def post_signed(client: Client, channel: Channel, body: Any, secret: str = APP_SECRET) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        f"/hooks/{channel.kind}/{channel.config['webhook_key']}/",
        raw,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sign(raw, secret),
    )


def page_body(kind: str, *events: dict[str, Any]) -> dict[str, Any]:
    now = int(time.time() * 1000)
    return {
        "object": "page" if kind == "messenger" else "instagram",
        "entry": [{"id": PAGE_ID, "time": now, "messaging": list(events)}],
    }


def customer_event(mid: str, text: str = "Ciao, avete la taglia M?", **message: Any) -> dict:
    return {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE_ID},
        "timestamp": int(time.time() * 1000),
        "message": {"mid": mid, "text": text, **message},
    }


def page_event(**event: Any) -> dict:
    return {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE_ID},
        "timestamp": int(time.time() * 1000),
        **event,
    }


def serve_send_api(fake: FakeProvider) -> str:
    ids = itertools.count(1)
    path = f"/v21.0/{PAGE_ID}/messages"

    def answer(request: Recorded) -> Reply:
        return Reply(json={"recipient_id": PSID, "message_id": f"m_inviato-{next(ids)}"})

    fake.route("POST", path, answer)
    return path
