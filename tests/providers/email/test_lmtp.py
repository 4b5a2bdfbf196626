"""The LMTP receiver, spoken to as a mail server speaks to it (smtplib's LMTP client)."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest

from sportello.conversations.models import Kind, Message
from sportello.ingest import pipeline
from sportello.ingest.models import RejectedInbound
from sportello.providers.email.lmtp import LmtpReceiver, start_lmtp_server
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
