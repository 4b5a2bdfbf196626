"""The SMS channel: a signed webhook for texts and delivery reports, replies through the
gateway's API (a fake one on 127.0.0.1) with retries, the config checked on save."""

from __future__ import annotations

import time

import pytest

from sportello.conversations.models import Conversation, Message
from sportello.customers.models import Identity
from sportello.ingest.models import RejectedInbound
from sportello.outbound.actions import send_reply
from sportello.outbound.models import Delivery
from sportello.outbound.queries import delivery_status_for
from tests.providers.fake_http import Reply
from tests.providers.sms.helpers import (
    API_KEY,
    CUSTOMER,
    SENDER,
    fake_gateway,
    make_sms_channel,
    post_signed,
    sms,
)

pytestmark = pytest.mark.django_db


def test_the_config_is_checked_on_save_and_its_secrets_are_write_only(admin_api_client):
    config = {"api_url": "https://sms.example.it/v1", "api_key": API_KEY, "sender": SENDER}
    created = admin_api_client.post(
        "/api/v1/channels", {"kind": "sms", "name": "SMS", "slug": "sms", "config": config}
    )
    assert created.status_code == 201, created.json()
    shown = created.json()["config"]
    assert shown["api_key"] == "***" and shown["secret"] == "***"
    assert shown["webhook_key"] == "***"
    assert created.json()["webhook_url"]
    for wrong, field in (
        ({**config, "api_url": "ftp://x"}, "api_url"),
        ({**config, "sender": "un mittente troppo lungo"}, "sender"),
        ({**config, "api_key": ""}, "api_key"),
        ({**config, "colour": "blu"}, "unknown key"),
    ):
        refused = admin_api_client.post(
            "/api/v1/channels", {"kind": "sms", "name": "X", "slug": "x", "config": wrong}
        )
        assert refused.status_code == 422 and field in refused.json()["detail"]


def test_an_sms_in_a_reply_out_and_the_delivery_report(
    client, workspace, agent, django_capture_on_commit_callbacks
):
    """GIVEN a customer's text WHEN an agent replies THEN the gateway gets the reply, to
    the customer's number, and its "delivered" report shows on the reply."""
    with fake_gateway() as gateway:
        channel = make_sms_channel(workspace.pk, gateway.url)
        answer = post_signed(client, channel, sms())
        assert answer.status_code == 200 and answer.json()["duplicate"] is False
        message = Message.objects.get(pk=answer.json()["message_id"])
        assert Identity.objects.get(kind="phone", value=CUSTOMER).customer_id == (
            message.conversation.customer_id
        )
        # The gateway retries: the same id is one message.
        again = post_signed(client, channel, sms())
        assert again.json()["duplicate"] is True

        gateway.fake.then("POST", "/v1/messages", Reply(503, {"error": "busy"}))
        with django_capture_on_commit_callbacks(execute=True):
            reply = send_reply(message.conversation, agent, "Arriva domani")
        first, second = gateway.sent()
        assert first.json() == second.json()  # the 503, then the retry
        assert second.json() == {
            "from": SENDER,
            "to": CUSTOMER,
            "text": "Arriva domani",
            "reference": f"sportello-{Delivery.objects.get().pk}",
        }
        assert second.header("authorization") == f"Bearer {API_KEY}"
    delivery = Delivery.objects.get()
    assert delivery.provider_message_id == "gw-1"

    report = {"type": "status", "id": "gw-1", "status": "delivered", "at": "2026-12-06T09:16:00Z"}
    assert post_signed(client, channel, report).json()["status"] == "delivered"
    state = delivery_status_for([reply.message.pk], workspace_id=workspace.pk)[reply.message.pk]
    assert state.latest == "delivered"


def test_a_failed_report_fails_the_delivery_and_a_report_on_nothing_is_ignored(
    client, workspace, agent, django_capture_on_commit_callbacks
):
    with fake_gateway() as gateway:
        channel = make_sms_channel(workspace.pk, gateway.url)
        message = Message.objects.get(pk=post_signed(client, channel, sms()).json()["message_id"])
        with django_capture_on_commit_callbacks(execute=True):
            send_reply(message.conversation, agent, "Arriva domani")
    failed = {"type": "status", "id": "gw-1", "status": "undelivered", "error": "30003"}
    assert post_signed(client, channel, failed).json()["status"] == "failed"
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "30003" in delivery.last_error
    stray = post_signed(client, channel, {"type": "status", "id": "gw-99", "status": "delivered"})
    assert "no reply of this channel" in stray.json()["ignored"]


def test_a_gateway_refusal_fails_the_delivery_with_its_words(
    client, workspace, agent, django_capture_on_commit_callbacks
):
    with fake_gateway() as gateway:
        channel = make_sms_channel(workspace.pk, gateway.url)
        message = Message.objects.get(pk=post_signed(client, channel, sms()).json()["message_id"])
        gateway.fake.then("POST", "/v1/messages", Reply(400, {"error": "invalid number"}))
        with django_capture_on_commit_callbacks(execute=True):
            send_reply(message.conversation, agent, "Arriva domani")
        assert len(gateway.sent()) == 1  # a 400 is not retried
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "invalid number" in delivery.last_error


def test_a_forged_signature_and_a_replay_are_refused(client, workspace):
    channel = make_sms_channel(workspace.pk)
    assert post_signed(client, channel, sms(), secret="un-segreto-falso-lungo").status_code == 403
    old = post_signed(client, channel, sms(), timestamp=int(time.time()) - 600)
    assert old.status_code == 403
    assert RejectedInbound.objects.count() == 2
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"{oops", "not JSON"),
        ({"type": "mms"}, "unknown type"),
        ({"type": "message", "id": "x", "from": CUSTOMER, "text": ""}, "no text"),
        ({"type": "message", "id": "x", "text": "ciao"}, "no sender"),
        ({"type": "message", "id": "x", "from": "abc", "text": "ciao"}, "not a phone number"),
        ({"type": "status", "id": "gw-1", "status": "boh"}, "a status needs"),
        ({"type": "message", "id": "x", "from": CUSTOMER, "text": "c", "sent_at": "ieri"}, "ISO"),
    ],
)
def test_what_does_not_read_is_recorded_and_ignored(client, workspace, body, reason):
    channel = make_sms_channel(workspace.pk)
    answer = post_signed(client, channel, body)
    assert answer.status_code == 200 and reason in answer.json()["ignored"]
    assert reason in RejectedInbound.objects.get().reason
    assert not Message.objects.exists()


def test_a_form_encoded_post_in_twilio_s_fields_is_read(client, workspace):
    channel = make_sms_channel(workspace.pk)
    raw = b"MessageSid=SM1&From=%2B393471234567&To=%2B390212345678&Body=Ciao"
    answer = post_signed(client, channel, raw, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200, answer.content
    assert Message.objects.get(kind="message").text == "Ciao"


def test_an_unknown_key_is_not_found(client, workspace):
    make_sms_channel(workspace.pk)
    path = "/hooks/sms/chiave-di-nessun-canale-xx/"
    assert client.post(path, b"{}", content_type="application/json").status_code == 404


def test_the_texter_is_the_caller_and_the_whatsapp_customer(client, workspace):
    from tests.providers.phone.helpers import call_event, make_phone_channel, post_event

    channel = make_sms_channel(workspace.pk)
    post_signed(client, channel, sms())
    phone = make_phone_channel(workspace.pk)
    post_event(client, phone, call_event("missed"))
    customers = set(Conversation.objects.values_list("customer_id", flat=True))
    assert len(customers) == 1 and Conversation.objects.count() == 2
