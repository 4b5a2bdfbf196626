"""The LMTP receiver, spoken to as a mail server speaks to it (smtplib's LMTP client)."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest

from sportello.conversations.models import Kind, Message
from sportello.customers.models import Identity
from sportello.ingest import pipeline
from sportello.ingest.models import RejectedInbound
from sportello.providers.email.lmtp import MAX_LINE_BYTES, LmtpReceiver, start_lmtp_server
from tests.outbound.helpers import SHOP_ADDRESS, free_port, make_email_channel, raw_email

# The receiver stores from its own thread: the test must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

OTHER_ADDRESS = "ordini@bottega.example.it"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def receiver(workspace) -> Iterator[LmtpReceiver]:
    server = start_lmtp_server("127.0.0.1", free_port())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def channel(workspace):
    return make_email_channel(workspace.pk)


def client(receiver: LmtpReceiver) -> smtplib.LMTP:
    lmtp = smtplib.LMTP("127.0.0.1", receiver.port, timeout=30)
    lmtp.ehlo_or_helo_if_needed()
    return lmtp


def send(receiver: LmtpReceiver, raw: bytes, recipients: list[str]) -> list[tuple[int, bytes]]:
    """MAIL, RCPT each, DATA, and LMTP's one reply per accepted recipient."""
    lmtp = client(receiver)
    try:
        lmtp.mail("mario.rossi@example.it")
        accepted = []
        replies = []
        for address in recipients:
            code, text = lmtp.rcpt(address)
            if code == 250:
                accepted.append(address)
            else:
                replies.append((code, text))
        if not accepted:
            return replies
        code, text = lmtp.data(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        replies.append((code, text))
        for _ in accepted[1:]:
            replies.append(lmtp.getreply())
        return replies
    finally:
        lmtp.close()


def test_a_message_is_answered_250_once_stored(receiver, channel):
    [(code, text)] = send(receiver, raw_email(), [SHOP_ADDRESS])
    assert code == 250, text
    message = Message.objects.get(kind=Kind.MESSAGE)
    assert (
        message.channel_id == channel.pk and message.external_id == "<ordine-1@cliente.example.it>"
    )


def test_the_recipient_address_is_matched_without_regard_to_case(receiver, channel):
    [(code, _)] = send(receiver, raw_email(), [SHOP_ADDRESS.upper()])
    assert code == 250 and Message.objects.filter(kind=Kind.MESSAGE).count() == 1


def test_an_unknown_recipient_is_refused_with_550(receiver, channel):
    [(code, text)] = send(receiver, raw_email(), ["nessuno@negozio.it"])
    assert code == 550 and b"nessuno@negozio.it" in text
    assert Message.objects.count() == 0


def test_a_message_for_two_channels_is_stored_in_each_with_one_reply_per_recipient(
    receiver, workspace, channel
):
    other = make_email_channel(workspace.pk, slug="bottega", address=OTHER_ADDRESS)
    replies = send(receiver, raw_email(), [SHOP_ADDRESS, "nessuno@negozio.it", OTHER_ADDRESS])
    assert [code for code, _ in replies] == [550, 250, 250]
    stored = set(Message.objects.filter(kind=Kind.MESSAGE).values_list("channel_id", flat=True))
    assert stored == {channel.pk, other.pk}


def test_a_redelivery_is_answered_250_and_stored_once(receiver, channel):
    send(receiver, raw_email(), [SHOP_ADDRESS])
    [(code, _)] = send(receiver, raw_email(), [SHOP_ADDRESS])
    assert code == 250 and Message.objects.filter(kind=Kind.MESSAGE).count() == 1


def test_an_oversize_message_is_refused_with_552(workspace, channel, settings):
    settings.MAX_EMAIL_BYTES = 5_000
    server = start_lmtp_server("127.0.0.1", free_port())
    try:
        [(code, _)] = send(server, raw_email(body="lungo\n" * 2_000), [SHOP_ADDRESS])
    finally:
        server.stop()
    assert code == 552 and Message.objects.count() == 0


def test_a_message_that_cannot_be_ingested_is_kept_and_answered_451(receiver, channel, monkeypatch):
    def broken(self, ctx):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline.DetectLanguage, "run", broken)
    [(code, _)] = send(receiver, raw_email(), [SHOP_ADDRESS])
    assert code == 451
    rejected = RejectedInbound.objects.get()
    assert rejected.retryable and rejected.source == "lmtp" and "disk full" in rejected.reason


def test_a_message_without_sender_is_refused_and_kept(receiver, channel):
    [(code, _)] = send(receiver, raw_email(sender=""), [SHOP_ADDRESS])
    assert code == 550
    assert RejectedInbound.objects.get().stage == "edge"


def test_stop_closes_the_port(workspace):
    port = free_port()
    server = start_lmtp_server("127.0.0.1", port)
    server.stop()
    with pytest.raises(OSError):
        smtplib.LMTP("127.0.0.1", port, timeout=2)


def mail_from(
    sender: bytes = b"Mario Rossi <mario.rossi@example.it>",
    message_id: bytes = b"<strano-1@example.com>",
    body: bytes = b"Hai vinto un premio: scrivici.\r\n",
) -> bytes:
    """A message written byte for byte: EmailMessage would refuse or rewrite the odd senders
    real mail carries, and fold the long lines it has."""
    return (
        b"From: " + sender + b"\r\nTo: " + SHOP_ADDRESS.encode() + b"\r\n"
        b"Subject: Vincita straordinaria\r\nMessage-ID: " + message_id + b"\r\n"
        b"Date: Mon, 2 Dec 2024 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"\r\n" + body
    )


QUOTED_LOCAL_PART = '"Millions Lottery Spain transfer"@example.com'
UNQUOTED_SPACES = "power quadrant system@example.com"


@pytest.mark.parametrize(
    ("sender", "as_written"),
    [
        # A quoted local part with spaces: valid (RFC 5322), rare, not a normal address.
        (QUOTED_LOCAL_PART.encode() + b">", QUOTED_LOCAL_PART),
        # Spaces without quotes: invalid, but it says who wrote.
        (b'"your secret past" <' + UNQUOTED_SPACES.encode() + b">", UNQUOTED_SPACES),
        # No dot in the domain.
        (b"Martin von Wittich <redacted@redacted>", "redacted@redacted"),
    ],
)  # fmt: skip
def test_a_sender_that_is_no_valid_address_is_stored_as_written_and_unverified(
    receiver, channel, sender, as_written
):
    [(code, text)] = send(receiver, mail_from(sender), [SHOP_ADDRESS])
    assert code == 250, text
    message = Message.objects.get(kind=Kind.MESSAGE)
    identity = Identity.objects.get(customer_id=message.conversation.customer_id)
    assert (identity.kind, identity.value, identity.unverified) == ("email", as_written, True)
    assert not RejectedInbound.objects.exists()


def test_the_same_odd_sender_writing_again_is_the_same_customer(receiver, channel):
    sender = b'"Millions Lottery Spain transfer"@example.com'
    send(receiver, mail_from(sender, b"<strano-1@example.com>"), [SHOP_ADDRESS])
    [(code, _)] = send(receiver, mail_from(sender, b"<strano-2@example.com>"), [SHOP_ADDRESS])
    assert code == 250
    customers = set(
        Message.objects.filter(kind=Kind.MESSAGE).values_list(
            "conversation__customer_id", flat=True
        )
    )
    assert len(customers) == 1 and Identity.objects.count() == 1


def test_a_sender_that_cannot_be_read_is_refused_for_good_and_kept(receiver, channel):
    """A message whose sender can never be stored is not answered 451 (the mail server would
    retry it for days) but 550 with the reason, and kept as a rejected record."""
    [(code, text)] = send(receiver, mail_from(b"Mario <mario@exa mple.it>"), [SHOP_ADDRESS])
    assert code == 550 and b"not an email address" in text
    rejected = RejectedInbound.objects.get()
    assert rejected.source == "lmtp" and "not an email address" in rejected.reason
    assert Message.objects.filter(kind=Kind.MESSAGE).count() == 0


def test_a_line_far_over_1000_bytes_is_taken_as_it_is(receiver, channel):
    """Real mail has lines over RFC 5321's 1,000 octets (HTML on one line); a mail server
    that folded them would alter the message, so the receiver takes them up to 1 MiB."""
    raw = mail_from(body=b"parola " * 40_000 + b"\r\n")  # 280,000 bytes on one line
    assert max(len(line) for line in raw.splitlines()) > 200_000
    [(code, text)] = send(receiver, raw, [SHOP_ADDRESS])
    assert code == 250, text
    assert Message.objects.get(kind=Kind.MESSAGE).text.count("parola") == 40_000


def test_a_line_over_the_limit_is_refused_for_good_once_per_recipient(receiver, workspace, channel):
    """GIVEN a message for two channels with a line longer than MAX_LINE_BYTES
    THEN each recipient gets a permanent 500 naming the limit (LMTP owes one answer each: a
    mail server left waiting would retry), and each channel keeps a rejected record."""
    other = make_email_channel(workspace.pk, slug="bottega", address=OTHER_ADDRESS)
    raw = mail_from(body=b"x" * (MAX_LINE_BYTES + 10) + b"\r\n")
    replies = send(receiver, raw, [SHOP_ADDRESS, OTHER_ADDRESS])
    assert [code for code, _ in replies] == [500, 500]
    assert all(f"longer than {MAX_LINE_BYTES} bytes".encode() in text for _, text in replies)
    rejected = RejectedInbound.objects.order_by("channel_id")
    assert [r.channel_id for r in rejected] == [channel.pk, other.pk]
    assert all(not r.retryable and str(MAX_LINE_BYTES) in r.reason for r in rejected)
    assert Message.objects.count() == 0
    # The session goes on: the next message on a new connection is taken.
    [(code, _)] = send(receiver, raw_email(), [SHOP_ADDRESS])
    assert code == 250


def test_an_oversize_message_for_two_channels_gets_552_for_each_and_is_recorded(
    workspace, channel, settings
):
    settings.MAX_EMAIL_BYTES = 5_000
    other = make_email_channel(workspace.pk, slug="bottega", address=OTHER_ADDRESS)
    server = start_lmtp_server("127.0.0.1", free_port())
    try:
        replies = send(server, raw_email(body="lungo\n" * 2_000), [SHOP_ADDRESS, OTHER_ADDRESS])
    finally:
        server.stop()
    assert [code for code, _ in replies] == [552, 552]
    assert {r.channel_id for r in RejectedInbound.objects.all()} == {channel.pk, other.pk}
