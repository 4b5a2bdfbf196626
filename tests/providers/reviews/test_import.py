"""Reviews into a channel by CSV (the API and the channel's page) and by the signed push;
config checked on save; bad rows told by line, the good ones kept; a second import adds
nothing."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.conversations.models import Conversation, Message
from sportello.ingest.models import RejectedInbound
from tests.factories import AgentFactory
from tests.providers.reviews import fixtures
from tests.providers.reviews.helpers import SECRET, make_reviews_channel, post_signed

pytestmark = pytest.mark.django_db


def _upload(client: Client, url: str, raw: bytes, token: str | None = None):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(url, {"file": SimpleUploadedFile("recensioni.csv", raw)}, **extra)


def test_the_config_is_checked_and_its_secrets_are_write_only(admin_api_client):
    config = {"feeds": ["https://recensioni.example.it/feed.xml"], "poll_minutes": 30}
    created = admin_api_client.post(
        "/api/v1/channels", {"kind": "reviews", "name": "R", "slug": "r", "config": config}
    )
    assert created.status_code == 201, created.json()
    shown = created.json()
    assert shown["config"]["secret"] == "***" and shown["webhook_url"].endswith("/")
    assert shown["config"]["feeds"] == config["feeds"]
    for wrong, field in (
        ({"feeds": ["ftp://x"]}, "feeds[0]"),
        ({"poll_minutes": 1}, "poll_minutes"),
        ({"reply_url": "javascript:alert(1)"}, "reply_url"),
        ({"reply_sources": ["Google Maps!"]}, "reply_sources"),
        ({"colour": "blu"}, "unknown key"),
    ):
        refused = admin_api_client.post(
            "/api/v1/channels", {"kind": "reviews", "name": "X", "slug": "x", "config": wrong}
        )
        assert refused.status_code == 422 and field in refused.json()["detail"]


def test_csv_through_the_api_keeps_good_rows_and_names_bad_lines(workspace):
    channel = make_reviews_channel(workspace.pk)
    admin = AgentFactory(workspace=workspace, role=Role.ADMIN)
    token = issue_token(admin)
    url = f"/api/v1/channels/{channel.pk}/reviews/import"
    answer = _upload(Client(), url, fixtures.CSV_IT, token)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["imported"] == 3 and body["duplicates"] == 0
    assert [r["where"] for r in body["rejected"]] == ["line 4", "line 5"]
    assert Conversation.objects.filter(channel=channel).count() == 3
    assert RejectedInbound.objects.filter(source="reviews", channel_id=channel.pk).count() == 2
    again = _upload(Client(), url, fixtures.CSV_IT, token).json()
    assert again["imported"] == 0 and again["duplicates"] == 3
    english = _upload(Client(), url, fixtures.CSV_EN, token).json()
    assert english["imported"] == 2 and english["rejected"][0]["where"] == "line 4"
    # A file that does not read is a clear 422, recorded; an agent may not import.
    bad = _upload(Client(), url, b"\xff\xfe\x00garbage", token)
    assert bad.status_code == 422 and "not UTF-8" in bad.json()["detail"]
    missing = Client().post(url, {}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert missing.status_code == 422 and "file" in missing.json()["detail"]
    agent_token = issue_token(AgentFactory(workspace=workspace, role=Role.AGENT))
    assert _upload(Client(), url, fixtures.CSV_IT, agent_token).status_code == 403


def test_csv_on_the_channel_page(workspace):
    channel = make_reviews_channel(workspace.pk)
    admin = AgentFactory(workspace=workspace, role=Role.ADMIN)
    client = Client()
    client.force_login(admin.user)
    page = client.get(f"/settings/channels/{channel.pk}/")
    assert page.status_code == 200 and b'enctype="multipart/form-data"' in page.content
    url = f"/settings/channels/{channel.pk}/reviews/import/"
    answer = _upload(client, url, fixtures.CSV_IT)
    html = answer.content.decode()
    assert answer.status_code == 200
    assert "riga 4" in html and "riga 5" in html  # the admin reads Italian
    assert Conversation.objects.filter(channel=channel).count() == 3
    bad = _upload(client, url, b"nome;colore\nMario;blu\n")
    assert (
        bad.status_code == 422
        and "non c&#39;è una colonna di testo o di voto" in bad.content.decode()
    )
    assert client.post(url, {}).status_code == 422


def test_the_signed_push(client, workspace):
    channel = make_reviews_channel(workspace.pk)
    items = json.loads(fixtures.JSON_ARRAY)
    answer = post_signed(client, channel, items)
    assert answer.status_code == 200
    assert answer.json()["imported"] == 2 and len(answer.json()["rejected"]) == 1
    one = post_signed(client, channel, items[0])
    assert one.json() == {"imported": 0, "duplicates": 1, "rejected": []}
    # Stars without words, and an address that is not one: taken, on the reviewer's handle.
    bare = {"id": "g-9", "source": "google", "rating": 5, "author": "Bea", "email": "bea@"}
    assert post_signed(client, channel, bare).json()["imported"] == 1
    assert Message.objects.get(external_id="google:g-9").text == ""
    message = Message.objects.get(external_id="google:g-2")
    assert message.data["rating"] == 4 and message.data["review"]["author"] == "Marco Greco"
    # Forged, unsigned, malformed, wrong method, unknown key: never a 500.
    assert post_signed(client, channel, items, secret="x" * 20).status_code == 403
    unsigned = client.post(
        f"/hooks/reviews/{channel.config['webhook_key']}/", b"[]", content_type="application/json"
    )
    assert unsigned.status_code == 403
    malformed = post_signed(client, channel, b"{not json")
    assert malformed.status_code == 200 and "malformed" in malformed.json()["ignored"]
    assert client.get(f"/hooks/reviews/{channel.config['webhook_key']}/").status_code == 405
    assert client.post("/hooks/reviews/nessuna-chiave-valida-qui/").status_code == 404
    assert RejectedInbound.objects.filter(source="reviews").count() >= 4
    assert SECRET not in json.dumps(answer.json())
