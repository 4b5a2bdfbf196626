"""A customer's export and erasure at growing history sizes: one JSON line per size.

    PYTHONPATH=. python bench/gdpr.py [--database-url postgres://...] [--sizes 1000,10000]

For each size, one customer gets that many messages through the ingest pipeline, as real
traffic (``--per-conversation``, 50 by default, a conversation), and one 1 MB attachment
every 500 messages; then the export is read to the end as the API streams it, and the
customer is erased. The figures: seconds for each, the archive's bytes, and the export's
peak Python memory (``tracemalloc``), which stays flat as the history grows (the archive
is streamed, a conversation's timeline read 200 rows at a time).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.environment import configure, migrate

PER_CONVERSATION = 50
ATTACHMENT_EVERY = 500
ATTACHMENT_BYTES = 1_000_000


def seed_customer(
    workspace_id: int, channel_id: int, messages: int, tag: str, per_conversation: int
) -> int:
    from sportello.conversations.actions import set_status
    from sportello.conversations.models import Conversation
    from sportello.ingest.inbound import InboundMessage, Sender
    from sportello.ingest.pipeline import ingest
    from sportello.providers.common.storage import store_attachment

    customer_id = 0
    conversation = None
    for n in range(messages):
        if n and n % per_conversation == 0 and conversation is not None:
            set_status(Conversation.objects.get(number=conversation), None, "resolved")
        attachments = []
        if n % ATTACHMENT_EVERY == 0:
            content = os.urandom(ATTACHMENT_BYTES)
            digest, path = store_attachment(workspace_id, content)
            attachments = [
                {
                    "filename": f"foto-{n}.jpg",
                    "content_type": "image/jpeg",
                    "size": len(content),
                    "sha256": digest,
                    "path": path,
                }
            ]
        result = ingest(
            InboundMessage(
                workspace_id=workspace_id,
                channel_id=channel_id,
                sender=Sender(name=f"Cliente {tag}", email=f"cliente-{tag}@example.it"),
                text=f"Messaggio {n} del cliente {tag}: il mio ordine {n} non è arrivato.",
                subject=f"Ordine {n // per_conversation}",
                external_id=f"bench-gdpr-{tag}-{n}",
                attachments=attachments,
            ),
            source="bench",
        )
        customer_id = result.customer_id
        conversation = Conversation.objects.get(pk=result.conversation_id).number
    return customer_id


def measure(workspace_id: int, channel_id: int, size: int, per_conversation: int) -> dict:
    """Seed one customer with ``size`` messages, export them, erase them: the figures."""
    from django.db import connection

    from sportello.privacy.actions import erase_customer_data, export_customer

    tag = f"{size}-{time.time_ns()}"
    started = time.perf_counter()
    customer_id = seed_customer(workspace_id, channel_id, size, tag, per_conversation)
    seeded = time.perf_counter() - started

    tracemalloc.start()
    started = time.perf_counter()
    _, chunks = export_customer(workspace_id, customer_id)
    archive_bytes = sum(len(chunk) for chunk in chunks)
    exported = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    started = time.perf_counter()
    erasure = erase_customer_data(workspace_id, customer_id)
    erased = time.perf_counter() - started
    return {
        "bench": "gdpr",
        "database": connection.vendor,
        "messages": size,
        "per_conversation": per_conversation,
        "attachments_mb": -(-size // ATTACHMENT_EVERY),
        "seed_s": round(seeded, 1),
        "export_s": round(exported, 3),
        "archive_bytes": archive_bytes,
        "export_peak_python_mb": round(peak / 1e6, 1),
        "erase_s": round(erased, 3),
        "erased_conversations": erasure.conversations,
        "erased_messages": erasure.messages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--home", default=None)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--per-conversation", type=int, default=PER_CONVERSATION)
    args = parser.parse_args()
    configure(home=args.home, database_url=args.database_url or None)
    migrate()
    from sportello.channels.models import Channel
    from sportello.core.models import Workspace

    workspace = Workspace.objects.order_by("pk").first()
    assert workspace is not None
    channel = Channel.objects.get(workspace=workspace, slug="api")
    for size in [int(s) for s in args.sizes.split(",")]:
        figures = measure(workspace.pk, channel.pk, size, args.per_conversation)
        print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
