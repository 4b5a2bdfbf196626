"""Replies by email, sent to a real SMTP server (aiosmtpd) and read back as a client would."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from sportello.conversations.models import Conversation, Message
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest
from sportello.outbound import actions as outbound
from sportello.outbound.models import Delivery, DeliveryStatus
from sportello.providers.common.storage import store_attachment
from sportello.providers.email.send import reply_subject
from tests.outbound.helpers import (
    SHOP_ADDRESS,
    SmtpSink,
    customer_email,
    free_port,
    make_email_channel,
    smtp_sink,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sink():
    with smtp_sink() as sink:
        yield sink


@pytest.fixture
def channel(workspace, sink):
    return make_email_channel(workspace.pk, smtp_port=sink.port)


@pytest.fixture
def send_reply(agent, django_capture_on_commit_callbacks):
    def send(conversation, text="Gentile Mario, il pacco è in consegna oggi.", **kw):
        with django_capture_on_commit_callbacks(execute=True):
            return outbound.send_reply(conversation, agent, text, **kw).message

    return send


def test_reply_is_threaded_under_the_customers_email(channel, send_reply, sink):
    conversation = customer_email(
        channel,
        message_id="<secondo@cliente.example.it>",
        references=["<primo@cliente.example.it>", "<zero@cliente.example.it>"],
    )
    message = send_reply(conversation)

    [sent] = sink.messages()
    assert sent["Subject"] == f"Re: Ordine 4411 non arrivato [#{conversation.number}]"
    assert sent["In-Reply-To"] == "<secondo@cliente.example.it>"
    assert sent["References"].split() == [
        "<zero@cliente.example.it>",
        "<primo@cliente.example.it>",
        "<secondo@cliente.example.it>",
    ]
    message.refresh_from_db()
    assert sent["Message-ID"] == message.external_id
    assert message.external_id.endswith("@negozio.it>")
    assert sent["From"] == f"Negozio Rossi <{SHOP_ADDRESS}>"
    assert sink.received[0][0] == SHOP_ADDRESS
    assert sink.received[0][1] == ["mario.rossi@example.it"]


def test_a_second_reply_refers_to_the_first(channel, send_reply, sink):
    conversation = customer_email(channel)
    first = send_reply(conversation)
    send_reply(conversation, "Aggiornamento: consegnato.")
    first.refresh_from_db()
    second = sink.messages()[1]
    assert second["In-Reply-To"] == "<ordine-1@cliente.example.it>"
    assert first.external_id in second["References"].split()


def test_the_customers_answer_to_a_reply_comes_back_to_the_conversation(channel, send_reply):
    conversation = customer_email(channel)
    message = send_reply(conversation)
    message.refresh_from_db()
    result = ingest(
        InboundMessage(
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
            sender=Sender(email="altro.indirizzo@example.it"),
            text="Grazie!",
            external_id="<grazie@cliente.example.it>",
            references=[message.external_id],
        )
    )
    assert result.conversation_id == conversation.pk


def test_the_reply_goes_to_the_reply_to_address(channel, send_reply, sink):
    conversation = customer_email(channel, reply_to=["ordini@rossi-srl.example.it"])
    send_reply(conversation)
    assert sink.received[0][1] == ["ordini@rossi-srl.example.it"]


def test_the_agents_signature_is_appended(channel, agent, send_reply, sink):
    agent.signature = "Giulia Bianchi\nNegozio Rossi"
    agent.save()
    send_reply(customer_email(channel), "Ecco il tracking.", html="<p>Ecco il tracking.</p>")
    [sent] = sink.messages()
    text = sent.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.rstrip().endswith("Ecco il tracking.\n\n-- \nGiulia Bianchi\nNegozio Rossi")
    html = sent.get_body(("html",)).get_content()
    assert "<p>Ecco il tracking.</p><br><br>-- <br>Giulia Bianchi<br>Negozio Rossi" in html


def test_a_subject_cannot_inject_headers(channel, send_reply, sink):
    conversation = customer_email(channel)
    Conversation.objects.filter(pk=conversation.pk).update(
        subject="Ordine\r\nBcc: tutti@example.com\nX-Evil: 1"
    )
    conversation.refresh_from_db()
    send_reply(conversation)
    [sent] = sink.messages()
    assert sent["Bcc"] is None and sent["X-Evil"] is None
    assert "\n" not in sent["Subject"] and "\r" not in sent["Subject"]
    assert sink.received[0][1] == ["mario.rossi@example.it"]


@pytest.mark.parametrize(
    "subject, expected",
    [
        ("Ordine 4411", "Re: Ordine 4411 [#7]"),
        ("RE: R: Ordine 4411 [#7]", "Re: Ordine 4411 [#7]"),
        ("Fwd: I: Re[2]: Reso", "Re: Reso [#7]"),
        ("", "Re: [#7]"),
        ("  \t ", "Re: [#7]"),
    ],
)
def test_reply_subject(subject, expected):
    assert reply_subject(subject, 7) == expected


def test_attachments_of_a_reply_are_sent(channel, send_reply, sink, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    conversation = customer_email(channel)
    content = b"%PDF-1.4 fattura"
    _, path = store_attachment(channel.workspace_id, content)
    message = send_reply(conversation)
    # Replies carry attachments once the composer uploads them; here they are set by hand.
    Message.objects.filter(pk=message.pk).update(
        attachments=[{"filename": "fattura.pdf", "content_type": "application/pdf", "path": path}]
    )
    delivery = Delivery.objects.get(message=message)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.QUEUED)
    sink.received.clear()
    from sportello.outbound.actions import attempt_delivery

    attempt_delivery(delivery.pk)
    [sent] = sink.messages()
    [part] = list(sent.iter_attachments())
    assert part.get_filename() == "fattura.pdf" and part.get_content() == content


def test_the_channels_smtp_login_is_used(workspace, send_reply):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"segreta")

    sink = SmtpSink(port=free_port())
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=sink.port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        channel = make_email_channel(workspace.pk)
        channel.config["smtp"] = {
            "host": "127.0.0.1",
            "port": sink.port,
            "ssl": False,
            "starttls": False,
            "user": SHOP_ADDRESS,
            "password": "segreta",
        }
        channel.save()
        send_reply(customer_email(channel))
    finally:
        controller.stop()
    assert logins == [(SHOP_ADDRESS.encode(), b"segreta")]
    assert len(sink.received) == 1


def test_a_channel_without_smtp_refuses_the_reply_before_storing_it(workspace, agent):
    """No reply that looks sent: it is refused, and nothing is stored or queued."""
    from sportello.core.errors import InvalidInput
    from sportello.outbound import actions as outbound

    channel = make_email_channel(workspace.pk, slug="solo-ricezione")
    conversation = customer_email(channel)
    with pytest.raises(InvalidInput, match="SMTP"):
        outbound.send_reply(conversation, agent, "Arriva domani")
    assert not Delivery.objects.exists()
    assert not conversation.messages.filter(direction="out").exists()
