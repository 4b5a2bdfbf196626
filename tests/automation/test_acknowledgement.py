"""The acknowledgement as a customer gets it: an email arrives, the automatic reply goes
out over SMTP with the first reply's due time from the calendar, on a moving clock."""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from sportello.accounts.actions import issue_token
from sportello.accounts.models import Role
from sportello.automation.models import AcknowledgementSettings
from sportello.channels.models import Channel
from sportello.conversations.models import Conversation, Direction, Kind, Message
from sportello.outbound.models import Delivery, DeliveryStatus
from sportello.providers.email.receive import receive_email
from sportello.sla.actions import escalate_due
from tests.conftest import ApiClient
from tests.factories import AgentFactory
from tests.outbound.helpers import SHOP_ADDRESS, make_email_channel, smtp_sink
from tests.sla.conftest import MovingClock

pytestmark = pytest.mark.django_db

ITALIAN = "Buongiorno, il mio ordine 4411 non è ancora arrivato. Potete controllare per favore?"
ENGLISH = "Hello, my order 4411 has not arrived yet. Could you please check where it is?"
ON = {
    "is_enabled": True,
    "template_it": "Grazie per averci scritto. Ti risponderemo entro le {time} di {date}.",
    "template_en": "Thank you for writing. We will reply by {time} on {date}.",
    "min_hours_between": 24,
}


@pytest.fixture
def admin_api(workspace) -> ApiClient:
    return ApiClient(issue_token(AgentFactory(workspace=workspace, role=Role.ADMIN)))


@pytest.fixture
def switched_on(admin_api) -> dict:
    response = admin_api.put("/api/v1/acknowledgement", ON)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def sink():
    with smtp_sink() as sink:
        yield sink


@pytest.fixture
def mailbox(workspace, sink):
    return make_email_channel(workspace.pk, smtp_port=sink.port)


@pytest.fixture
def write(mailbox, moving_clock, django_capture_on_commit_callbacks):
    """A customer's email reaches the channel now (by the moving clock); the handlers of
    its commit run (the acknowledgement, its delivery over SMTP)."""
    counter = iter(range(1, 1000))

    def send(
        text: str = ITALIAN,
        *,
        sender: str = "Mario Rossi <mario.rossi@example.it>",
        subject: str = "Ordine 4411",
        headers: dict[str, str] | None = None,
        channel: Channel | None = None,
    ) -> Conversation:
        email = EmailMessage()
        email["From"] = sender
        email["To"] = SHOP_ADDRESS
        email["Subject"] = subject
        email["Date"] = format_datetime(moving_clock.now)
        email["Message-ID"] = f"<msg-{next(counter)}@cliente.example.it>"
        for name, value in (headers or {}).items():
            email[name] = value
        email.set_content(text)
        with django_capture_on_commit_callbacks(execute=True):
            outcome = receive_email(channel or mailbox, email.as_bytes(), source="test")
        assert outcome.conversation_id is not None, outcome
        return Conversation.objects.get(pk=outcome.conversation_id)

    return send


def automatic_replies(conversation: Conversation) -> list[Message]:
    return list(
        Message.objects.filter(
            conversation=conversation, direction=Direction.OUTBOUND, kind=Kind.MESSAGE
        ).order_by("id")
    )


def skipped(conversation: Conversation) -> list[str]:
    events = Message.objects.filter(
        conversation=conversation, kind=Kind.EVENT, event="acknowledgement_skipped"
    )
    return [m.data["reason"] for m in events]


def test_christmas_eve_at_1745_is_acknowledged_with_monday_28_december_at_0945(
    api, switched_on, write, sink, moving_clock: MovingClock, django_capture_on_commit_callbacks
):
    """GIVEN acknowledgements on, the default calendar (Mon-Fri 09-18 Rome, Italian holidays)
    and policy (first reply within one business hour)
    WHEN a customer emails in Italian at 17:45 on Thursday 24 December 2026
    THEN an automatic reply goes out over SMTP at once, marked Auto-Submitted, saying
    "entro le 09:45 di lunedì 28 dicembre"; it is not the first reply: the SLA clock keeps
    running and the scanner still warns at 09:30 on the 28th."""
    moving_clock.set(2026, 12, 24, 17, 45)
    conversation = write()

    (ack,) = automatic_replies(conversation)
    assert ack.text == (
        "Grazie per averci scritto. Ti risponderemo entro le 09:45 di lunedì 28 dicembre."
    )
    assert ack.sender_agent_id is None and ack.data == {"automatic": "acknowledgement"}
    assert Delivery.objects.get(message=ack).status == DeliveryStatus.SENT
    (email,) = sink.messages()
    assert email["To"] == "mario.rossi@example.it"
    assert email["Auto-Submitted"] == "auto-replied"
    assert "entro le 09:45 di lunedì 28 dicembre" in email.get_content()

    body = api.get(f"/api/v1/conversations/{conversation.pk}").json()
    assert body["first_reply_at"] is None and body["waiting_since"] is not None
    assert body["first_reply_due_at"] == "2026-12-28T08:45:00Z"
    assert body["first_reply_sla"] == "running"
    shown = [m for m in body["messages"] if m["kind"] == "message" and m["direction"] == "out"]
    assert shown[0]["data"] == {"automatic": "acknowledgement"}

    moving_clock.set(2026, 12, 28, 9, 30)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_due() == (1, 0)


def test_a_customer_writing_in_english_reads_the_english_text(
    switched_on, write, moving_clock: MovingClock
):
    moving_clock.set(2026, 12, 24, 17, 45)
    conversation = write(ENGLISH, subject="Order 4411")
    assert conversation.language == "en"
    (ack,) = automatic_replies(conversation)
    assert ack.text == "Thank you for writing. We will reply by 09:45 on Monday 28 December."


def test_no_acknowledgement_until_an_admin_turns_it_on(write, sink):
    conversation = write()
    assert automatic_replies(conversation) == [] and skipped(conversation) == []
    assert sink.received == []


def test_while_off_a_new_conversation_costs_one_read_and_no_transaction(
    write, admin_api, django_assert_max_num_queries
):
    """Every new conversation asks; while acknowledgements are off (the default) the
    answer is one read, never a write transaction that other writers would wait for."""
    from sportello.automation.handlers import acknowledge_new_conversation
    from sportello.conversations.events import ConversationOpened

    conversation = write()
    event = ConversationOpened(
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.pk,
        customer_id=conversation.customer_id,
        channel_id=conversation.channel_id,
    )
    with django_assert_max_num_queries(1):
        acknowledge_new_conversation(event)
    assert admin_api.put("/api/v1/acknowledgement", ON).status_code == 200
    acknowledge_new_conversation(event)
    assert len(automatic_replies(conversation)) == 1


@pytest.mark.parametrize(
    ("sender", "headers", "reason"),
    [
        ("Mario Rossi <mario.rossi@example.it>", {"Auto-Submitted": "auto-replied"}, "auto_reply"),
        (
            "Mail Delivery System <mailer-daemon@example.it>",
            {"X-Failed-Recipients": "nessuno@example.it"},
            "bounce",
        ),
        ("Negozio Amico <noreply@amico.example.it>", {}, "no_reply"),
        ("Negozio Amico <no-reply+ordini@amico.example.it>", {}, "no_reply"),
    ],
)
def test_machines_get_no_acknowledgement_and_the_timeline_says_why(
    switched_on, write, sink, sender, headers, reason
):
    conversation = write(sender=sender, headers=headers)
    assert automatic_replies(conversation) == []
    assert skipped(conversation) == [reason]
    assert sink.received == []


def test_a_customer_who_opted_out_gets_none(api, switched_on, inbound, write, sink):
    """GIVEN a customer who asked, on an earlier contact, for no automatic replies
    WHEN they email
    THEN no acknowledgement goes out and the timeline says why."""
    earlier = inbound("Vi scrivo dal vostro modulo", sender={"email": "mario.rossi@example.it"})
    customer_id = earlier.json()["customer_id"]
    response = api.patch(f"/api/v1/customers/{customer_id}", {"no_automatic_replies": True})
    assert response.status_code == 200 and response.json()["no_automatic_replies"] is True

    conversation = write()
    assert conversation.customer_id == customer_id
    assert automatic_replies(conversation) == [] and skipped(conversation) == ["opted_out"]
    assert sink.received == []


def test_one_acknowledgement_per_customer_within_the_hours_set(
    workspace, switched_on, write, sink, moving_clock: MovingClock
):
    """GIVEN at most one acknowledgement per customer every 24 hours
    WHEN the customer opens a conversation on a second mailbox 23 hours after the first,
    and on a third 25 hours after the first
    THEN the second is not acknowledged (the timeline says why) and the third is."""
    sales, billing = (
        make_email_channel(workspace.pk, smtp_port=sink.port, slug=slug, address=address)
        for slug, address in (("vendite", "vendite@negozio.it"), ("fatture", "fatture@negozio.it"))
    )
    moving_clock.set(2026, 12, 2, 10, 0)
    first = write()
    moving_clock.advance(timedelta(hours=23))
    second = write(channel=sales)
    moving_clock.advance(timedelta(hours=2))
    third = write(channel=billing)
    assert len({first.pk, second.pk, third.pk}) == 3
    assert len({first.customer_id, second.customer_id, third.customer_id}) == 1
    assert [len(automatic_replies(c)) for c in (first, second, third)] == [1, 0, 1]
    assert skipped(second) == ["recently_acknowledged"]
    assert len(sink.received) == 2


def test_a_channel_that_cannot_send_records_why_and_ingest_answers(switched_on, inbound):
    response = inbound("Buongiorno, vorrei sapere se il negozio è aperto sabato.")
    assert response.status_code == 201
    conversation = Conversation.objects.get(pk=response.json()["conversation_id"])
    assert automatic_replies(conversation) == []


def test_a_broken_template_in_the_database_never_breaks_ingest(switched_on, write, sink, caplog):
    """A template that cannot fill (written around the API, say in the database) is
    logged; the customer's message is stored all the same."""
    AcknowledgementSettings.objects.update(template_it="Entro {quando}")
    with caplog.at_level(logging.ERROR):
        conversation = write()
    assert conversation.message_count == 1 and automatic_replies(conversation) == []
    assert "event handler" in caplog.text


def test_admins_read_defaults_and_previews_and_change_them(admin_api, api, moving_clock):
    moving_clock.set(2026, 12, 24, 17, 45)
    body = admin_api.get("/api/v1/acknowledgement").json()
    assert body["is_enabled"] is False and body["min_hours_between"] == 24
    assert "entro le 09:45 di lunedì 28 dicembre" in body["preview_it"]
    assert "by 09:45 on Monday 28 December" in body["preview_en"]

    changed = admin_api.put(
        "/api/v1/acknowledgement",
        {**ON, "template_it": "Ciao {name}, pratica {number}: entro le {time} di {date}."},
    )
    assert changed.status_code == 200
    assert changed.json()["preview_it"] == (
        "Ciao Mario Rossi, pratica 1234: entro le 09:45 di lunedì 28 dicembre."
    )
    assert api.get("/api/v1/acknowledgement").status_code == 403
    assert api.put("/api/v1/acknowledgement", ON).status_code == 403


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("Entro {quando}", "unknown placeholder {quando}"),
        ("Entro {date.__class__}", "unknown placeholder"),
        ("Entro {date!r}", "unknown placeholder"),
        ("Entro {time:>30}", "unknown placeholder"),
        ("Entro {", "template_it"),
        ("   ", "the text is empty"),
    ],
)
def test_a_template_that_cannot_fill_is_refused_with_a_clear_message(admin_api, template, message):
    response = admin_api.put("/api/v1/acknowledgement", {**ON, "template_it": template})
    assert response.status_code == 422, response.content
    assert message in response.content.decode()
    assert not AcknowledgementSettings.objects.exists()


def test_hours_between_out_of_range_are_refused(admin_api):
    response = admin_api.put("/api/v1/acknowledgement", {**ON, "min_hours_between": -1})
    assert response.status_code == 422


@pytest.mark.parametrize(
    "change",
    [
        {"do_not_contact": True},
        {"consents": [{"purpose": "service", "channel_kind": "email", "granted": False}]},
    ],
)
def test_a_customer_not_to_be_contacted_gets_none(api, switched_on, inbound, write, sink, change):
    """GIVEN a customer who asked not to be contacted, or withdrew consent to service
    messages by email
    WHEN they email
    THEN no acknowledgement goes out and the timeline says why (issue 18: every outbound
    path that is not a reply checks consent)."""
    earlier = inbound("Vi scrivo dal vostro modulo", sender={"email": "mario.rossi@example.it"})
    customer_id = earlier.json()["customer_id"]
    response = api.put(f"/api/v1/customers/{customer_id}/consents", change)
    assert response.status_code == 200, response.content

    conversation = write()
    assert conversation.customer_id == customer_id
    assert automatic_replies(conversation) == [] and skipped(conversation) == ["no_consent"]
    assert sink.received == []


def test_consent_withdrawn_on_another_channel_still_acknowledged(
    api, switched_on, inbound, write, sink
):
    """Withdrawing WhatsApp service messages says nothing of email: the email is
    acknowledged."""
    earlier = inbound("Vi scrivo dal vostro modulo", sender={"email": "mario.rossi@example.it"})
    customer_id = earlier.json()["customer_id"]
    withdrawn = {"consents": [{"purpose": "service", "channel_kind": "whatsapp", "granted": False}]}
    assert api.put(f"/api/v1/customers/{customer_id}/consents", withdrawn).status_code == 200
    conversation = write()
    assert len(automatic_replies(conversation)) == 1
