"""The reply box's canned-reply picker: one JSON line.

    PYTHONPATH=. python bench/canned.py [--replies 2000] [--agents 20] [--database-url ...]

Fills a fresh workspace with ``--replies`` canned replies (a tenth shared, the rest the
personal replies of ``--agents`` agents), then times what the picker asks as an agent
types: ``GET /c/<n>/canned/?q=`` (the search, one request per keystroke after the
debounce) and ``GET /c/<n>/canned/<id>/`` (the chosen reply rendered for the
conversation, ``{{ conversation.due }}`` included). Prints p50/p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.environment import configure, migrate

WORDS = ("spedizione", "reso", "rimborso", "fattura", "ordine", "pacco", "taglia", "garanzia")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replies", type=int, default=2000)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--home", default=None)
    args = parser.parse_args()
    configure(home=args.home, database_url=args.database_url)
    migrate()

    from django.test import Client

    from sportello.accounts.actions import create_agent
    from sportello.accounts.models import Role
    from sportello.automation.models import CannedReply
    from sportello.channels.actions import ensure_channel
    from sportello.core.models import Workspace
    from sportello.ingest.inbound import InboundMessage, Sender
    from sportello.ingest.pipeline import ingest
    from sportello.sla.actions import ensure_defaults

    stamp = time.time_ns()
    workspace = Workspace.objects.create(name="Canned bench", slug=f"canned-bench-{stamp}")
    ensure_defaults(workspace.pk)
    channel = ensure_channel(workspace.pk, kind="api", name="API", slug="api")
    agents = [
        create_agent(
            workspace,
            email=f"agente{i}-{stamp}@bench.example",
            password="bench-password-1",
            role=Role.ADMIN if i == 0 else Role.AGENT,
        )
        for i in range(args.agents)
    ]
    CannedReply.objects.bulk_create(
        CannedReply(
            workspace=workspace,
            owner=None if i % 10 == 0 else agents[i % len(agents)],
            title=f"{WORDS[i % len(WORDS)].title()} {i}",
            shortcut=f"{WORDS[i % len(WORDS)]}-{i}",
            language=("it", "en", "")[i % 3],
            body=f"Ciao {{{{ customer.first_name }}}}, la {WORDS[i % len(WORDS)]} n. {i} "
            "sarà pronta {{ conversation.due }}. {{ agent.name }}",
        )
        for i in range(args.replies)
    )
    result = ingest(
        InboundMessage(
            workspace_id=workspace.pk,
            channel_id=channel.pk,
            sender=Sender(name="Chiara Fontana", email=f"chiara-{stamp}@bench.example"),
            text="Buongiorno, il mio ordine non è ancora arrivato: potete controllare?",
            external_id=f"canned-bench-{stamp}",
        )
    )
    from sportello.conversations.models import Conversation

    number = Conversation.objects.get(pk=result.conversation_id).number
    client = Client()
    client.force_login(agents[1].user)
    typed = ["", "s", "sp", "spe", "sped", "spedizione", "rimb", "fattura 1", "zzz"]
    search_ms, render_ms = [], []
    for _ in range(10):
        for query in typed:
            start = time.perf_counter()
            response = client.get(f"/c/{number}/canned/", {"q": query})
            search_ms.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
            items = response.json()["items"]
            if items:
                start = time.perf_counter()
                rendered = client.get(f"/c/{number}/canned/{items[0]['id']}/")
                render_ms.append((time.perf_counter() - start) * 1000)
                assert rendered.status_code == 200, rendered.status_code
    print(
        json.dumps(
            {
                "bench": "canned",
                "replies": args.replies,
                "agents": args.agents,
                "search_p50_ms": round(statistics.median(search_ms), 2),
                "search_p95_ms": round(percentile(search_ms, 0.95), 2),
                "render_p50_ms": round(statistics.median(render_ms), 2),
                "render_p95_ms": round(percentile(render_ms, 0.95), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
