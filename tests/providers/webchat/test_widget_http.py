"""The widget's HTTP endpoints: origins, sessions, messages through the pipeline, replies
seen and receipts, limits, and one visitor never reading another's conversation."""

from __future__ import annotations

import pytest

from sportello.conversations.models import Conversation, Message
from sportello.customers.models import Identity
from sportello.ingest.models import RejectedInbound
from sportello.outbound.actions import send_reply
from sportello.outbound.models import Delivery
from sportello.providers.webchat import limits
from tests.providers.webchat.helpers import SHOP, Widget, make_webchat_channel

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def channel(workspace):
    return make_webchat_channel(workspace.pk, color="#aa3300", greeting={"it": "Ciao!"})


def test_channel_created_by_api_shows_its_embed_snippet(admin_api):
    created = admin_api.post(
        "/api/v1/channels",
        {
            "kind": "webchat",
            "name": "Chat",
            "slug": "chat",
            "config": {"allowed_origins": ["https://WWW.Negozio.it/"]},
        },
    )
    assert created.status_code == 201, created.json()
    listed = {c["slug"]: c for c in admin_api.get("/api/v1/channels").json()}
    snippet = listed["chat"]["embed_snippet"]
    assert snippet.startswith('<script src="') and "/static/webchat/widget.js" in snippet
    assert "async></script>" in snippet
    assert listed["chat"]["config"]["allowed_origins"] == ["https://www.negozio.it"]
    assert listed["api"]["embed_snippet"] is None


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"allowed_origins": []},
        {"allowed_origins": ["www.negozio.it"]},
        {"allowed_origins": ["https://negozio.it/chat"]},
        {"allowed_origins": [SHOP], "color": "red"},
        {"allowed_origins": [SHOP], "position": "top"},
    ],
)
def test_channel_config_is_refused_with_the_field_named(admin_api, config):
    answer = admin_api.post(
        "/api/v1/channels", {"kind": "webchat", "name": "Chat", "slug": "chat", "config": config}
    )
    assert answer.status_code == 422
    assert "config." in str(answer.json())


def test_a_site_not_allowed_is_refused_before_anything_is_read(channel):
    stranger = Widget(channel, origin="https://www.concorrente.it")
    assert stranger.get("config").status_code == 403
    assert stranger.post("session").status_code == 403
    no_origin = Widget(channel, origin="")
    assert no_origin.post("session").status_code == 403
    allowed = Widget(channel)
    answer = allowed.get("config")
    assert answer.status_code == 200
    assert answer["Access-Control-Allow-Origin"] == SHOP
    assert answer.json()["color"] == "#aa3300" and answer.json()["greeting"] == "Ciao!"


def test_preflight_names_the_token_header(channel):
    answer = Widget(channel).client.options(
        f"/hooks/webchat/{channel.config['webhook_key']}/messages"
    )
    assert answer.status_code == 204
    assert "X-Visitor-Token" in answer["Access-Control-Allow-Headers"]


def test_unknown_key_is_not_found(channel):
    widget = Widget(channel)
    widget.base = "/hooks/webchat/nessuna-chiave-di-questo-tipo/"
    assert widget.get("config").status_code == 404


def test_a_visitor_message_goes_through_the_pipeline_once(channel):
    widget = Widget(channel)
    widget.open()
    first = widget.post("messages", {"text": "Avete la taglia 42?", "client_id": "m1"})
    again = widget.post("messages", {"text": "Avete la taglia 42?", "client_id": "m1"})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    message = Message.objects.get(pk=first.json()["id"])
    assert message.channel_id == channel.pk and message.direction == "in"
    assert message.conversation.channel_id == channel.pk
    identity = Identity.objects.get(kind="webchat")
    assert widget.token not in identity.value  # only a digest of the token is kept
    assert Message.objects.filter(direction="in", kind="message").count() == 1


def test_a_returning_visitor_gets_the_history_and_the_agent_reply(
    channel, agent, django_capture_on_commit_callbacks
):
    widget = Widget(channel)
    widget.open()
    sent = widget.say("Il pacco è arrivato rotto").json()
    conversation = Conversation.objects.get(pk=Message.objects.get(pk=sent["id"]).conversation_id)
    with django_capture_on_commit_callbacks(execute=True):
        reply = send_reply(conversation, agent, "Ci scusi, le mandiamo un nuovo pacco")
    delivery = Delivery.objects.get(pk=reply.delivery.pk)
    assert delivery.status == "sent" and delivery.delivered_at is None

    polled = widget.get(f"messages?after={sent['id']}").json()
    assert [m["text"] for m in polled["messages"]] == ["Ci scusi, le mandiamo un nuovo pacco"]
    line = polled["messages"][0]
    assert line["author"] == "agent" and line["name"] == "Giulia Bianchi"
    assert set(line) == {"id", "author", "name", "text", "at", "attachments"}  # no agent email
    assert Delivery.objects.get(pk=delivery.pk).delivered_at is not None

    widget.post("read", {"until": polled["last_id"]})
    assert Delivery.objects.get(pk=delivery.pk).read_at is not None

    returning = Widget(channel)
    returning.token = widget.token
    history = returning.open()
    assert [m["author"] for m in history["messages"]] == ["visitor", "agent"]


def test_a_token_never_reads_another_visitors_conversation(channel):
    anna, bruno = Widget(channel), Widget(channel)
    anna.open()
    bruno.open()
    anna.say("Sono Anna, il mio indirizzo è via Roma 1", email="anna@example.it")
    # Bruno types Anna's email: it identifies nobody, and shows him nothing of hers.
    bruno.say("Ciao", email="anna@example.it")
    assert [m["text"] for m in bruno.get("messages?after=0").json()["messages"]] == ["Ciao"]
    assert [m["text"] for m in bruno.open()["messages"]] == ["Ciao"]
    assert Conversation.objects.count() == 2
    forged = Widget(channel)
    forged.token = "x" * 43
    assert forged.get("messages?after=0").json()["messages"] == []
    forged.token = "corto"
    assert forged.get("messages?after=0").status_code == 401


def test_bad_input_is_a_clear_4xx(channel):
    widget = Widget(channel)
    widget.open()
    assert widget.post("messages", {"text": "", "client_id": "a"}).status_code == 422
    assert widget.post("messages", {"text": "x" * 4001, "client_id": "b"}).status_code == 422
    assert widget.post("messages", {"text": "ciao", "client_id": "con spazi"}).status_code == 422
    assert (
        widget.post("messages", {"text": "ciao", "client_id": "c", "email": "no"}).status_code
        == 422
    )
    raw = widget.client.post(
        widget.base + "messages", b"{not json", content_type="application/json", **widget.headers()
    )
    assert raw.status_code == 400
    assert widget.get("messages?after=abc").status_code == 400
    assert widget.post("read", {"until": "tutto"}).status_code == 422


def test_images_and_pdfs_only_up_to_the_limit(channel):
    widget = Widget(channel)
    widget.open()

    def upload(name: str, content: bytes):
        return widget.client.post(
            widget.base + "messages",
            {"text": "", "client_id": name.replace(".", "-"), "file": _file(name, content)},
            **widget.headers(),
        )

    ok = upload("foto.png", PNG)
    assert ok.status_code == 201, ok.json()
    assert ok.json()["attachments"][0]["content_type"] == "image/png"
    assert upload("script.html", b"<script>alert(1)</script>").status_code == 422
    assert upload("grande.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024)).status_code == 413


def test_the_line_acknowledged_is_the_line_read_back(channel):
    """GIVEN a message with a file and one without, each sent twice
    WHEN the widget reads its history
    THEN each acknowledgement (built from the row just written, or read again for a
    replay) is exactly the line the history shows."""
    widget = Widget(channel)
    widget.open()
    fields = {"text": "Ecco la foto", "client_id": "foto-1", "file": _file("foto.png", PNG)}
    with_file = widget.client.post(widget.base + "messages", fields, **widget.headers()).json()
    plain = widget.post("messages", {"text": "  Mi dite?  ", "client_id": "m2"}).json()
    again = widget.post("messages", {"text": "  Mi dite?  ", "client_id": "m2"}).json()
    history = Widget(channel)
    history.token = widget.token
    shown = {m["id"]: m for m in history.open()["messages"]}
    for acknowledged in (with_file, plain, again):
        client_id = acknowledged.pop("client_id")
        assert client_id in ("foto-1", "m2")
        assert acknowledged == shown[acknowledged["id"]]
    assert plain == again and plain["text"] == "Mi dite?"


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_rate_limits_per_visitor_and_per_ip(channel, monkeypatch):
    monkeypatch.setattr(limits, "MESSAGES_PER_VISITOR", 3)
    widget = Widget(channel)
    widget.open()
    codes = [widget.say(f"messaggio {i}").status_code for i in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    monkeypatch.setattr(limits, "REQUESTS_PER_IP", 2)
    crowd = Widget(channel, ip="198.51.100.9")
    assert [crowd.get("config").status_code for _ in range(3)] == [200, 200, 429]
    assert Widget(channel, ip="198.51.100.10").get("config").status_code == 200
    assert not RejectedInbound.objects.exists()
