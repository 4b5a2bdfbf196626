"""Every WhatsApp webhook body of the shared corpus (../shared/corpora/webhooks/whatsapp:
RestFB's and pywa's test payloads, 53 files holding 108 bodies) is read, and posted through
the signed webhook: each is taken (messages, edits, statuses) or recorded with the reason
it is ignored, never a 500, and a second delivery of the whole corpus stores nothing new.

Counts (asserted below as lower bounds, so that reading more kinds never breaks them):
47 customer messages (12 distinct: pywa's examples share made-up ids such as
"wamid.xyzxyz", and a shared id is one message), 2 edits/deletions, 10 statuses; the
rest are events Sportello does not take (account, template, number, group and call
updates, echoes of messages sent from the WhatsApp Business app, system notices, removed
reactions, group messages), each recorded with its reason. No file is skipped: pywa's
``outgoing_message.json`` looks like an outgoing request but is Meta's
``smb_message_echoes`` webhook, and is ignored as such.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from sportello.conversations.models import Kind, Message
from sportello.ingest.models import RejectedInbound
from sportello.providers.whatsapp.parse import parse_payload
from tests.providers.email.corpora import CORPORA
from tests.providers.whatsapp.helpers import PHONE_NUMBER_ID, make_whatsapp_channel, post_signed

WHATSAPP = CORPORA / "webhooks" / "whatsapp"


def corpus_bodies() -> list[tuple[str, dict[str, Any]]]:
    """(name, body) of every payload: a RestFB file is one body, a pywa file maps example
    names to bodies."""
    if not WHATSAPP.is_dir():
        return []
    bodies = []
    for path in sorted(WHATSAPP.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        name = f"{path.parent.name}/{path.name}"
        if "entry" in data:
            bodies.append((name, data))
        else:
            bodies.extend((f"{name}#{example}", body) for example, body in data.items())
    return bodies


BODIES = corpus_bodies()


def _require_corpus() -> None:
    if not BODIES:
        pytest.skip(f"corpus not available: {WHATSAPP}")


def test_the_corpus_is_all_there():
    _require_corpus()
    assert len({name.partition("#")[0] for name, _ in BODIES}) == 53
    assert len(BODIES) == 108


@pytest.mark.parametrize("name,body", BODIES, ids=[name for name, _ in BODIES])
def test_each_payload_is_read_or_ignored_with_a_reason(name, body):
    changes = parse_payload(body)
    taken = sum(len(c.messages) + len(c.revisions) + len(c.statuses) for c in changes)
    reasons = [reason for c in changes for reason, _ in c.ignored]
    assert taken or reasons, name
    assert all(reason.strip() for reason in reasons)
    for change in changes:
        for message in change.messages:
            assert message.external_id and (message.wa_id or message.user_id)
            assert message.text or message.attachments, f"{name}: {message.external_id} is empty"


def _for_our_number(body: dict[str, Any]) -> bytes:
    """The body as Meta would post it for the test channel's number."""
    body = json.loads(json.dumps(body))
    for entry in body.get("entry") or []:
        for change in entry.get("changes") or []:
            metadata = (change.get("value") or {}).get("metadata")
            if isinstance(metadata, dict):
                metadata["phone_number_id"] = PHONE_NUMBER_ID
    return json.dumps(body).encode()


@pytest.mark.django_db
def test_the_whole_corpus_through_the_webhook_and_again(client, workspace):
    _require_corpus()
    channel = make_whatsapp_channel(workspace.pk)  # no Graph API: media fetches fail, recorded
    totals: Counter[str] = Counter()
    for _, body in BODIES:
        answer = post_signed(client, channel, _for_our_number(body))
        assert answer.status_code == 200
        totals.update(answer.json())
    stored = Message.objects.filter(kind=Kind.MESSAGE, channel=channel).count()
    # Several payloads reuse the same made-up wamid ("wamid.xyzxyz"), which is one message.
    assert totals["messages"] + totals["duplicates"] >= 47
    assert stored == totals["messages"] >= 12
    assert totals["revisions"] + totals["ignored"] >= 45
    assert RejectedInbound.objects.filter(channel=channel, stage="edge").count() >= 45

    for _, body in BODIES:
        assert post_signed(client, channel, _for_our_number(body)).status_code == 200
    assert Message.objects.filter(kind=Kind.MESSAGE, channel=channel).count() == stored


def test_button_presses_of_the_corpus_keep_their_payload():
    """RestFB's template quick-reply press and interactive reply, and pywa's three button
    examples: each message carries the payload the business gave the button."""
    _require_corpus()
    payloads = {}
    for name, body in BODIES:
        for change in parse_payload(body):
            for message in change.messages:
                if message.data["whatsapp"]["type"] in ("button", "interactive"):
                    payloads[name] = message.data["whatsapp"].get("payload")
    assert payloads["restfb/webhook-incoming-message-button.json"] == "No-Button-Payload"
    assert payloads["pywa/callback_button.json#quick_reply"] == "callback_data"
    assert payloads["pywa/callback_button.json#button"] == "callback_data"
