"""Shared by the outbound and email-channel tests: a real SMTP server to send to, an email
channel, and a customer email already in a conversation."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from sportello.channels.models import Channel
from sportello.conversations.models import Conversation
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest

SHOP_ADDRESS = "assistenza@negozio.it"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SmtpSink:
    """An SMTP server (aiosmtpd) that keeps what it receives; it can be told to refuse."""

    port: int = 0
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    rcpt_answer: str | None = None
    data_answer: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.rcpt_answer:
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.data_answer:
            return self.data_answer
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=policy.default) for _, _, raw in self.received]


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def make_email_channel(
    workspace_id: int,
    *,
    smtp_port: int | None = None,
    slug: str = "posta",
    address: str = SHOP_ADDRESS,
    **config: Any,
) -> Channel:
    settings: dict[str, Any] = {"address": address, "from_name": "Negozio Rossi", **config}
    if smtp_port is not None:
        settings["smtp"] = {"host": "127.0.0.1", "port": smtp_port, "ssl": False, "starttls": False}
    return Channel.objects.create(
        workspace_id=workspace_id, kind="email", name="Posta", slug=slug, config=settings
    )


def customer_email(
    channel: Channel,
    *,
    message_id: str = "<ordine-1@cliente.example.it>",
    subject: str = "Ordine 4411 non arrivato",
    text: str = "Buongiorno, il mio ordine 4411 non è ancora arrivato.",
    sender: str = "mario.rossi@example.it",
    references: list[str] | None = None,
    reply_to: list[str] | None = None,
) -> Conversation:
    """A customer's email as the email adapter hands it over (without the MIME parser)."""
    result = ingest(
        InboundMessage(
            workspace_id=channel.workspace_id,
            channel_id=channel.pk,
            sender=Sender(name="Mario Rossi", email=sender),
            text=text,
            subject=subject,
            external_id=message_id,
            references=references or [],
            data={
                "email": {
                    "from": sender,
                    "reply_to": reply_to or [],
                    "references": references or [],
                }
            },
        ),
        source="test",
    )
    return Conversation.objects.get(pk=result.conversation_id)


def raw_email(
    *,
    subject: str = "Ordine 4411 non arrivato",
    body: str = "Buongiorno, il mio ordine 4411 non è ancora arrivato.\n\nMario Rossi\n",
    sender: str = "Mario Rossi <mario.rossi@example.it>",
    to: str = SHOP_ADDRESS,
    message_id: str | None = "<ordine-1@cliente.example.it>",
    headers: dict[str, str] | None = None,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
) -> bytes:
    """A customer's email as a mail client writes it."""
    from email.utils import formatdate

    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for filename, content, content_type in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def lose_smtp(channel: Channel) -> None:
    """An admin removes the channel's outgoing server after a reply was queued: its
    delivery then fails ("the channel has no SMTP server configured"). A reply on a
    channel without one is refused before it is stored (``outbound.readiness``)."""
    config = {k: v for k, v in channel.config.items() if k != "smtp"}
    Channel.objects.filter(pk=channel.pk).update(config=config)
