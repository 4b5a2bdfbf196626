"""Every Messenger and Instagram webhook body of the shared corpus (RestFB's 61 Messenger
and 7 Instagram payloads, Chatwoot's 9 Instagram ones) is read and posted through the signed
webhook: taken, or recorded with the reason it is ignored; never a 500, and a second
delivery of the whole corpus stores nothing new."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from sportello.conversations.models import Kind, Message
from sportello.providers.common.meta_messaging import parse_body
from tests.providers.email.corpora import CORPORA
from tests.providers.meta_messaging.helpers import make_page_channel, post_signed

WEBHOOKS = CORPORA / "webhooks"


def corpus_files(kind: str) -> list[Path]:
    folder = WEBHOOKS / kind
    return sorted(folder.rglob("*.json")) if folder.is_dir() else []


FILES = [("messenger", p) for p in corpus_files("messenger")] + [
    ("instagram", p) for p in corpus_files("instagram")
]


def _id(item: tuple[str, Path]) -> str:
    return f"{item[1].parent.parent.name}/{item[1].parent.name}/{item[1].name}"


@pytest.mark.parametrize("kind,path", FILES, ids=[_id(f) for f in FILES])
def test_each_payload_is_read_or_ignored_with_a_reason(kind, path):
    events = parse_body(path.read_bytes(), kind)
    taken = (
        len(events.messages)
        + len(events.echoes)
        + len(events.revisions)
        + len(events.delivered)
        + len(events.read_mids)
        + len(events.read_until)
    )
    assert taken or events.ignored, path.name
    for message in events.messages:
        assert message["mid"] and message["psid"]
        assert message["text"] or message["attachments"], path.name


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["messenger", "instagram"])
def test_the_whole_corpus_through_the_webhook_and_again(client, workspace, kind):
    files = corpus_files(kind)
    if not files:
        pytest.skip(f"corpus not available: {WEBHOOKS / kind}")
    assert len(files) == {"messenger": 61, "instagram": 16}[kind]
    channel = make_page_channel(workspace.pk, kind)
    totals: Counter[str] = Counter()
    for path in files:
        answer = post_signed(client, channel, path.read_bytes())
        assert answer.status_code == 200, path.name
        totals.update({k: v for k, v in answer.json().items() if isinstance(v, int)})
    stored = Message.objects.filter(kind=Kind.MESSAGE, channel=channel).count()
    assert stored == totals["messages"] > 0
    for path in files:
        assert post_signed(client, channel, path.read_bytes()).status_code == 200
    assert Message.objects.filter(kind=Kind.MESSAGE, channel=channel).count() == stored
    print(kind, dict(totals))
