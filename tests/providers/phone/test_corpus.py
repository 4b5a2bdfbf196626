"""Every call event of the shared corpus (../shared/corpora/webhooks/calls: five ARI
events from the Asterisk documentation) is read, and taken as the ARI connector takes
it: never an error, each (call, event) once, a second pass stores nothing new.

Counts: 4 of the 5 files are call events — StasisStart (started and answered: the
channel is already Up), StasisEnd (ended), CallBroadcast (ringing); 2 are playbacks
(PlaybackStarted, PlaybackFinished), dropped with the reason "not a change of a call".
Taken: the hello-world call (id 1400609726.3) is answered and ended, but its caller
number is empty, so it is recorded as a call and ignored with the reason "no phone
number" (no customer to put it on); the broadcast call's caller is extension 200,
recorded the same way once it is missed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sportello.conversations.models import Conversation
from sportello.ingest.models import RejectedInbound
from sportello.providers.phone.ari import parse_ari_event
from sportello.providers.phone.ari_service import take_frame
from sportello.providers.phone.models import Call
from sportello.providers.phone.parse import NotACallEvent
from tests.providers.email.corpora import CORPORA
from tests.providers.phone.helpers import make_phone_channel

CALLS = CORPORA / "webhooks" / "calls"
FILES = sorted(CALLS.rglob("*.json")) if CALLS.is_dir() else []


def _body(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_corpus_is_all_there_and_counted():
    if not FILES:
        pytest.skip(f"corpus not available: {CALLS}")
    assert len(FILES) == 5
    tally: Counter[str] = Counter()
    for path in FILES:
        try:
            events = parse_ari_event(_body(path))
        except NotACallEvent as exc:
            assert "not a change of a call" in str(exc)
            tally["dropped"] += 1
            continue
        tally["files"] += 1
        tally.update(event.event for event in events)
    assert tally == Counter(files=3, dropped=2, started=1, answered=1, ended=1, ringing=1)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_each_event_is_read_or_dropped_with_a_reason(path):
    try:
        events = parse_ari_event(_body(path))
    except NotACallEvent as exc:
        assert str(exc).strip()
        return
    for event in events:
        assert event.call_id and event.at is not None and event.at.tzinfo is not None


@pytest.mark.django_db
def test_the_whole_corpus_through_the_connector_and_again(workspace):
    if not FILES:
        pytest.skip(f"corpus not available: {CALLS}")
    channel = make_phone_channel(workspace.pk)
    first: Counter[str] = Counter()
    for path in FILES:
        take_frame(channel, path.read_bytes(), first)
    assert first["dropped"] == 2
    assert Call.objects.count() == 2
    hello = Call.objects.get(call_id="1400609726.3")
    assert hello.answered_at is not None and hello.ended_at is not None
    assert hello.settled == "unreachable" and hello.called == "1000"
    broadcast = Call.objects.get(call_id="1740477300.1")
    assert broadcast.caller == "200"  # an extension, not a number: kept as written
    rejected = RejectedInbound.objects.count()
    assert rejected >= 1
    assert not Conversation.objects.exists()

    again: Counter[str] = Counter()
    for path in FILES:
        take_frame(channel, path.read_bytes(), again)
    assert again["duplicate"] == 4 and again["dropped"] == 2
    assert Call.objects.count() == 2 and RejectedInbound.objects.count() == rejected


@pytest.mark.django_db
def test_a_frame_that_is_not_json_is_recorded(workspace):
    channel = make_phone_channel(workspace.pk)
    tally: Counter[str] = Counter()
    take_frame(channel, b"{not json", tally)
    assert tally["ignored"] == 1
    assert "not JSON" in RejectedInbound.objects.get().reason
