"""Every Telegram update of the shared corpus (../shared/corpora/webhooks/telegram:
Nutgram's 105 fixtures and Zammad's 18) is read, and posted through the webhook: each is
taken (a message, an edit) or recorded with the reason it is ignored, never a 500, and a
second delivery of the whole corpus stores nothing new.

Counts (asserted below as lower bounds, so that reading more kinds never breaks them):
33 customer messages in private chats (15 distinct: Zammad's fixtures share chat and
message ids, and a shared id is one message) and 1 edit are read; through the webhook the
edit is recorded as ignored too, since its original message is not in the corpus. 89
updates are ignored with a reason: channel posts (Zammad's "channel" set and Nutgram's),
group and supergroup messages, service messages and message kinds not handled (members
joining, forum topics, payments, games, giveaways...), a message from a bot, and update
kinds a care desk does not handle (callback and inline queries, reactions, chat members,
business connections, polls, boosts...).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sportello.conversations.models import Kind, Message
from sportello.ingest.models import RejectedInbound
from sportello.providers.telegram.parse import parse_update
from tests.providers.email.corpora import CORPORA
from tests.providers.fake_http import fake_provider
from tests.providers.telegram.helpers import make_telegram_channel, post_update

TELEGRAM = CORPORA / "webhooks" / "telegram"


def corpus_files() -> list[Path]:
    return sorted(TELEGRAM.rglob("*.json")) if TELEGRAM.is_dir() else []


FILES = corpus_files()


def _require_corpus() -> None:
    if not FILES:
        pytest.skip(f"corpus not available: {TELEGRAM}")


def _body(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_corpus_is_all_there_and_counted():
    _require_corpus()
    assert len(FILES) == 123
    tally: Counter[str] = Counter()
    for path in FILES:
        update = parse_update(_body(path))
        tally["messages"] += len(update.messages)
        tally["revisions"] += len(update.revisions)
        tally["ignored"] += len(update.ignored)
    assert tally["messages"] >= 33 and tally["revisions"] >= 1
    assert sum(tally.values()) == 123  # one outcome per update, none lost


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_each_update_is_read_or_ignored_with_a_reason(path):
    update = parse_update(_body(path))
    reasons = [reason for reason, _ in update.ignored]
    assert update.messages or update.revisions or reasons, path.name
    assert all(reason.strip() for reason in reasons)
    for message in update.messages:
        assert message.external_id and message.user_id and message.chat_id
        assert message.text or message.attachments, f"{path.name}: {message.external_id} is empty"


@pytest.mark.django_db
def test_the_whole_corpus_through_the_webhook_and_again(client, workspace):
    _require_corpus()
    totals: Counter[str] = Counter()
    with fake_provider() as fake:  # a Bot API that knows none of the files: each is recorded
        channel = make_telegram_channel(workspace.pk, fake.url)
        for path in FILES:
            answer = post_update(client, channel, path.read_bytes())
            assert answer.status_code == 200, path.name
            totals.update(answer.json())
    stored = Message.objects.filter(kind=Kind.MESSAGE, channel=channel).count()
    # Fixtures share made-up chat and message ids (Zammad's "private" set reuses them), and
    # a shared id is one message.
    assert totals["messages"] + totals["duplicates"] >= 33
    assert stored == totals["messages"] >= 15
    assert totals["ignored"] >= 90
    assert RejectedInbound.objects.filter(channel=channel, stage="edge").count() >= 90

    for path in FILES:
        assert post_update(client, channel, path.read_bytes()).status_code == 200
    assert Message.objects.filter(kind=Kind.MESSAGE, channel=channel).count() == stored
