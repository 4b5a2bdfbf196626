"""Every inbound SMS of the shared corpus (../shared/corpora/webhooks/sms: Zammad's test
data, 3 in Twilio's fields and 3 in MessageBird's) is read and posted, signed, through
the SMS webhook: 6 messages, none skipped, from one customer (+491710000000). Twilio's
carry their MessageSid; of MessageBird's, one has a message_id and two an empty one,
whose id is a digest of the message, so a second pass of the corpus stores nothing new.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sportello.conversations.models import Message
from sportello.customers.models import Identity
from sportello.providers.sms.parse import Sms, parse_sms
from tests.providers.email.corpora import CORPORA
from tests.providers.sms.helpers import make_sms_channel, post_signed

SMS = CORPORA / "webhooks" / "sms"
FILES = sorted(SMS.rglob("*.json")) if SMS.is_dir() else []


def _body(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_each_sms_is_read(path):
    sms = parse_sms(_body(path))
    assert isinstance(sms, Sms)
    assert sms.external_id and sms.sender == "+491710000000" and sms.text


@pytest.mark.django_db
def test_the_whole_corpus_through_the_webhook_and_again(client, workspace):
    if not FILES:
        pytest.skip(f"corpus not available: {SMS}")
    assert len(FILES) == 6
    channel = make_sms_channel(workspace.pk)
    taken = [post_signed(client, channel, path.read_bytes()).json() for path in FILES]
    assert [t["duplicate"] for t in taken] == [False] * 6
    again = [post_signed(client, channel, path.read_bytes()).json() for path in FILES]
    assert [t["duplicate"] for t in again] == [True] * 6
    inbound = Message.objects.filter(kind="message", direction="in")
    assert inbound.count() == 6
    assert Identity.objects.get(kind="phone").value == "+491710000000"
    assert len(set(inbound.values_list("conversation__customer_id", flat=True))) == 1
