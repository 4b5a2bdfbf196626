"""The call-event webhook: signed, replay-proof, each (call, event) once; a missed call
becomes a callback on the caller's customer, an answered one an entry on their timeline."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from sportello.conversations.models import Conversation, Message, Status
from sportello.core import clock
from sportello.customers.models import Customer, Identity
from sportello.ingest.models import RejectedInbound
from sportello.providers.phone.actions import settle_pending
from sportello.providers.phone.models import Call, Callback, CallbackStatus
from tests.providers.phone.helpers import (
    CALLER_E164,
    call_event,
    hook_path,
    make_phone_channel,
    post_event,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(workspace):
    return make_phone_channel(workspace.pk)


def test_the_channel_gets_a_secret_and_a_webhook_url_and_checks_its_config(
    workspace, admin_api_client
):
    created = admin_api_client.post(
        "/api/v1/channels",
        {"kind": "phone", "name": "Centralino", "slug": "centralino", "config": {}},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["config"]["secret"] == "***" and body["config"]["webhook_key"] == "***"
    assert body["config"]["answer_within"] == 30 and body["config"]["region"] == "IT"
    assert body["webhook_url"].endswith("/")
    refused = admin_api_client.post(
        "/api/v1/channels",
        {"kind": "phone", "name": "X", "slug": "x", "config": {"answer_within": 1}},
    )
    assert refused.status_code == 422 and "answer_within" in refused.json()["detail"]
    refused = admin_api_client.post(
        "/api/v1/channels",
        {"kind": "phone", "name": "X", "slug": "x", "config": {"ari_url": "http://pbx:8088"}},
    )
    assert refused.status_code == 422 and "ari_user" in refused.json()["detail"]


def test_a_missed_call_becomes_a_callback_on_a_new_customer_due_by_the_first_reply_target(
    client, channel
):
    assert post_event(client, channel, call_event("ringing")).json()["outcome"] == "recorded"
    answer = post_event(client, channel, call_event("missed"))
    assert answer.status_code == 200 and answer.json()["outcome"] == "callback"
    conversation = Conversation.objects.get(pk=answer.json()["conversation_id"])
    assert conversation.channel_id == channel.pk and conversation.status == Status.OPEN
    assert Identity.objects.get(kind="phone", value=CALLER_E164).customer_id == (
        conversation.customer_id
    )
    callback = Callback.objects.get(conversation=conversation)
    assert callback.status == CallbackStatus.OPEN and callback.missed_calls == 1
    assert callback.phone == CALLER_E164
    assert callback.due_at is not None and callback.due_at == conversation.first_reply_due_at
    message = Message.objects.get(conversation=conversation, kind="message")
    assert message.text.startswith("Chiamata persa da +39 347 123 4567")
    assert message.data["call"]["call_id"] == "c-1"


def test_repeated_missed_calls_join_the_open_callback(client, channel):
    for call_id in ("c-1", "c-2", "c-3"):
        post_event(client, channel, call_event("missed", call_id))
    callback = Callback.objects.get()
    assert callback.missed_calls == 3 and callback.call_ids == ["c-1", "c-2", "c-3"]
    assert Conversation.objects.count() == 1
    assert Message.objects.filter(kind="message").count() == 3


def test_the_same_event_twice_is_taken_once(client, channel):
    first = post_event(client, channel, call_event("missed"))
    again = post_event(client, channel, call_event("missed"))
    ended = post_event(client, channel, call_event("ended"))
    assert first.json()["outcome"] == "callback"
    assert again.json()["outcome"] == "duplicate"
    assert ended.json()["outcome"] == "recorded"
    assert Callback.objects.get().missed_calls == 1
    assert Message.objects.filter(kind="message").count() == 1
    assert Call.objects.get().events == ["missed", "ended"]


def test_a_call_that_ends_unanswered_is_missed(client, channel):
    post_event(client, channel, call_event("started"))
    assert post_event(client, channel, call_event("ended")).json()["outcome"] == "callback"


def test_a_call_ringing_past_answer_within_becomes_a_callback_without_waiting_its_end(
    client, channel
):
    long_ago = (clock.now() - timedelta(seconds=45)).isoformat()
    post_event(client, channel, call_event("started", at=long_ago))
    # Already late when it arrives: settled by the event itself.
    assert Callback.objects.count() == 1

    recent = (clock.now() - timedelta(seconds=10)).isoformat()
    post_event(client, channel, call_event("ringing", "c-2", at=recent))
    assert Call.objects.get(call_id="c-2").settled == ""
    assert settle_pending() == 0  # 10 s < 30 s: still ringing
    Call.objects.filter(call_id="c-2").update(started_at=clock.now() - timedelta(seconds=31))
    assert settle_pending() == 1
    assert Callback.objects.get().missed_calls == 2


def test_a_call_answered_after_answer_within_closes_its_callback(client, channel):
    long_ago = (clock.now() - timedelta(seconds=45)).isoformat()
    assert post_event(client, channel, call_event("ringing", at=long_ago)).json()["outcome"] == (
        "callback"
    )
    post_event(client, channel, call_event("answered"))
    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.DONE and callback.outcome == "reached"


def test_an_answered_call_is_on_the_timeline_with_duration_and_recording(client, channel):
    post_event(client, channel, call_event("started"))
    post_event(client, channel, call_event("answered", agent="Anna"))
    answer = post_event(
        client,
        channel,
        call_event("ended", duration=205, recording_url="https://pbx.example.it/rec/c-1.wav"),
    )
    assert answer.json()["outcome"] == "answered"
    conversation = Conversation.objects.get(pk=answer.json()["conversation_id"])
    message = Message.objects.get(conversation=conversation, kind="message")
    assert message.text == "Chiamata da +39 347 123 4567, con risposta (3 min 25 s)"
    call = message.data["call"]
    assert call["duration"] == 205 and call["agent"] == "Anna"
    assert call["recording_url"] == "https://pbx.example.it/rec/c-1.wav"
    # Handled on the phone: nothing owed.
    assert conversation.status == Status.RESOLVED
    assert not Callback.objects.exists()


def test_the_customer_calling_again_and_answered_closes_the_callback(client, channel):
    post_event(client, channel, call_event("missed", "c-1"))
    post_event(client, channel, call_event("answered", "c-2"))
    post_event(client, channel, call_event("ended", "c-2"))
    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.DONE and callback.outcome == "reached"


def test_an_outgoing_call_nobody_answered_is_only_recorded(client, channel):
    post_event(client, channel, call_event("started", direction="outbound"))
    answer = post_event(client, channel, call_event("ended", direction="outbound"))
    assert answer.json()["outcome"] == "recorded"
    assert not Conversation.objects.exists()


def test_a_hidden_or_internal_caller_is_recorded_with_the_reason(client, channel):
    answer = post_event(client, channel, call_event("missed", caller="200"))
    assert answer.status_code == 200 and answer.json()["outcome"] == "ignored"
    assert "no phone number to call back" in RejectedInbound.objects.get().reason
    answer = post_event(client, channel, call_event("missed", "c-2", caller=""))
    assert answer.json()["outcome"] == "ignored"
    assert not Conversation.objects.exists()


def test_a_forged_signature_is_refused_and_recorded(client, channel):
    answer = post_event(client, channel, call_event("missed"), secret="un-altro-segreto-lungo")
    assert answer.status_code == 403
    assert "does not match" in RejectedInbound.objects.get().reason
    raw = b'{"event": "missed", "call_id": "c-1"}'
    answer = client.post(hook_path(channel), raw, content_type="application/json")
    assert answer.status_code == 403
    assert not Call.objects.exists()


def test_an_old_request_is_refused_as_a_replay(client, channel):
    answer = post_event(client, channel, call_event("missed"), timestamp=int(time.time()) - 3600)
    assert answer.status_code == 403 and "replay" in answer.json()["detail"]
    assert not Call.objects.exists()


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"{not json", "not JSON"),
        ({"event": "transferred", "call_id": "c-1"}, "unknown event"),
        ({"event": "missed"}, "call_id is missing"),
        (["missed"], "not a JSON object"),
        ({"event": "ended", "call_id": "c-1", "duration": -3}, "duration"),
        ({"event": "ended", "call_id": "c-1", "at": "yesterday"}, "not an ISO 8601"),
        ({"event": "ended", "call_id": "c-1", "recording_url": "ftp://x"}, "recording_url"),
    ],
)
def test_what_does_not_read_is_recorded_and_ignored_never_a_500(client, channel, body, reason):
    answer = post_event(client, channel, body)
    assert answer.status_code == 200 and reason in answer.json()["ignored"]
    assert reason in RejectedInbound.objects.get().reason
    assert not Call.objects.exists()


def test_an_unknown_key_is_not_found(client, channel):
    path = "/hooks/phone/chiave-di-nessun-canale-xx/"
    answer = client.post(path, b"{}", content_type="application/json")
    assert answer.status_code == 404


def test_a_missed_call_finds_the_customer_of_the_same_number_on_whatsapp(
    client, channel, agent_api
):
    from tests.providers.whatsapp.helpers import make_whatsapp_channel, post_signed, webhook_body

    whatsapp = make_whatsapp_channel(channel.workspace_id)
    message = {
        "from": "393471234567",
        "id": "wamid.uno",
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": "Buongiorno"},
    }
    contacts = [{"profile": {"name": "Mario Rossi"}, "wa_id": "393471234567"}]
    assert (
        post_signed(client, whatsapp, webhook_body({"contacts": contacts, "messages": [message]}))
    ).status_code == 200
    customer = Customer.objects.get()
    answer = post_event(client, channel, call_event("missed"))
    conversation = Conversation.objects.get(pk=answer.json()["conversation_id"])
    assert conversation.customer_id == customer.pk and conversation.channel_id == channel.pk
    assert Customer.objects.count() == 1
    assert Customer.objects.get().name == "Mario Rossi"  # not renamed by the number

    # The agent calls back and reaches them: the task is done.
    logged = agent_api.post(
        f"/api/v1/conversations/{conversation.pk}/calls",
        {"outcome": "reached", "note": "Ordine rispedito"},
    )
    assert logged.status_code == 201 and logged.json()["callback"]["status"] == "done"
    assert Callback.objects.get(conversation=conversation).outcome == "reached"
