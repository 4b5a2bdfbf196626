"""What a provider's webhook sustains: WhatsApp's signed POSTs through the real server.

    python bench/webhooks.py --short                  # a small database, ~1 min
    python bench/webhooks.py --customers 60000 --conversations 200000 --messages 1000000
    python bench/webhooks.py --short --database-url \\
        postgres://postgres@127.0.0.1:5432/sportello_bench_hooks --recreate

Seeds with ``bench/seed.py``, adds a WhatsApp channel, starts the real server (``sportello
run --no-worker``: jobs wait in the queue, as when the worker is busy) and drives, with
:mod:`bench.loadgen` on loopback, the webhooks Meta would post, each signed with the app
secret (``X-Hub-Signature-256``) as Meta signs it:

- ``whatsapp_text``: a customer's text message, every one with a new wamid; two in three
  from a number the seeded customers have (a phone or WhatsApp identity: threaded into
  their open conversation, or a new one on this channel), one in three from a new number,
  as the baseline's mix (``bench/workload.py``: ~30% new customers);
- ``whatsapp_replay``: the same bodies again (Meta retrying): answered from the dedupe;
- ``whatsapp_media``: a photo (the download is enqueued as a job, not done in the request);
- ``whatsapp_status``: "delivered" callbacks;
- ``telegram_text``, ``telegram_replay``, ``telegram_photo``: the same for a Telegram bot's
  updates, with the channel's secret token in ``X-Telegram-Bot-Api-Secret-Token``.

Prints one JSON line per scenario, as ``bench/web.py`` does (``rps``, ``p50_ms``,
``p95_ms``, ``queries_per_request``, the server's CPU per request). Figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import web
from bench.loadgen import Request

APP_SECRET = "bench-app-secret"
PHONE_NUMBER_ID = "106540352242922"
SIZES = {"customers": 2_000, "conversations": 5_000, "messages": 20_000}


def whatsapp_channel(workspace_id: int, slug: str = "whatsapp-bench") -> tuple[int, str]:
    """A WhatsApp channel to post to: its id and its webhook path."""
    from sportello.channels.actions import create_channel
    from sportello.channels.models import Channel

    existing = Channel.objects.filter(workspace_id=workspace_id, slug=slug).first()
    channel = existing or create_channel(
        workspace_id,
        kind="whatsapp",
        name="WhatsApp (bench)",
        slug=slug,
        config={
            "phone_number_id": PHONE_NUMBER_ID,
            "access_token": "bench-token",
            "app_secret": APP_SECRET,
            "verify_token": "bench-verify",
            # Nothing listens there: the jobs a media message enqueues are not run here.
            "graph_url": "http://127.0.0.1:9/v21.0",
        },
    )
    return channel.pk, f"/hooks/whatsapp/{channel.config['webhook_key']}/"


TELEGRAM_SECRET = "bench-telegram-secret"


def telegram_channel(workspace_id: int, slug: str = "telegram-bench") -> tuple[int, str]:
    """A Telegram channel to post to: its id and its webhook path."""
    from sportello.channels.actions import create_channel
    from sportello.channels.models import Channel

    existing = Channel.objects.filter(workspace_id=workspace_id, slug=slug).first()
    channel = existing or create_channel(
        workspace_id,
        kind="telegram",
        name="Telegram (bench)",
        slug=slug,
        config={
            "bot_token": "123456789:bench-token-bench-token-bench",
            "secret_token": TELEGRAM_SECRET,
            # Nothing listens there: the jobs a photo enqueues are not run here.
            "api_url": "http://127.0.0.1:9",
        },
    )
    return channel.pk, f"/hooks/telegram/{channel.config['webhook_key']}/"


def telegram_body(run: int, i: int, kind: str = "text") -> bytes:
    """The i-th update of a run (the same i, the same bytes: a replay); one chat in three
    is new, the others come back (a customer writing again)."""
    chat_id = 700_000_000 + (run + (i if i % 3 == 0 else i % 97)) % 10_000_000
    person = {"id": chat_id, "first_name": "Cliente", "last_name": str(chat_id)[-4:]}
    message: dict[str, Any] = {
        "message_id": (2_000_000 if kind == "photo" else 1_000_000) + i,
        "from": {**person, "is_bot": False},
        "chat": {**person, "type": "private"},
        "date": int(time.time()),
    }
    if kind == "photo":
        message["photo"] = [{"file_id": f"{run}-{i}", "file_size": 9000, "width": 800}]
        message["caption"] = "Il pacco"
    else:
        message["text"] = f"Buongiorno, il mio ordine {40_000 + i} non è arrivato"
    return json.dumps({"update_id": run * 10 + i, "message": message}).encode()


def telegram_scenarios(path: str, *, sustained: int, requests: int) -> list[web.Scenario]:
    run = int(time.time() * 1000) % 10**7
    headers = {
        "Content-Type": "application/json",
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
    }

    def posts(kind: str) -> Callable[[int], Request]:
        return lambda i: Request("POST", path, telegram_body(run, i, kind), headers)

    return [
        web.Scenario("telegram_text", posts("text"), requests=sustained),
        web.Scenario("telegram_replay", posts("text"), requests=sustained),
        web.Scenario("telegram_photo", posts("photo"), requests=requests),
    ]


def _body(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "390612345678",
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            **value,
                        },
                    }
                ],
            }
        ],
    }


def known_numbers(workspace_id: int, limit: int = 5_000) -> list[str]:
    """WhatsApp ids of seeded customers (their phone or WhatsApp identities, E.164)."""
    from sportello.customers.models import Identity

    values = Identity.objects.filter(
        workspace_id=workspace_id, kind__in=["phone", "whatsapp"], value__startswith="+39"
    ).values_list("value", flat=True)[:limit]
    return [value.lstrip("+") for value in values]


def customer_body(run: int, i: int, kind: str = "text", known: list[str] | None = None) -> bytes:
    """The i-th customer message of a run: the same i gives the same bytes (a replay).
    Two in three come from a ``known`` number, one in three from a new one."""
    number = known[i * 7919 % len(known)] if known and i % 3 else f"39333{(run + i) % 10000000:07d}"
    message: dict[str, Any] = {
        "from": number,
        "id": f"wamid.bench-{run}-{kind}-{i}",
        "timestamp": str(int(time.time())),
        "type": kind,
    }
    if kind == "image":
        message["image"] = {"mime_type": "image/jpeg", "id": f"{run}{i}", "caption": "Il pacco"}
    else:
        message["text"] = {"body": f"Buongiorno, il mio ordine {40_000 + i} non è arrivato"}
    contacts = [{"profile": {"name": f"Cliente {number[-4:]}"}, "wa_id": number}]
    return json.dumps(_body({"contacts": contacts, "messages": [message]})).encode()


def status_body(run: int, i: int) -> bytes:
    status = {
        "id": f"wamid.bench-{run}-sent-{i}",
        "status": "delivered",
        "timestamp": str(int(time.time())),
        "recipient_id": "393330000001",
    }
    return json.dumps(_body({"statuses": [status]})).encode()


def signed(path: str, body: bytes) -> Request:
    from sportello.providers.common.meta import sign

    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)}
    return Request("POST", path, body, headers)


def api_token(workspace_id: int) -> str:
    """A bearer token of an agent of the workspace, for the baseline scenario."""
    from sportello.accounts.actions import issue_token
    from sportello.accounts.models import Agent

    agent = Agent.objects.filter(workspace_id=workspace_id).order_by("pk").first()
    assert agent is not None, "the seeded workspace has no agent"
    return issue_token(agent)


def webhook_scenarios(
    path: str, *, sustained: int, requests: int, token: str = "", known: list[str] | None = None
) -> list[web.Scenario]:
    """The webhook's scenarios; with a ``token``, first the generic ``POST /api/v1/inbound``
    of the same number of messages, as the baseline measured in the same minute (the
    machine is shared, and its speed moves between runs)."""
    run = int(time.time() * 1000) % 10**9

    def posts(make_body: Callable[[int], bytes]) -> Callable[[int], Request]:
        return lambda i: signed(path, make_body(i))

    baseline = []
    if token:
        headers = {"Authorization": f"Bearer {token}"}
        baseline.append(
            web.Scenario(
                "api_inbound",
                web.inbound_requests(headers, sustained),
                expect=(201,),
                requests=sustained,
            )
        )
    return [
        *baseline,
        web.Scenario("whatsapp_text", posts(lambda i: customer_body(run, i)), requests=sustained),
        web.Scenario("whatsapp_replay", posts(lambda i: customer_body(run, i)), requests=sustained),
        web.Scenario(
            "whatsapp_media",
            posts(lambda i: customer_body(run, i, "image")),
            requests=requests,
        ),
        web.Scenario("whatsapp_status", posts(lambda i: status_body(run, i)), requests=requests),
    ]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name, default in SIZES.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--sustained", type=int, default=3_000, help="text and replay posts")
    parser.add_argument("--requests", type=int, default=500, help="media and status posts")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--database-url", default=os.environ.get("SPORTELLO_DATABASE_URL", ""))
    parser.add_argument("--recreate", action="store_true")
    parser.add_argument("--only", default="")
    parser.add_argument("--short", action="store_true", help="1,000 posts per scenario")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.short:
        args.sustained, args.requests = min(args.sustained, 1_000), min(args.requests, 300)
    home = Path(tempfile.mkdtemp(prefix="sportello-bench-hooks-"))
    try:
        if args.database_url and args.recreate:
            from bench import environment

            environment.create_postgres_database(args.database_url, recreate=True)
        sizes = web.Sizes(args.customers, args.conversations, args.messages)
        print(json.dumps({"scenario": "seed", **web.seed(home, args.database_url, sizes)}))
        web.setup_django(home, args.database_url)
        from bench import environment
        from sportello.core.models import Workspace

        workspace = Workspace.objects.order_by("pk").first()
        assert workspace is not None
        _, path = whatsapp_channel(workspace.pk)
        _, telegram_path = telegram_channel(workspace.pk)
        with web.sportello_server(home, args.database_url, workers=args.workers) as server:
            web.run_scenarios(
                webhook_scenarios(
                    path,
                    sustained=args.sustained,
                    requests=args.requests,
                    token=api_token(workspace.pk),
                    known=known_numbers(workspace.pk),
                )
                + telegram_scenarios(
                    telegram_path, sustained=args.sustained, requests=args.requests
                ),
                server.port,
                requests=args.requests,
                concurrency=args.concurrency,
                backend=environment.backend(),
                only=args.only,
                server=server,
            )
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
