"""A reviews channel pointed at a fake site (feeds and a reply webhook on 127.0.0.1)."""

from __future__ import annotations

import hashlib
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

SECRET = "il-segreto-delle-recensioni-gino"
REPLY_SECRET = "il-segreto-delle-risposte-gino"


def make_reviews_channel(workspace_id: int, **config: Any) -> Channel:
    return create_channel(
        workspace_id,
        kind="reviews",
        name="Recensioni",
        slug="recensioni",
        config={"secret": SECRET, **config},
    )


def hook_path(channel: Channel) -> str:
    return f"/hooks/reviews/{channel.config['webhook_key']}/"


def post_signed(client: Client, channel: Channel, body: Any, *, secret: str = SECRET) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = signed_headers(raw, secret, int(time.time()))
    return client.post(hook_path(channel), raw, content_type="application/json", **headers)


class FakeSite:
    """Feeds served with an ETag (a 304 to a request that names it), and a reply webhook
    that answers ``{"id": "reply-N"}``."""

    def __init__(self, fake: FakeProvider) -> None:
        self.fake = fake
        self.url = fake.url
        self.feeds: dict[str, bytes] = {}
        self._replies = 0
        fake.route("POST", "/replies", self._reply)

    def serve(self, path: str, body: bytes, content_type: str = "application/rss+xml") -> str:
        self.feeds[path] = body

        def answer(request: Recorded) -> Reply:
            current = self.feeds[path]
            etag = '"' + hashlib.sha256(current).hexdigest()[:16] + '"'
            if request.header("if-none-match") == etag:
                return Reply(304, body=b"", headers={"ETag": etag}, content_type=content_type)
            return Reply(200, body=current, headers={"ETag": etag}, content_type=content_type)

        self.fake.route("GET", path, answer)
        return self.url + path

    def _reply(self, request: Recorded) -> Reply:
        self._replies += 1
        return Reply(201, {"id": f"reply-{self._replies}"})

    def replies(self) -> list[Recorded]:
        return self.fake.sent("POST", "/replies")

    def reads(self, path: str) -> list[Recorded]:
        return self.fake.sent("GET", path)


@contextmanager
def fake_site() -> Iterator[FakeSite]:
    with fake_provider() as fake:
        yield FakeSite(fake)
