"""Polling a real IMAP mailbox (Dovecot on loopback): take, then mark; a crash loses nothing.

Skipped where Debian's Dovecot cannot be installed (see scripts/ensure-mailserver.sh).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from imap_tools import AND, MailBoxUnencrypted

from sportello.conversations.models import Kind, Message
from sportello.ingest import pipeline
from sportello.ingest.models import RejectedInbound
from sportello.providers.email import imap
from sportello.providers.email.jobs import poll_mailboxes
from tests.e2e.mailserver import MailServer, running_mail_server, unavailable_reason
from tests.outbound.helpers import make_email_channel, raw_email

pytestmark = [pytest.mark.mailserver, pytest.mark.django_db]

PASSWORD = "segreta-di-prova"
BOXES = [f"casella{n}@negozio.test" for n in range(20)]
_next_box = itertools.count()


@pytest.fixture(scope="module")
def dovecot() -> Iterator[MailServer]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    try:
        with running_mail_server(
            users={box: PASSWORD for box in BOXES},
            dovecot_domains=["negozio.test"],
            with_postfix=False,
        ) as server:
            yield server
    except RuntimeError as exc:
        pytest.skip(f"Dovecot did not start: {exc}")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def box(dovecot) -> str:
    """A mailbox no other test has used."""
    return BOXES[next(_next_box)]


def login(dovecot: MailServer, box: str) -> MailBoxUnencrypted:
    return MailBoxUnencrypted("127.0.0.1", dovecot.imap_port).login(box, PASSWORD)


def deliver(dovecot: MailServer, box: str, *raws: bytes) -> None:
    with login(dovecot, box) as mailbox:
        for raw in raws:
            mailbox.append(raw, "INBOX", dt=None, flag_set=[])


def channel_for(workspace, dovecot: MailServer, box: str, **imap_settings):
    return make_email_channel(
        workspace.pk,
        address=box,
        slug=box.split("@")[0],
        imap={
            "host": "127.0.0.1",
            "port": dovecot.imap_port,
            "ssl": False,
            "starttls": False,
            "user": box,
            "password": PASSWORD,
            **imap_settings,
        },
    )


def unseen(dovecot: MailServer, box: str, folder: str = "INBOX") -> int:
    with login(dovecot, box) as mailbox:
        mailbox.folder.set(folder)
        return len(mailbox.uids(AND(seen=False)))


def test_new_mail_is_ingested_then_marked_seen(workspace, dovecot, box):
    deliver(dovecot, box, raw_email(), raw_email(message_id="<due@cliente.example.it>"))
    channel = channel_for(workspace, dovecot, box)

    report = imap.poll_channel(channel)

    assert report.error == "" and report.outcomes == {"ingested": 2}
    assert Message.objects.filter(kind=Kind.MESSAGE, channel=channel).count() == 2
    assert unseen(dovecot, box) == 0
    print(f"\nIMAP poll of 2 messages: {report.seconds * 1000:.0f} ms")
    assert imap.poll_channel(channel).fetched == 0


def test_processed_mail_is_moved_to_the_processed_folder(workspace, dovecot, box):
    deliver(dovecot, box, raw_email())
    channel = channel_for(workspace, dovecot, box, processed_folder="Sportello")

    imap.poll_channel(channel)

    with login(dovecot, box) as mailbox:
        assert len(mailbox.uids(AND(deleted=False))) == 0
        mailbox.folder.set("Sportello")
        [moved] = list(mailbox.fetch(mark_seen=False))
        assert moved.headers["message-id"] == ("<ordine-1@cliente.example.it>",)
        assert "\\Seen" in moved.flags


def test_a_crash_before_marking_fetches_again_and_duplicates_nothing(
    workspace, dovecot, box, monkeypatch
):
    """GIVEN a poll that stores a message and dies before marking it \\Seen
    WHEN the next poll runs
    THEN it fetches the message again, ingest recognises it, and it is marked at last."""
    deliver(dovecot, box, raw_email())
    channel = channel_for(workspace, dovecot, box)

    def crash(*args):
        raise ConnectionResetError("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(imap, "_mark_processed", crash)
        report = imap.poll_channel(channel)
    assert "worker killed" in report.error
    assert Message.objects.filter(kind=Kind.MESSAGE).count() == 1
    assert unseen(dovecot, box) == 1

    report = imap.poll_channel(channel)
    assert report.outcomes == {"duplicate": 1}
    assert Message.objects.filter(kind=Kind.MESSAGE).count() == 1
    assert unseen(dovecot, box) == 0


def test_a_database_outage_leaves_the_mail_on_the_server(workspace, dovecot, box, monkeypatch):
    deliver(dovecot, box, raw_email())
    channel = channel_for(workspace, dovecot, box)

    def outage(*args, **kwargs):
        raise OSError("database unreachable")

    with monkeypatch.context() as patch:
        patch.setattr(imap, "receive_email", outage)
        report = imap.poll_channel(channel)
    assert "database unreachable" in report.error and unseen(dovecot, box) == 1

    assert imap.poll_channel(channel).outcomes == {"ingested": 1}


def test_a_message_the_pipeline_fails_is_kept_aside_and_not_fetched_forever(
    workspace, dovecot, box, monkeypatch
):
    deliver(dovecot, box, raw_email())
    channel = channel_for(workspace, dovecot, box)

    def broken(self, ctx):
        raise RuntimeError("classifier crashed")

    monkeypatch.setattr(pipeline.DetectLanguage, "run", broken)
    report = imap.poll_channel(channel)
    assert report.outcomes == {"failed": 1} and unseen(dovecot, box) == 0
    rejected = RejectedInbound.objects.get()
    assert rejected.retryable and rejected.source == "imap"


def test_a_message_far_over_the_size_limit_stays_on_the_server(workspace, dovecot, box, settings):
    settings.MAX_EMAIL_BYTES = 2_000
    deliver(dovecot, box, raw_email(body="pesante " * 1_000))
    channel = channel_for(workspace, dovecot, box)

    report = imap.poll_channel(channel)

    assert report.outcomes == {"too_large": 1}
    rejected = RejectedInbound.objects.get()
    assert "too large" in rejected.reason and "Ordine 4411" in rejected.raw_excerpt
    with login(dovecot, box) as mailbox:
        assert len(mailbox.uids()) == 1  # still there, for a person to fetch


def test_wrong_credentials_are_reported_not_raised(workspace, dovecot, box):
    channel = channel_for(workspace, dovecot, box, password="sbagliata")
    report = imap.poll_channel(channel)
    assert report.error and report.fetched == 0


def test_the_periodic_job_polls_every_mailbox(workspace, dovecot):
    first, second = BOXES[next(_next_box)], BOXES[next(_next_box)]
    deliver(dovecot, first, raw_email())
    deliver(dovecot, second, raw_email(message_id="<altra@cliente.example.it>"))
    channel_for(workspace, dovecot, first)
    channel_for(workspace, dovecot, second)
    make_email_channel(workspace.pk, slug="solo-lmtp", address="lmtp@negozio.test")

    poll_mailboxes.call_local()

    assert Message.objects.filter(kind=Kind.MESSAGE).count() == 2


@pytest.mark.django_db(transaction=True)
def test_idle_fetches_new_mail_within_seconds(dovecot, box):
    """GIVEN Sportello waiting in IMAP IDLE on a mailbox
    WHEN a customer's mail lands in it
    THEN it becomes a conversation within seconds, without waiting for the minute's poll."""
    import time

    from sportello.accounts.bootstrap import ensure_default_workspace
    from sportello.providers.email.idle import start_idle_watchers

    channel_for(ensure_default_workspace(), dovecot, box)
    watchers = start_idle_watchers()
    try:
        time.sleep(1.0)  # the watcher connects and enters IDLE
        started = time.monotonic()
        deliver(dovecot, box, raw_email(message_id="<idle@cliente.example.it>"))
        while time.monotonic() - started < 15:
            if Message.objects.filter(external_id="<idle@cliente.example.it>").exists():
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
    finally:
        watchers.stop()
    assert Message.objects.filter(external_id="<idle@cliente.example.it>").exists()
    print(f"IMAP IDLE to conversation: {elapsed * 1000:.0f} ms")
    assert unseen(dovecot, box) == 0
