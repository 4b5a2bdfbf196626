"""A Telegram channel pointed at a fake Bot API, and updates as Telegram posts them."""

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
from tests.providers.fake_http import FakeProvider, Recorded, Reply, fake_provider

BOT_TOKEN = "123456789:AAE-token-di-prova-del-negozio-rossi"
SECRET_TOKEN = "segreto-del-webhook-negozio-rossi"
CHAT_ID = 987654321
PHOTO_BYTES = b"\xff\xd8\xff\xe0 una foto del pacco danneggiato"


def make_telegram_channel(workspace_id: int, api_url: str = "", mode: str = "webhook") -> Channel:
    config = {"bot_token": BOT_TOKEN, "secret_token": SECRET_TOKEN, "mode": mode}
    if api_url:
        config["api_url"] = api_url
    return create_channel(
        workspace_id, kind="telegram", name="Telegram", slug="telegram", config=config
    )


def hook_path(channel: Channel) -> str:
    return f"/hooks/telegram/{channel.config['webhook_key']}/"


def post_update(
    client: Client, channel: Channel, body: Any, secret: str | None = SECRET_TOKEN
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret is not None else {}
    return client.post(hook_path(channel), raw, content_type="application/json", **headers)


_update_ids = itertools.count(5000)


def customer_update(
    message_id: int, *, update_id: int | None = None, **content: Any
) -> dict[str, Any]:
    """A customer's message in their private chat with the bot (``content``: its fields)."""
    person = {"id": CHAT_ID, "first_name": "Mario", "last_name": "Rossi", "username": "mariorossi"}
    message = {
        "message_id": message_id,
        "from": {**person, "is_bot": False, "language_code": "it"},
        "chat": {**person, "type": "private"},
        "date": int(time.time()),
        **(content or {"text": "Buongiorno, il pacco è arrivato rotto"}),
    }
    return {"update_id": update_id or next(_update_ids), "message": message}


class FakeBotApi:
    """The Bot API's few methods a Telegram channel uses, recorded."""

    def __init__(self, fake: FakeProvider) -> None:
        self.fake = fake
        self.url = fake.url
        self._ids = itertools.count(700)
        self.pending: list[dict[str, Any]] = []
        for method in ("sendMessage", "sendPhoto", "sendDocument"):
            fake.route("POST", self.path(method), self._sent)
        fake.route("POST", self.path("getUpdates"), self._updates)

    def path(self, method: str) -> str:
        return f"/bot{BOT_TOKEN}/{method}"

    def _sent(self, request: Recorded) -> Reply:
        return Reply(
            json={"ok": True, "result": {"message_id": next(self._ids), "chat": {"id": CHAT_ID}}}
        )

    def _updates(self, request: Recorded) -> Reply:
        """Telegram's rule: an offset confirms (drops) every earlier update."""
        offset = request.json().get("offset")
        if offset is not None:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        return Reply(json={"ok": True, "result": self.pending[:100]})

    def serve_file(self, file_id: str, content: bytes = PHOTO_BYTES) -> None:
        file_path = f"photos/{file_id}.jpg"
        self.fake.route(
            "POST",
            self.path("getFile"),
            Reply(
                json={
                    "ok": True,
                    "result": {
                        "file_id": file_id,
                        "file_size": len(content),
                        "file_path": file_path,
                    },
                }
            ),
        )
        self.fake.route(
            "GET",
            f"/file/bot{BOT_TOKEN}/{file_path}",
            Reply(body=content, content_type="image/jpeg"),
        )

    def sent(self, method: str = "sendMessage") -> list[Recorded]:
        return self.fake.sent("POST", self.path(method))


@contextmanager
def fake_bot_api() -> Iterator[FakeBotApi]:
    with fake_provider() as fake:
        yield FakeBotApi(fake)
