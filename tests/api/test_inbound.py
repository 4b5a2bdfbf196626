"""The generic inbound channel, as an integration uses it."""

from __future__ import annotations

import json

import pytest

from sportello.conversations.models import Conversation, Message
from sportello.customers.models import Customer, Identity
from sportello.ingest.models import InboundRecord, RejectedInbound

pytestmark = pytest.mark.django_db


def test_inbound_creates_customer_conversation_and_message(inbound):
    response = inbound(external_id="shop-1", subject="Ordine 1042 in ritardo")
    assert response.status_code == 201
    body = response.json()
    assert body["duplicate"] is False
    conversation = Conversation.objects.get(pk=body["conversation_id"])
    assert conversation.subject == "Ordine 1042 in ritardo"
    assert conversation.customer_id == body["customer_id"]
    assert conversation.language == "it"
    message = Message.objects.get(pk=body["message_id"])
    assert message.direction == "in" and message.external_id == "shop-1"
    assert Identity.objects.get(customer_id=body["customer_id"]).value == "mario@example.it"


def test_same_external_id_again_returns_the_original_ids(inbound):
    first = inbound(external_id="shop-2").json()
    again = inbound(external_id="shop-2", text="a different body, same id")
    assert again.status_code == 200
    assert again.json() == {**first, "duplicate": True}
    assert Message.objects.filter(kind="message").count() == 1
    assert InboundRecord.objects.count() == 1


def test_messages_without_external_id_are_never_deduplicated(inbound):
    inbound(text="primo messaggio del cliente")
    inbound(text="primo messaggio del cliente")
    assert Message.objects.filter(kind="message").count() == 2


def test_second_message_threads_into_open_conversation(inbound):
    first = inbound(external_id="a").json()
    second = inbound(external_id="b", text="Ci sono novità?").json()
    assert second["conversation_id"] == first["conversation_id"]
    assert Conversation.objects.get(pk=first["conversation_id"]).message_count == 2


def test_in_reply_to_threads_by_external_id(api, inbound):
    first = inbound(external_id="thread-root").json()
    # Same person, other address: the explicit reference still threads it.
    reply = api.post(
        "/api/v1/inbound",
        {
            "channel": "api",
            "external_id": "thread-reply",
            "in_reply_to": "thread-root",
            "sender": {"email": "mario.rossi@lavoro.it"},
            "text": "Vi scrivo dall'indirizzo del lavoro",
        },
    ).json()
    assert reply["conversation_id"] == first["conversation_id"]


def test_email_is_normalised_so_case_finds_the_same_customer(api, inbound):
    first = inbound().json()
    second = api.post(
        "/api/v1/inbound",
        {"channel": "api", "sender": {"email": "  MARIO@Example.IT "}, "text": "Sono sempre io"},
    ).json()
    assert second["customer_id"] == first["customer_id"]
    assert Customer.objects.count() == 1


def test_phone_and_email_of_one_message_join_one_customer(api):
    first = api.post(
        "/api/v1/inbound",
        {
            "channel": "api",
            "sender": {"email": "anna@example.it", "phone": "333 123 4567"},
            "text": "Buongiorno",
        },
    ).json()
    by_phone = api.post(
        "/api/v1/inbound",
        {"channel": "api", "sender": {"phone": "+39 333 1234567"}, "text": "Vi chiamo io"},
    ).json()
    assert by_phone["customer_id"] == first["customer_id"]
    values = set(Identity.objects.values_list("kind", "value"))
    assert values == {("email", "anna@example.it"), ("phone", "+393331234567")}


def test_reply_to_resolved_conversation_reopens_it(api, inbound):
    first = inbound(external_id="r1").json()
    api.patch(f"/api/v1/conversations/{first['conversation_id']}", {"status": "resolved"})
    again = inbound(external_id="r2", in_reply_to="r1", text="Non ho ancora ricevuto nulla").json()
    assert again["conversation_id"] == first["conversation_id"]
    conversation = Conversation.objects.get(pk=first["conversation_id"])
    assert conversation.status == "open" and conversation.resolved_at is None
    assert Message.objects.filter(conversation=conversation, event="status_changed").count() == 2


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"channel": "api", "text": "ciao"}, "sender"),
        (
            {"channel": "api", "sender": {"name": "Solo nome"}, "text": "ciao"},
            "email, phone or handle",
        ),
        ({"channel": "nessuno", "sender": {"email": "a@b.it"}, "text": "ciao"}, "unknown channel"),
        ({"channel": "api", "sender": {"email": "non-una-email"}, "text": "ciao"}, "not an email"),
        ({"channel": "api", "sender": {"email": "a@b.it"}, "text": "   "}, "text is empty"),
        ({"channel": "api", "sender": {"email": "a@b.it"}}, "text"),
        ({"channel": "api", "sender": {"email": "a@b.it"}, "text": 42}, "text"),
    ],
)
def test_invalid_payloads_get_a_readable_422_and_a_record(api, body, expected):
    response = api.post("/api/v1/inbound", body)
    assert response.status_code == 422
    assert expected in response.json()["detail"]
    assert RejectedInbound.objects.filter(source="api").count() == 1
    assert Message.objects.filter(kind="message").count() == 0


def test_malformed_json_is_a_422_with_a_message(api):
    response = api.client.post(
        "/api/v1/inbound",
        b'{"channel": "api", "text": ',
        content_type="application/json",
        **api.headers,
    )
    assert response.status_code == 422  # as documented: a body no schema can read
    assert response.json()["detail"] == "the body is not valid JSON"
    assert RejectedInbound.objects.get().stage == "edge"


def test_text_over_one_megabyte_is_refused(api):
    response = api.post(
        "/api/v1/inbound",
        {"channel": "api", "sender": {"email": "a@b.it"}, "text": "x" * 1_000_001},
    )
    assert response.status_code == 422
    assert "text" in response.json()["detail"]


def test_body_over_the_request_limit_is_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    response = api.post(
        "/api/v1/inbound", {"channel": "api", "sender": {"email": "a@b.it"}, "text": "x" * 200_000}
    )
    assert response.status_code == 413


@pytest.mark.parametrize("header", ["Bearer nope", ""])
def test_an_oversized_body_without_a_valid_token_is_refused_clearly(settings, header):
    # Refused for its token (or, with none, for the session's CSRF check) before its size:
    # the refusal is recorded without reading the body, which would raise and turn the
    # answer into a bare 400.
    from django.test import Client

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/inbound",
        json.dumps({"channel": "api", "sender": {"email": "a@b.it"}, "text": "x" * 5_000}),
        content_type="application/json",
        HTTP_AUTHORIZATION=header,
    )
    assert response.status_code in (401, 403)
    assert response.json()["detail"]
    assert RejectedInbound.objects.filter(reason__contains="too large").exists() == (
        response.status_code == 403
    )


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ", "Basic abc", ""])
def test_invalid_token_is_401(inbound, header, client):
    response = client.post(
        "/api/v1/inbound",
        json.dumps({"channel": "api", "sender": {"email": "a@b.it"}, "text": "ciao"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=header,
    )
    assert response.status_code == 401
    assert "token" in response.json()["detail"]


def test_good_messages_around_a_bad_one_are_kept(api, inbound):
    assert inbound(external_id="ok-1").status_code == 201
    assert (
        api.post("/api/v1/inbound", {"channel": "api", "sender": {}, "text": "x"}).status_code
        == 422
    )
    assert inbound(external_id="ok-2").status_code == 201
    assert Message.objects.filter(kind="message").count() == 2


def test_html_from_an_integration_is_sanitised(inbound):
    from sportello.conversations.models import Message

    body = inbound(
        html='<p onclick="steal()">Ciao</p><script>alert(1)</script><a href="javascript:x">l</a>'
    ).json()
    html = Message.objects.get(pk=body["message_id"]).html
    assert "Ciao" in html
    assert "script" not in html and "onclick" not in html and "javascript" not in html


def test_a_returning_customers_message_stays_within_its_statement_budget(inbound):
    """GIVEN a customer with an open conversation, and a token used a moment ago
    WHEN they write again through the API
    THEN it costs a fixed number of statements, whatever the customer's history: the
    token, the channel, the raw record, the customer, their open conversation, the message
    and the writes after it (pipelined on PostgreSQL), and the transaction's own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert inbound(external_id="q-1").status_code == 201
    with CaptureQueriesContext(connection) as captured:
        response = inbound(external_id="q-2")
    assert response.status_code == 201
    assert len(captured) <= 12, "\n".join(q["sql"][:120] for q in captured)
    assert response.json()["conversation_id"] == Conversation.objects.get().pk


def test_a_new_customers_message_and_a_replay_stay_within_their_statement_budgets(inbound):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert inbound(external_id="warm", sender={"email": "primo@example.it"}).status_code == 201
    with CaptureQueriesContext(connection) as new:
        assert inbound(external_id="n-1", sender={"email": "nuovo@example.it"}).status_code == 201
    with CaptureQueriesContext(connection) as replay:
        assert inbound(external_id="n-1", sender={"email": "nuovo@example.it"}).status_code == 200
    assert len(new) <= 15, "\n".join(q["sql"][:120] for q in new)
    assert len(replay) <= 6, "\n".join(q["sql"][:120] for q in replay)


@pytest.mark.parametrize("slug", ["spento", "altrove", "nessuno"])
def test_a_channel_must_be_active_and_in_the_agents_workspace(api, workspace, slug):
    from sportello.channels.actions import ensure_channel
    from sportello.core.models import Workspace

    off = ensure_channel(workspace.pk, kind="api", name="Spento", slug="spento")
    off.is_active = False
    off.save()
    elsewhere = Workspace.objects.create(name="Altro negozio", slug="altro")
    ensure_channel(elsewhere.pk, kind="api", name="Altrove", slug="altrove")
    response = api.post(
        "/api/v1/inbound", {"channel": slug, "sender": {"email": "a@b.it"}, "text": "ciao"}
    )
    assert response.status_code == 422
    assert "unknown channel" in response.json()["detail"]
    assert RejectedInbound.objects.get().workspace_id == workspace.pk
    assert Message.objects.filter(kind="message").count() == 0


def test_a_bad_token_with_a_bad_body_is_still_401(client):
    for body in (b'{"channel": "api", "text": ', b'["api"]', b'{"channel": 7}'):
        response = client.post(
            "/api/v1/inbound", body, content_type="application/json", HTTP_AUTHORIZATION="Bearer x"
        )
        assert response.status_code == 401
    assert not RejectedInbound.objects.exists()


def test_a_signed_in_agent_posts_inbound_with_the_session(agent, client, workspace):
    client.force_login(agent.user)
    response = client.post(
        "/api/v1/inbound",
        json.dumps({"channel": "api", "sender": {"email": "a@b.it"}, "text": "ciao"}),
        content_type="application/json",
    )
    assert response.status_code == 201
