"""Honest sending and new outgoing emails: the reply box says before the agent writes when
a reply would not reach the customer, offers the customer's other channels, and a new
email starts a conversation (customer and identity created when needed), linked in both
timelines and queued for sending like any reply."""

from __future__ import annotations

import pytest

from sportello.channels.models import Channel
from sportello.conversations.models import Conversation, Kind
from sportello.customers.models import Customer, Identity
from sportello.outbound.models import Delivery
from sportello.providers.email.send import recipient_for

pytestmark = pytest.mark.django_db
SMTP = {"host": "127.0.0.1", "port": 1, "ssl": False, "starttls": False, "user": "", "password": ""}


def email_channel(workspace, *, slug="email", smtp=True) -> Channel:
    config = {"address": f"{slug}@negozio.it", "from_name": "Negozio"}
    if smtp:
        config["smtp"] = SMTP
    return Channel.objects.create(
        workspace=workspace, kind="email", name=f"Email {slug}", slug=slug, config=config
    )


def test_an_api_channel_says_replies_go_out_only_through_an_integration(
    agent_client, customer_writes
):
    conversation = customer_writes()
    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert 'id="sending-problem"' in page and "is-blocking" not in page
    assert "un&#39;integrazione le legge tramite l&#39;API" in page or "integrazione" in page


def test_an_email_channel_without_smtp_says_so_and_offers_another_channel(
    agent_client, workspace, customer_writes
):
    conversation = customer_writes(email="lucia@example.it")
    broken = email_channel(workspace, slug="vecchia", smtp=False)
    Conversation.objects.filter(pk=conversation.pk).update(channel=broken)
    working = email_channel(workspace, slug="assistenza")

    page = agent_client.get(f"/c/{conversation.number}/").content.decode()

    assert "sending-problem is-blocking" in page and 'role="alert"' in page
    assert "Questa risposta non arriverebbe al cliente." in page
    assert "non ha un server di posta in uscita (SMTP)" in page
    assert f"Scrivi invece su {working.name} a lucia@example.it" in page
    assert f"from_number={conversation.number}" in page


def test_the_other_channel_continues_the_conversation_linked_both_ways(
    agent_client, workspace, customer_writes
):
    conversation = customer_writes(email="lucia@example.it", subject="Piatti rotti")
    working = email_channel(workspace, slug="assistenza")
    form = agent_client.get(
        f"/new/email/?from_number={conversation.number}&channel={working.pk}&to=lucia@example.it"
    ).content.decode()
    assert 'value="lucia@example.it"' in form and 'value="Piatti rotti"' in form

    response = agent_client.post(
        "/new/email/",
        {
            "channel": working.pk,
            "to": "lucia@example.it",
            "subject": "Piatti rotti",
            "text": "Le scriviamo per email: il rimborso è in corso.",
            "from_number": conversation.number,
        },
    )

    assert response.status_code == 302
    started = Conversation.objects.exclude(pk=conversation.pk).get()
    assert response["Location"] == f"/c/{started.number}/"
    assert started.customer_id == conversation.customer_id
    assert started.channel_id == working.pk and started.status == "pending"
    reply = started.messages.get(kind=Kind.MESSAGE)
    assert Delivery.objects.filter(message=reply, status="queued").exists()
    assert recipient_for(started) == "lucia@example.it"
    new_page = agent_client.get(f"/c/{started.number}/").content.decode()
    old_page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    assert f'href="/c/{conversation.number}/">#{conversation.number}</a>' in new_page
    assert f'href="/c/{started.number}/">#{started.number}</a>' in old_page
    assert "Proseguita su Email assistenza a lucia@example.it" in old_page


def test_a_new_email_to_a_new_address_creates_the_customer(agent_client, workspace):
    channel = email_channel(workspace)
    page = agent_client.get("/")
    assert 'href="/new/email/"' in page.content.decode()

    response = agent_client.post(
        "/new/email/",
        {
            "channel": channel.pk,
            "to": "Nuovo.Cliente@Example.it",
            "subject": "Il suo preventivo",
            "text": "Buongiorno, ecco il preventivo richiesto.",
        },
    )

    assert response.status_code == 302
    identity = Identity.objects.get(kind="email", value="nuovo.cliente@example.it")
    conversation = Conversation.objects.get(customer_id=identity.customer_id)
    assert conversation.subject == "Il suo preventivo"


def test_a_new_email_from_the_customer_page_is_theirs(agent_client, workspace, customer_writes):
    conversation = customer_writes(email="anna@example.it")
    channel = email_channel(workspace)
    customer_page = agent_client.get(f"/customers/{conversation.customer_id}/").content.decode()
    assert f'href="/new/email/?customer={conversation.customer_id}"' in customer_page
    form = agent_client.get(f"/new/email/?customer={conversation.customer_id}").content.decode()
    assert 'value="anna@example.it"' in form

    response = agent_client.post(
        "/new/email/",
        {
            "channel": channel.pk,
            "to": "anna.lavoro@example.it",
            "subject": "Ordine",
            "text": "Ciao Anna",
            "customer": conversation.customer_id,
        },
    )

    assert response.status_code == 302
    assert Identity.objects.get(value="anna.lavoro@example.it").customer_id == (
        conversation.customer_id
    )


def test_another_customers_address_is_refused_in_words(agent_client, workspace, customer_writes):
    mine = customer_writes(email="anna@example.it")
    customer_writes(email="bruno@example.it")
    channel = email_channel(workspace)
    response = agent_client.post(
        "/new/email/",
        {
            "channel": channel.pk,
            "to": "bruno@example.it",
            "subject": "Ordine",
            "text": "Ciao",
            "customer": mine.customer_id,
        },
    )
    assert response.status_code == 422
    assert "Questo indirizzo appartiene a un altro cliente" in response.content.decode()
    assert Conversation.objects.count() == 2


@pytest.mark.parametrize(
    "changes",
    [{"to": "non-un-indirizzo"}, {"subject": ""}, {"text": ""}, {"channel": "999999"}],
)
def test_bad_input_is_refused_with_the_form_again(agent_client, workspace, changes):
    channel = email_channel(workspace)
    body = {"channel": channel.pk, "to": "a@example.it", "subject": "S", "text": "T", **changes}
    response = agent_client.post("/new/email/", body)
    assert response.status_code == 422
    assert 'class="field-error"' in response.content.decode() or "errorlist" in (
        response.content.decode()
    )
    assert not Customer.objects.exists()


def test_without_a_channel_that_can_send_the_page_says_so(agent_client, workspace):
    email_channel(workspace, smtp=False)
    page = agent_client.get("/new/email/").content.decode()
    assert "Nessun canale email può inviare." in page


def test_the_api_starts_a_conversation_by_email(api, workspace):
    channel = email_channel(workspace)
    response = api.post(
        "/api/v1/conversations",
        {"channel_id": channel.pk, "to": "carla@example.it", "subject": "Reso", "text": "Ciao"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["subject"] == "Reso"
    conversation = Conversation.objects.get(pk=body["id"])
    assert recipient_for(conversation) == "carla@example.it"


@pytest.mark.parametrize(
    "changes",
    [{"to": "carla"}, {"channel_id": 999999}, {"subject": ""}, {"text": " "}],
)
def test_the_api_refuses_a_bad_new_conversation(api, workspace, changes):
    channel = email_channel(workspace)
    body = {"channel_id": channel.pk, "to": "carla@example.it", "subject": "S", "text": "T"}
    response = api.post("/api/v1/conversations", {**body, **changes})
    assert response.status_code == 422, response.content
    assert not Conversation.objects.exists()


def test_the_api_refuses_a_channel_without_smtp(api, workspace):
    channel = email_channel(workspace, smtp=False)
    body = {"channel_id": channel.pk, "to": "carla@example.it", "subject": "S", "text": "T"}
    response = api.post("/api/v1/conversations", body)
    assert response.status_code == 422
    assert "SMTP" in str(response.json()["detail"])
