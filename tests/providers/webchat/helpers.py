"""A web chat channel and a visitor's widget, as the browser would talk to the server."""

from __future__ import annotations

import itertools
import json
from typing import Any

from django.test import Client

from sportello.channels.actions import create_channel
from sportello.channels.models import Channel

SHOP = "https://www.negozio.it"
_ids = itertools.count(1)


def make_webchat_channel(workspace_id: int, **config: Any) -> Channel:
    return create_channel(
        workspace_id,
        kind="webchat",
        name="Chat del sito",
        slug="chat",
        config={"allowed_origins": [SHOP], **config},
    )


class Widget:
    """One visitor's browser: an origin, a token once the session is open."""

    def __init__(self, channel: Channel, origin: str = SHOP, ip: str = "203.0.113.7") -> None:
        self.client = Client(HTTP_ORIGIN=origin, REMOTE_ADDR=ip)
        self.base = f"/hooks/webchat/{channel.config['webhook_key']}/"
        self.token = ""

    def headers(self) -> dict[str, str]:
        return {"HTTP_X_VISITOR_TOKEN": self.token} if self.token else {}

    def get(self, path: str) -> Any:
        return self.client.get(self.base + path, **self.headers())

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(
            self.base + path,
            json.dumps(body or {}),
            content_type="application/json",
            **self.headers(),
        )

    def open(self) -> dict[str, Any]:
        answer = self.post("session").json()
        self.token = answer["token"]
        return answer

    def say(self, text: str, **fields: Any) -> Any:
        return self.post("messages", {"text": text, "client_id": f"c{next(_ids)}", **fields})
