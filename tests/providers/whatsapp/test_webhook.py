"""The WhatsApp webhook as Meta calls it: the subscription handshake, signed posts,
retries, and what it must refuse or record and ignore (never a 500, never a duplicate)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from sportello.conversations.models import Conversation, Kind, Message
from sportello.customers.models import Identity
from sportello.ingest.models import RejectedInbound
from sportello.providers.common.storage import read_attachment
from tests.providers.whatsapp.helpers import (
    APP_SECRET,
    MEDIA_BYTES,
    VERIFY_TOKEN,
    customer_message,
    fake_graph,
    hook_path,
    make_whatsapp_channel,
    post_signed,
    webhook_body,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(workspace):
    return make_whatsapp_channel(workspace.pk)


def test_meta_subscribes_with_the_verify_token_and_gets_its_challenge_back(client, channel):
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    answer = client.get(hook_path(channel), query)
    assert answer.status_code == 200 and answer.content == b"1158201444"

    assert (
        client.get(hook_path(channel), {**query, "hub.verify_token": "indovinato"}).status_code
        == 403
    )
    assert client.get(hook_path(channel), {**query, "hub.mode": "unsubscribe"}).status_code == 403


def test_an_unknown_webhook_key_is_not_found_and_a_row_id_is_not_a_key(client, channel):
    assert client.get(f"/hooks/whatsapp/{'x' * 32}/").status_code == 404
    assert (
        client.post(f"/hooks/whatsapp/{channel.pk}/", b"{}", "application/json").status_code == 404
    )


def test_a_text_message_opens_a_conversation_on_the_customer_by_their_number(client, channel):
    answer = post_signed(client, channel, customer_message("wamid.primo"))
    assert answer.status_code == 200 and answer.json()["messages"] == 1

    message = Message.objects.get(external_id="wamid.primo")
    assert message.text == "Buongiorno, il pacco è arrivato rotto"
    assert message.channel_id == channel.pk
    conversation = message.conversation
    assert conversation.customer.name == "Mario Rossi"
    assert (
        Identity.objects.get(customer=conversation.customer, kind="whatsapp").value
        == "+393331234567"
    )


def test_a_forged_signature_is_refused_and_recorded(client, channel):
    body = json.dumps(customer_message("wamid.falso")).encode()
    forged = post_signed(client, channel, body, secret="non-il-segreto")
    unsigned = client.post(hook_path(channel), body, content_type="application/json")

    assert forged.status_code == 403 and unsigned.status_code == 403
    assert not Message.objects.filter(external_id="wamid.falso").exists()
    rejected = RejectedInbound.objects.filter(source="whatsapp", channel=channel)
    assert rejected.count() == 2
    assert "X-Hub-Signature-256" in rejected.first().reason
    assert "wamid.falso" in rejected.first().raw_excerpt


def test_a_replayed_webhook_stores_the_message_once(client, channel):
    body = customer_message("wamid.ripetuto")
    first = post_signed(client, channel, body)
    again = post_signed(client, channel, body)
    assert first.json()["messages"] == 1
    assert again.status_code == 200 and again.json()["duplicates"] == 1
    assert Message.objects.filter(external_id="wamid.ripetuto").count() == 1
    assert Conversation.objects.filter(channel=channel).count() == 1


def test_malformed_json_and_unknown_events_are_recorded_and_acknowledged(client, channel):
    broken = post_signed(client, channel, b'{"object": "whatsapp_business_account", "entry": [')
    other = post_signed(client, channel, {"object": "page", "entry": []})
    unknown = post_signed(
        client, channel, webhook_body({"event": "VERIFIED_ACCOUNT"}, field="account_update")
    )
    assert [broken.status_code, other.status_code, unknown.status_code] == [200, 200, 200]
    reasons = list(RejectedInbound.objects.filter(channel=channel).values_list("reason", flat=True))
    assert any("not JSON" in r for r in reasons)
    assert any("'page'" in r for r in reasons)
    assert any("'account_update'" in r for r in reasons)
    assert not Message.objects.filter(kind=Kind.MESSAGE).exists()


def test_a_change_for_a_number_of_no_channel_is_recorded_not_taken(client, channel):
    body = customer_message("wamid.altro-numero")
    body["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999999999"
    assert post_signed(client, channel, body).json()["ignored"] == 1
    assert not Message.objects.filter(external_id="wamid.altro-numero").exists()
    assert RejectedInbound.objects.filter(reason__contains="999999999").exists()


def test_a_photo_is_fetched_from_the_graph_api_into_the_messages_attachments(client, workspace):
    with fake_graph() as graph:
        channel = make_whatsapp_channel(workspace.pk, graph.url)
        graph.serve_media("4009625719")
        image = {
            "image": {"caption": "Ecco il pacco", "mime_type": "image/jpeg", "id": "4009625719"}
        }
        answer = post_signed(client, channel, customer_message("wamid.foto", "image", **image))

        assert answer.status_code == 200
        message = Message.objects.get(external_id="wamid.foto")
        assert message.text == "Ecco il pacco"
        [attachment] = message.attachments
        assert attachment["pending"] is False and attachment["size"] == len(MEDIA_BYTES)
        assert attachment["filename"] == "image.jpg"
        assert read_attachment(attachment["path"]) == MEDIA_BYTES
        fetches = graph.fake.sent("GET")
        assert [r.path for r in fetches] == ["/v21.0/4009625719", "/files/4009625719"]
        assert all(r.header("Authorization") == "Bearer EAAG-token-di-prova" for r in fetches)


def test_a_file_meta_no_longer_has_stays_on_the_message_with_the_reason(client, workspace):
    with fake_graph() as graph:
        channel = make_whatsapp_channel(workspace.pk, graph.url)
        document = {
            "document": {"filename": "fattura.pdf", "mime_type": "application/pdf", "id": "77"}
        }
        post_signed(client, channel, customer_message("wamid.doc", "document", **document))
    [attachment] = Message.objects.get(external_id="wamid.doc").attachments
    assert attachment["filename"] == "fattura.pdf" and attachment["pending"] is False
    assert "no route" in attachment["error"]


def test_a_quote_threads_and_edits_and_deletions_land_on_the_timeline(client, channel):
    post_signed(client, channel, customer_message("wamid.originale"))
    quoted = customer_message(
        "wamid.citazione",
        text={"body": "Come dicevo"},
        context={"from": "390612345678", "id": "wamid.originale"},
    )
    post_signed(client, channel, quoted)
    edit = customer_message(
        "wamid.modifica",
        "edit",
        edit={
            "original_message_id": "wamid.originale",
            "message": {"type": "text", "text": {"body": "il pacco è arrivato aperto"}},
        },
    )
    deletion = customer_message(
        "wamid.cancella", "revoke", revoke={"original_message_id": "wamid.citazione"}
    )
    for body in (edit, deletion, edit):
        assert post_signed(client, channel, body).status_code == 200

    original = Message.objects.get(external_id="wamid.originale")
    assert (
        Message.objects.get(external_id="wamid.citazione").conversation_id
        == original.conversation_id
    )
    events = Message.objects.filter(conversation_id=original.conversation_id, kind=Kind.EVENT)
    assert sorted(events.exclude(event="created").values_list("event", flat=True)) == [
        "message_deleted",
        "message_edited",  # once, though Meta posted the edit twice
    ]
    edited = events.get(event="message_edited")
    assert edited.data["text"] == "il pacco è arrivato aperto"


def test_the_channels_config_is_checked_and_its_secrets_are_write_only(admin_api, settings):
    settings.BASE_URL = "https://assistenza.negozio.it"
    config = {
        "phone_number_id": "106540352242922",
        "access_token": "EAAG-segreto",
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
    }
    missing = admin_api.post(
        "/api/v1/channels",
        {
            "kind": "whatsapp",
            "name": "WhatsApp",
            "slug": "wa",
            "config": {**config, "app_secret": ""},
        },
    )
    assert missing.status_code == 422 and "app_secret" in missing.json()["detail"]
    wrong = admin_api.post(
        "/api/v1/channels",
        {
            "kind": "whatsapp",
            "name": "WhatsApp",
            "slug": "wa",
            "config": {**config, "phone_number_id": "+39 06"},
        },
    )
    assert wrong.status_code == 422 and "phone_number_id" in wrong.json()["detail"]

    created = admin_api.post(
        "/api/v1/channels", {"kind": "whatsapp", "name": "WhatsApp", "slug": "wa", "config": config}
    ).json()
    shown = created["config"]
    assert shown["access_token"] == shown["app_secret"] == shown["webhook_key"] == "***"
    assert shown["graph_url"] == "https://graph.facebook.com/v21.0"
    assert "EAAG-segreto" not in json.dumps(created)
    url = created["webhook_url"]
    assert url.startswith("https://assistenza.negozio.it/hooks/whatsapp/") and len(url) > 70

    # Sent back as shown, the secrets and the webhook key are kept.
    patched = admin_api.patch(
        f"/api/v1/channels/{created['id']}", {"config": {**shown, "verify_token": "nuovo"}}
    )
    assert patched.status_code == 200 and patched.json()["webhook_url"] == url
    [listed] = [c for c in admin_api.get("/api/v1/channels").json() if c["slug"] == "wa"]
    assert listed["webhook_url"] == url


def test_the_channels_admin_page_shows_the_webhook_url_to_paste(workspace, settings):
    from sportello.accounts.actions import create_agent
    from sportello.accounts.models import Role

    settings.BASE_URL = "https://assistenza.negozio.it"
    channel = make_whatsapp_channel(workspace.pk)
    admin = create_agent(
        workspace, email="capo@negozio.it", password="Pw-lunga-2026!", role=Role.ADMIN
    )
    browser = Client()
    assert browser.login(email="capo@negozio.it", password="Pw-lunga-2026!")
    page = browser.get(f"/admin/sportello_channels/channel/{channel.pk}/change/").content.decode()
    assert f"https://assistenza.negozio.it{hook_path(channel)}" in page
    assert APP_SECRET not in page
    assert admin.user.is_staff
