"""Honest sending and new outgoing emails: the reply box says before the agent writes when
a reply would not reach the customer, offers the customer's other channels, and a new
email starts a conversation (customer and identity created when needed), linked in both
timelines and queued for sending like any reply."""

from __future__ import annotations

import pytest

from sportello.channels.models import Channel
from sportello.conversations.models import Conversation, Kind, Message
from sportello.customers.models import Customer, Identity
from sportello.outbound.models import Delivery
from sportello.providers.email.send import recipient_for
from tests.web.conftest import htmx

pytestmark = pytest.mark.django_db
SMTP = {"host": "127.0.0.1", "port": 1, "ssl": False, "starttls": False, "user": "", "password": ""}


def _move_to(conversation, channel) -> None:
    """The conversation and its messages on ``channel``, as if the customer had written
    there: a reply goes out on the channel of the customer's latest message."""
    Conversation.objects.filter(pk=conversation.pk).update(channel=channel)
    Message.objects.filter(conversation_id=conversation.pk).update(channel=channel)


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
    _move_to(conversation, broken)
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


def _blocked_conversation(workspace, customer_writes) -> Conversation:
    """A customer's conversation on an email channel with no outgoing server."""
    conversation = customer_writes(email="lucia@example.it")
    broken = email_channel(workspace, slug="vecchia", smtp=False)
    _move_to(conversation, broken)
    conversation.refresh_from_db()
    return conversation


def test_send_is_disabled_with_its_reason_while_notes_stay_possible(
    agent_client, workspace, customer_writes
):
    conversation = _blocked_conversation(workspace, customer_writes)

    page = agent_client.get(f"/c/{conversation.number}/").content.decode()

    reply_box = page[page.index('id="reply-form"') : page.index('id="note-form"')]
    assert "data-send-off" in reply_box
    assert 'id="send-off"' in reply_box
    assert "Invio disattivato: questa risposta non può arrivare al cliente su Email vecchia." in (
        reply_box
    )
    send = reply_box[reply_box.index("data-send") :]
    assert 'data-send disabled aria-describedby="send-off sending-problem"' in send
    assert 'data-send-resolve disabled aria-describedby="send-off sending-problem"' in reply_box
    note_box = page[page.index('id="note-form"') :]
    note_button = note_box[: note_box.index("</form>")]
    assert "disabled" not in note_button

    note = agent_client.post(
        f"/c/{conversation.number}/note/", {"text": "Cliente da richiamare"}, **htmx("note-form")
    )
    assert note.status_code == 200
    assert conversation.messages.filter(kind=Kind.NOTE).count() == 1


def test_a_channel_that_can_send_keeps_send_enabled(agent_client, workspace, customer_writes):
    conversation = customer_writes(email="lucia@example.it")
    _move_to(conversation, email_channel(workspace))

    page = agent_client.get(f"/c/{conversation.number}/").content.decode()

    assert "data-send-off" not in page and 'id="send-off"' not in page
    assert "data-send>" in page


@pytest.mark.parametrize("then", ["", "resolve"])
def test_the_server_refuses_a_reply_that_cannot_be_delivered(
    agent_client, workspace, customer_writes, then
):
    """GIVEN a reply box whose Send is disabled WHEN a post arrives all the same (an old
    page, a script) THEN nothing is stored, the conversation stays open, and the box says
    why in Italian."""
    conversation = _blocked_conversation(workspace, customer_writes)
    body = {"text": "Arriva domani", "idempotency_key": "k-1", "then": then}

    answer = agent_client.post(f"/c/{conversation.number}/reply/", body, **htmx("reply-form"))

    assert answer.status_code == 422
    page = answer.content.decode()
    assert 'id="reply-error"' in page
    assert "non ha un server di posta in uscita (SMTP)" in page
    assert not conversation.messages.filter(direction="out", kind=Kind.MESSAGE).exists()
    assert not Delivery.objects.exists()
    conversation.refresh_from_db()
    assert conversation.status == "open"

    plain = agent_client.post(f"/c/{conversation.number}/reply/", body, follow=True)
    assert "non ha un server di posta in uscita (SMTP)" in plain.content.decode()
    assert not conversation.messages.filter(direction="out", kind=Kind.MESSAGE).exists()


def test_the_api_refuses_a_reply_that_cannot_be_delivered(api, workspace, customer_writes):
    conversation = _blocked_conversation(workspace, customer_writes)

    answer = api.post(f"/api/v1/conversations/{conversation.pk}/reply", {"text": "Arriva"})
    italian = api.post(
        f"/api/v1/conversations/{conversation.pk}/reply",
        {"text": "Arriva"},
        HTTP_ACCEPT_LANGUAGE="it",
    )

    assert answer.status_code == 422
    assert "SMTP" in str(answer.json()["detail"])
    assert italian.status_code == 422
    assert not conversation.messages.filter(direction="out", kind=Kind.MESSAGE).exists()
    note = api.post(f"/api/v1/conversations/{conversation.pk}/notes", {"text": "Da richiamare"})
    assert note.status_code == 201


def test_a_channel_turned_off_refuses_replies(agent_client, workspace, customer_writes):
    conversation = customer_writes(email="lucia@example.it")
    channel = email_channel(workspace)
    Channel.objects.filter(pk=channel.pk).update(is_active=False)
    _move_to(conversation, channel)

    page = agent_client.get(f"/c/{conversation.number}/").content.decode()
    answer = agent_client.post(
        f"/c/{conversation.number}/reply/", {"text": "Eccoci"}, **htmx("reply-form")
    )

    assert "Questo canale è disattivato" in page and "data-send-off" in page
    assert answer.status_code == 422 and "Questo canale è disattivato" in answer.content.decode()


def test_a_retried_reply_gets_the_stored_one_after_its_channel_stopped(
    api, workspace, customer_writes
):
    """A client that lost the answer retries with the same key: the reply it already
    has comes back, even though the channel was turned off meanwhile; a new reply is
    refused."""
    conversation = customer_writes(email="lucia@example.it")
    channel = email_channel(workspace)
    _move_to(conversation, channel)
    url = f"/api/v1/conversations/{conversation.pk}/reply"
    key = {"HTTP_IDEMPOTENCY_KEY": "d6f0c1e2-7a3b-4c5d-8e9f-0a1b2c3d4e5f"}

    first = api.post(url, {"text": "Arriva domani"}, **key)
    Channel.objects.filter(pk=channel.pk).update(is_active=False)
    retried = api.post(url, {"text": "Arriva domani"}, **key)
    new = api.post(url, {"text": "Arriva lunedì"}, HTTP_IDEMPOTENCY_KEY="nuova-chiave-1")

    assert first.status_code == 201
    assert retried.status_code == 200 and retried.json()["id"] == first.json()["id"]
    assert new.status_code == 422
    assert conversation.messages.filter(direction="out", kind=Kind.MESSAGE).count() == 1
