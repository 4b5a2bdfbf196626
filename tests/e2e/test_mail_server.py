"""Email for real: Postfix and Dovecot on loopback, Sportello between them.

1. A customer's mail client (swaks) sends through Postfix to the shop's Dovecot mailbox;
   Sportello fetches it over IMAP; an agent replies; the Delivery job sends the reply through
   Postfix's SMTP; it lands in the customer's Dovecot mailbox threaded under their mail, with
   ``[#N]`` in the subject; the customer's answer comes back to the same conversation.
2. Postfix hands mail for another domain to Sportello's LMTP receiver (transport_maps), and
   bounces what the receiver refuses.

Prints the measured latencies as JSON lines. Skipped where Debian's Postfix, Dovecot and swaks
cannot be installed or started (scripts/ensure-mailserver.sh).
"""

from __future__ import annotations

import json
import re
import smtplib
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from django.db import OperationalError
from imap_tools import AND, MailBoxUnencrypted, MailMessage

from sportello.conversations.models import Conversation, Kind, Message
from sportello.outbound.actions import send_reply
from sportello.outbound.models import Delivery, DeliveryStatus
from sportello.providers.email.imap import poll_channel
from sportello.providers.email.lmtp import start_lmtp_server
from tests.e2e.mailserver import (
    MailServer,
    free_port,
    running_mail_server,
    unavailable_reason,
)
from tests.outbound.helpers import make_email_channel
from tests.providers.email.corpora import corpus_path
from tests.providers.email.test_lmtp_corpus import on_the_wire

pytestmark = [pytest.mark.mailserver, pytest.mark.django_db(transaction=True)]

SHOP = "assistenza@negozio.test"
CUSTOMER = "mario.rossi@cliente.test"
LMTP_SHOP = "ordini@bottega.test"
PASSWORD = "segreta-di-prova"
T = TypeVar("T")


@pytest.fixture(scope="module")
def sportello_lmtp_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def mail(sportello_lmtp_port) -> Iterator[MailServer]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    try:
        with running_mail_server(
            users={SHOP: PASSWORD, CUSTOMER: PASSWORD},
            dovecot_domains=["negozio.test", "cliente.test"],
            lmtp_routes={"bottega.test": sportello_lmtp_port},
        ) as server:
            yield server
    except RuntimeError as exc:
        pytest.skip(f"the mail server did not start: {exc}")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def wait_for(check: Callable[[], T | None], timeout: float = 30.0, every: float = 0.05) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = check()
        except OperationalError:  # SQLite's shared test cache: a writer holds the table
            found = None
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"nothing after {timeout} s")


def inbox(mail: MailServer, user: str, criteria: Any = "ALL") -> list[MailMessage]:
    with MailBoxUnencrypted("127.0.0.1", mail.imap_port).login(user, PASSWORD) as mailbox:
        return list(mailbox.fetch(criteria, mark_seen=False))


def report(**figures: Any) -> None:
    print(
        "\n"
        + json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in figures.items()})
    )


def customer_sends(mail: MailServer, *headers: str, to: str = SHOP, body: str = "") -> None:
    args = ["--from", CUSTOMER, "--to", to]
    for header in ("Content-Type: text/plain; charset=UTF-8", *headers):
        args += ["--header", header]
    done = mail.swaks(*args, "--body", body or "Buongiorno, il mio ordine 4411 non è arrivato.")
    assert done.returncode == 0, done.stdout + done.stderr


def test_customer_mail_over_imap_and_the_agents_reply_through_postfix(mail, workspace, agent):
    agent.signature = "Giulia Bianchi — Negozio Rossi"
    agent.save()
    channel = make_email_channel(
        workspace.pk,
        address=SHOP,
        imap={
            "host": "127.0.0.1",
            "port": mail.imap_port,
            "ssl": False,
            "starttls": False,
            "user": SHOP,
            "password": PASSWORD,
        },
        smtp={"host": "127.0.0.1", "port": mail.smtp_port, "ssl": False, "starttls": False},
    )

    sent_at = time.monotonic()
    customer_sends(
        mail, "Subject: Ordine 4411 non arrivato", "Message-Id: <ordine-4411@cliente.test>"
    )
    wait_for(lambda: inbox(mail, SHOP))
    in_mailbox_at = time.monotonic()
    poll = poll_channel(channel)
    ingested_at = time.monotonic()
    assert poll.outcomes == {"ingested": 1}, poll
    conversation = Conversation.objects.get(channel=channel)
    report(
        imap_to_conversation_ms=(ingested_at - in_mailbox_at) * 1000,
        poll_seconds_ms=poll.seconds * 1000,
        smtp_to_mailbox_ms=(in_mailbox_at - sent_at) * 1000,
        smtp_to_conversation_ms=(ingested_at - sent_at) * 1000,
    )
    assert inbox(mail, SHOP, AND(seen=False)) == []

    replied_at = time.monotonic()
    answer = send_reply(conversation, agent, "Gentile Mario, il pacco è in consegna oggi.").message
    delivery = Delivery.objects.get(message=answer)
    assert delivery.status == DeliveryStatus.SENT, delivery.last_error
    [received] = wait_for(lambda: inbox(mail, CUSTOMER))
    report(reply_to_customer_mailbox_ms=(time.monotonic() - replied_at) * 1000)

    answer.refresh_from_db()
    assert received.subject == f"Re: Ordine 4411 non arrivato [#{conversation.number}]"
    assert received.headers["in-reply-to"] == ("<ordine-4411@cliente.test>",)
    assert "<ordine-4411@cliente.test>" in received.headers["references"][0].split()
    assert received.headers["message-id"] == (answer.external_id,)
    assert received.from_ == SHOP
    assert "Giulia Bianchi — Negozio Rossi" in received.text

    # The customer answers from their client: it threads back by In-Reply-To.
    customer_sends(
        mail,
        f"Subject: Re: Ordine 4411 non arrivato [#{conversation.number}]",
        "Message-Id: <grazie-4411@cliente.test>",
        f"In-Reply-To: {answer.external_id}",
        f"References: <ordine-4411@cliente.test> {answer.external_id}",
        body="Grazie mille!",
    )
    wait_for(lambda: inbox(mail, SHOP, AND(seen=False)))
    in_mailbox_at = time.monotonic()
    assert poll_channel(channel).outcomes == {"ingested": 1}
    # The first poll above also loaded the language models; this one is the steady state.
    report(imap_to_conversation_warm_ms=(time.monotonic() - in_mailbox_at) * 1000)
    assert Conversation.objects.count() == 1
    assert conversation.messages.filter(kind=Kind.MESSAGE).count() == 3


def test_postfix_delivers_to_sportellos_lmtp_receiver(mail, workspace, sportello_lmtp_port):
    channel = make_email_channel(workspace.pk, address=LMTP_SHOP, slug="bottega")
    receiver = start_lmtp_server("127.0.0.1", sportello_lmtp_port)
    try:
        sent_at = time.monotonic()
        customer_sends(
            mail, "Subject: Preventivo", "Message-Id: <preventivo@cliente.test>", to=LMTP_SHOP
        )
        message = wait_for(
            lambda: Message.objects.filter(kind=Kind.MESSAGE, channel=channel).first()
        )
        report(smtp_to_conversation_over_lmtp_ms=(time.monotonic() - sent_at) * 1000)
        assert message.external_id == "<preventivo@cliente.test>"
        assert message.sender_customer.identities.get().value == CUSTOMER

        # An address no channel owns: the receiver answers 550, Postfix bounces it.
        customer_sends(mail, "Subject: Per nessuno", to="nessuno@bottega.test")
        bounce = wait_for(
            lambda: [m for m in inbox(mail, CUSTOMER) if "nessuno@bottega.test" in m.text]
        )
        assert bounce and Message.objects.filter(kind=Kind.MESSAGE).count() == 1
    finally:
        receiver.stop()


TRY_LATER = "could not be stored, try again later"


def test_postfix_hands_the_zammad_corpus_to_sportello_and_defers_none(
    mail, workspace, sportello_lmtp_port
):
    """GIVEN Postfix routing a domain to Sportello's LMTP receiver
    WHEN the 111 messages of the Zammad corpus are submitted to Postfix over SMTP
    THEN Postfix's log shows each handed over once: at least 108 `sent`, the others
    `bounced` with the receiver's reason, none left `deferred` (no retry loop). (Postfix adds a
    From header from the envelope to a message without one, so mail053, refused straight
    over LMTP, is taken here; Postfix folds lines over 998 bytes, so the long lines are
    tested straight over LMTP in tests/providers/email/test_lmtp_corpus.py.)"""
    folder = corpus_path("emails", "zammad")
    make_email_channel(workspace.pk, address=LMTP_SHOP, slug="bottega")
    receiver = start_lmtp_server("127.0.0.1", sportello_lmtp_port)
    queued: dict[str, str] = {}
    try:
        sent_at = time.monotonic()
        with smtplib.SMTP("127.0.0.1", mail.smtp_port, timeout=60) as smtp:
            for box in sorted(folder.glob("*.box")):
                smtp.mail(CUSTOMER)
                smtp.rcpt(LMTP_SHOP)
                code, text = smtp.data(on_the_wire(box.read_bytes()))
                assert code == 250, (box.name, text)
                queue_id = re.search(rb"queued as (\w+)", text)
                assert queue_id is not None, text
                queued[box.name] = queue_id.group(1).decode()

        def outcomes() -> dict[str, tuple[str, str]] | None:
            log = mail.maillog.read_text(errors="replace")
            found = {}
            for name, queue_id in queued.items():
                # The last word on it: a retried message has several lines.
                lines = re.findall(rf"{queue_id}: to=<{LMTP_SHOP}>.*status=(\w+) \((.*)\)", log)
                if lines:
                    found[name] = lines[-1]
            return found if len(found) == len(queued) else None

        answers = wait_for(outcomes, timeout=300)
        # "Could not be stored, try again later" (451) is the receiver's answer when its
        # database refuses the write for now. The test's SQLite is shared-cache memory, which
        # refuses a second writer at once (a deployment's WAL file waits for it), so under
        # load a message may get it: Postfix keeps it and retries, and flushed now it must
        # be taken. Any other deferral would be a retry loop, and fails below.
        if any(status == "deferred" and TRY_LATER in why for status, why in answers.values()):
            subprocess.run(
                ["/usr/sbin/postqueue", "-c", str(mail.root / "postfix"), "-f"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=60,
                check=False,
            )

            def retried() -> dict[str, tuple[str, str]] | None:
                now = outcomes()
                waiting = now is None or any(
                    status == "deferred" and TRY_LATER in why for status, why in now.values()
                )
                return None if waiting else now

            answers = wait_for(retried, timeout=300)
        report(zammad_corpus_through_postfix_s=time.monotonic() - sent_at)
    finally:
        receiver.stop()
    statuses = Counter(status for status, _ in answers.values())
    not_sent = {name: answer for name, answer in answers.items() if answer[0] != "sent"}
    report(postfix_statuses=dict(statuses), not_sent=not_sent)
    assert statuses["deferred"] == 0, not_sent
    assert statuses["sent"] >= 108, not_sent
    assert all(status == "bounced" and " 5" in why for status, why in not_sent.values())
