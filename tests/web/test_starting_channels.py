"""Writing first on every channel that allows it (issue 14 point 5): an SMS to any number,
WhatsApp only with an approved template, Telegram only to a customer who wrote to the bot;
Messenger not at all. Each kind is started through ``POST /api/v1/conversations`` and the
web page ``/new/message/``, and its first message reaches the local fake provider server
the provider tests use; where the channel cannot start one for this customer the answer
is a 422 that says why. The reply box of a conversation that cannot send offers them."""

from __future__ import annotations

import re

import pytest

from sportello.channels.actions import create_channel, update_channel
from sportello.conversations.models import Conversation, Kind, Message
from sportello.customers.actions import add_identities
from sportello.customers.models import Customer, Identity
from sportello.outbound.models import Delivery
from sportello.providers.whatsapp.actions import sync_templates
from tests.outbound.helpers import make_email_channel
from tests.providers.fake_http import Reply
from tests.providers.sms.helpers import SENDER, fake_gateway, make_sms_channel
from tests.providers.telegram.helpers import (
    CHAT_ID,
    customer_update,
    fake_bot_api,
    make_telegram_channel,
    post_update,
)
from tests.providers.whatsapp.helpers import VERSION, fake_graph, make_whatsapp_channel

pytestmark = pytest.mark.django_db


def _move_to(conversation, channel) -> None:
    """The conversation and its messages on ``channel``, as if the customer had written
    there: a reply goes out on the channel of the customer's latest message."""
    Conversation.objects.filter(pk=conversation.pk).update(channel=channel)
    Message.objects.filter(conversation_id=conversation.pk).update(channel=channel)


WABA_ID = "102290129340398"
TEMPLATES = [
    {
        "name": "conferma_ordine",
        "language": "it",
        "status": "APPROVED",
        "category": "UTILITY",
        "id": "1001",
        "components": [{"type": "BODY", "text": "Gentile {{1}}, l'ordine {{2}} è partito."}],
    },
    {
        "name": "promo_estate",
        "language": "it",
        "status": "REJECTED",
        "category": "MARKETING",
        "id": "1003",
        "components": [{"type": "BODY", "text": "Sconti estivi!"}],
    },
]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _with_templates(graph, channel, listed=TEMPLATES):
    path = f"/{VERSION}/{WABA_ID}/message_templates"
    graph.fake.route("GET", path, lambda _r: Reply(json={"data": listed}))
    channel = update_channel(channel, config={**channel.config, "waba_id": WABA_ID})
    sync_templates(channel)
    return channel


def _errors(response) -> list[str]:
    """What a refused form says (its errors), for an assertion's message."""
    return re.findall(
        r"class=\"(?:field-error|alert alert-error)\"[^>]*>(?:<p>)?(.*?)</",
        response.content.decode(),
    )


# SMS ---------------------------------------------------------------------------------


def test_the_api_starts_an_sms_to_a_new_number(api, workspace, django_capture_on_commit_callbacks):
    with fake_gateway() as gateway:
        channel = make_sms_channel(workspace.pk, gateway.url)
        with django_capture_on_commit_callbacks(execute=True):
            answer = api.post(
                "/api/v1/conversations",
                {"channel_id": channel.pk, "to": "347 123 4567", "text": "Il pacco parte oggi."},
            )
        assert answer.status_code == 201, answer.content
        [sent] = gateway.sent()
    assert sent.json()["to"] == "+393471234567" and sent.json()["from"] == SENDER
    assert sent.json()["text"] == "Il pacco parte oggi."
    conversation = Conversation.objects.get(pk=answer.json()["id"])
    assert conversation.channel_id == channel.pk and conversation.status == "pending"
    assert conversation.subject == "Il pacco parte oggi."
    identity = Identity.objects.get(value="+393471234567")
    assert identity.kind == "phone" and identity.customer_id == conversation.customer_id
    assert Delivery.objects.get().status == "sent"


def test_an_sms_from_the_customer_page_goes_to_their_number(
    agent_client, workspace, django_capture_on_commit_callbacks
):
    customer = Customer.objects.create(workspace=workspace, name="Lucia Bianchi")
    add_identities(customer, [("phone", "+393331112222")])
    with fake_gateway() as gateway:
        channel = make_sms_channel(workspace.pk, gateway.url)
        customer_page = agent_client.get(f"/customers/{customer.pk}/").content.decode()
        assert f'href="/new/message/?customer={customer.pk}"' in customer_page
        form = agent_client.get(f"/new/message/?customer={customer.pk}").content.decode()
        assert 'value="+393331112222"' in form
        assert 'name="subject"' not in form  # an SMS has none

        with django_capture_on_commit_callbacks(execute=True):
            answer = agent_client.post(
                "/new/message/",
                {
                    "channel": channel.pk,
                    "to": "+393331112222",
                    "text": "Buongiorno Lucia, il reso è arrivato.",
                    "customer": customer.pk,
                },
            )
        assert answer.status_code == 302, _errors(answer)
        [sent] = gateway.sent()
    assert sent.json()["to"] == "+393331112222"
    assert Conversation.objects.get(customer=customer).channel_id == channel.pk


def test_a_garbled_number_is_refused_in_words(agent_client, api, workspace):
    channel = make_sms_channel(workspace.pk)
    body = {"channel_id": channel.pk, "to": "non un numero", "text": "Ciao"}
    answer = api.post("/api/v1/conversations", body)
    assert answer.status_code == 422 and "not a phone number" in answer.json()["detail"]
    page = agent_client.post(
        "/new/message/", {"channel": channel.pk, "to": "non un numero", "text": "Ciao"}
    )
    assert page.status_code == 422
    assert "Questo non è un numero di telefono." in page.content.decode()
    assert not Customer.objects.exists()


# WhatsApp ----------------------------------------------------------------------------


def test_whatsapp_writes_first_only_with_an_approved_template(
    api, workspace, django_capture_on_commit_callbacks
):
    with fake_graph() as graph:
        channel = make_whatsapp_channel(workspace.pk, graph.url)
        body = {"channel_id": channel.pk, "to": "+39 333 123 4567"}

        no_templates = api.post(
            "/api/v1/conversations",
            {**body, "template": {"name": "conferma_ordine", "language": "it"}},
        )
        assert no_templates.status_code == 422
        assert "modello di messaggio approvato" in no_templates.json()["detail"]

        channel = _with_templates(graph, channel)
        free_text = api.post("/api/v1/conversations", {**body, "text": "Ciao!"})
        assert free_text.status_code == 422
        assert "modello di messaggio approvato" in free_text.json()["detail"]
        rejected = api.post(
            "/api/v1/conversations",
            {**body, "template": {"name": "promo_estate", "language": "it"}},
        )
        assert rejected.status_code == 422 and "non è approvato" in rejected.json()["detail"]
        assert not Conversation.objects.exists() and not Customer.objects.exists()

        with django_capture_on_commit_callbacks(execute=True):
            started = api.post(
                "/api/v1/conversations",
                {
                    **body,
                    "template": {
                        "name": "conferma_ordine",
                        "language": "it",
                        "parameters": ["Mario", "4411"],
                    },
                },
            )
        assert started.status_code == 201, started.content
        [sent] = graph.sent_messages()
    message = sent.json()
    assert message["to"] == "393331234567" and message["type"] == "template"
    assert message["template"]["name"] == "conferma_ordine"
    conversation = Conversation.objects.get(pk=started.json()["id"])
    first = conversation.messages.get(kind=Kind.MESSAGE)
    assert first.text == "Gentile Mario, l'ordine 4411 è partito."
    # Known by the number typed, which may not be on WhatsApp: a phone, not a WhatsApp id.
    assert Identity.objects.get(value="+393331234567").kind == "phone"


def test_whatsapp_from_the_web_page_fills_a_template(
    agent_client, workspace, django_capture_on_commit_callbacks
):
    with fake_graph() as graph:
        channel = _with_templates(graph, make_whatsapp_channel(workspace.pk, graph.url))
        form = agent_client.get(f"/new/message/?channel={channel.pk}").content.decode()
        assert 'name="template"' in form and 'name="text"' not in form
        assert "conferma_ordine (it) · 2 valori" in form and "promo_estate" not in form

        with django_capture_on_commit_callbacks(execute=True):
            answer = agent_client.post(
                "/new/message/",
                {
                    "channel": channel.pk,
                    "to": "3331234567",
                    "template": "conferma_ordine|it",
                    "parameters": "Mario\n4411",
                },
            )
        assert answer.status_code == 302, _errors(answer)
        [sent] = graph.sent_messages()
    assert sent.json()["template"]["components"][0]["parameters"][1]["text"] == "4411"


# Telegram ----------------------------------------------------------------------------


def test_telegram_writes_only_to_a_customer_who_wrote_to_the_bot(
    client, api, workspace, django_capture_on_commit_callbacks
):
    with fake_bot_api() as bot:
        channel = make_telegram_channel(workspace.pk, bot.url)
        stranger = Customer.objects.create(workspace=workspace, name="Anna Neri")
        add_identities(stranger, [("telegram", "555000111")])
        never_wrote = api.post(
            "/api/v1/conversations",
            {"channel_id": channel.pk, "customer_id": stranger.pk, "text": "Ciao Anna"},
        )
        assert never_wrote.status_code == 422
        assert "gli ha scritto per primo" in never_wrote.json()["detail"]
        typed = api.post(
            "/api/v1/conversations", {"channel_id": channel.pk, "to": "123", "text": "Ciao"}
        )
        assert typed.status_code == 422
        assert "solo a un recapito da cui il cliente ha già scritto" in typed.json()["detail"]

        assert post_update(client, channel, customer_update(1)).status_code == 200
        mario = Identity.objects.get(kind="telegram", value=str(CHAT_ID)).customer
        with django_capture_on_commit_callbacks(execute=True):
            started = api.post(
                "/api/v1/conversations",
                {"channel_id": channel.pk, "customer_id": mario.pk, "text": "Il reso è ok."},
            )
        assert started.status_code == 201, started.content
        [sent] = bot.sent()
    assert sent.json() == {"chat_id": str(CHAT_ID), "text": "Il reso è ok."}
    assert Conversation.objects.get(pk=started.json()["id"]).customer_id == mario.pk


# No first message --------------------------------------------------------------------


def test_messenger_and_a_customer_who_asked_not_to_be_contacted_are_refused(api, workspace):
    messenger = create_channel(
        workspace.pk,
        kind="messenger",
        name="Messenger",
        slug="messenger",
        config={
            "page_id": "1234",
            "page_access_token": "t",
            "app_secret": "s",
            "verify_token": "v",
        },
    )
    refused = api.post(
        "/api/v1/conversations", {"channel_id": messenger.pk, "to": "999", "text": "Ciao"}
    )
    assert refused.status_code == 422
    assert "cannot be started on this channel" in refused.json()["detail"]

    with fake_gateway() as gateway:
        sms = make_sms_channel(workspace.pk, gateway.url)
        customer = Customer.objects.create(workspace=workspace, name="Gino", do_not_contact=True)
        add_identities(customer, [("phone", "+393470000001")])
        answer = api.post(
            "/api/v1/conversations", {"channel_id": sms.pk, "to": "+393470000001", "text": "Hi"}
        )
        assert answer.status_code == 422 and "not to be contacted" in answer.json()["detail"]
        assert gateway.sent() == []
    assert not Conversation.objects.exists()


# Offered by the reply box ------------------------------------------------------------


def test_the_reply_box_offers_every_channel_that_can_write_to_the_customer(
    agent_client, workspace, customer_writes
):
    conversation = customer_writes(email="lucia@example.it")
    broken = make_email_channel(workspace.pk, slug="vecchia")  # no SMTP: cannot send
    _move_to(conversation, broken)
    add_identities(conversation.customer, [("phone", "+393471234567")])
    sms = make_sms_channel(workspace.pk)
    whatsapp = make_whatsapp_channel(workspace.pk)  # no approved template: not offered
    with fake_graph() as graph:
        templated = _with_templates(
            graph, make_whatsapp_channel(workspace.pk, graph.url, slug="wa-negozio")
        )
    telegram = make_telegram_channel(workspace.pk)  # she never wrote to the bot

    page = agent_client.get(f"/c/{conversation.number}/").content.decode()

    assert "Scrivi invece su SMS a +39 347 123 4567" in page
    assert f"channel={sms.pk}" in page and "/new/message/?" in page
    assert f"channel={templated.pk}" in page
    assert f"channel={whatsapp.pk}&" not in page and f"channel={telegram.pk}&" not in page
    link = agent_client.get(
        f"/new/message/?from_number={conversation.number}&channel={sms.pk}&to=%2B393471234567"
    ).content.decode()
    assert 'value="+393471234567"' in link and "aria-current" in link
