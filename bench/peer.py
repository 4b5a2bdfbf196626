"""Sportello side by side with django-helpdesk, on the same customers, tickets and messages.

    python bench/peer.py --short                      # 20k conversations, SQLite both sides
    python bench/peer.py --conversations 200000 --messages 1000000 --customers 60000
    python bench/peer.py --short \\
        --database-url postgres://postgres@127.0.0.1:5432/sportello_bench_peer \\
        --peer-database-url postgres://postgres@127.0.0.1:5432/peer_bench

django-helpdesk 2.6.1 (pinned) is installed from the package registry into its own
virtualenv, ``bench/.peer/venv`` (git-ignored; created once, then reused); its Django project
is ``bench/peer_site``. The steps:

1. seed Sportello with ``bench/seed.py`` and grow the long conversations (``bench/web.py``);
2. export those conversations, messages, agents and channels to JSONL, and load them into
   django-helpdesk as Queue/User/Ticket/FollowUp rows with the same ids;
3. run the comparable Sportello scenarios against ``sportello run`` and the helpdesk ones
   against gunicorn, both with ``--workers`` processes (2 by default);
4. print one JSON line per scenario, the helpdesk ones with ``speedup`` = helpdesk p95 /
   Sportello p95 of the scenario named in ``compared_with``.

What is compared: the staff ticket list (the page, and the datatables JSON that fills it,
which is where the tickets are read) with Sportello's inbox; the API list ``/api/tickets/``
with ``/api/v1/conversations``; a ticket with its follow-ups with a conversation of ~50
messages; the ticket search with Sportello's full-text search. django-helpdesk's search
reads ticket titles and descriptions (``icontains``), not follow-ups: it searches less text.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import loadgen, web
from bench.loadgen import Request

BENCH = Path(__file__).resolve().parent
PEER = BENCH / ".peer"
VENV = PEER / "venv"
REQUIREMENTS = (
    "django-helpdesk==2.6.1",
    "gunicorn==27.0.1",
    "psycopg[binary]==3.3.9",
)
PEER_USER = "bench"
PEER_PASSWORD = "bench-peer-password-2026"
# helpdesk status and priority numbers (helpdesk.settings defaults)
STATUS = {"open": 1, "pending": 1, "snoozed": 1, "resolved": 3, "closed": 4}
PRIORITY = {0: 4, 1: 3, 2: 2, 3: 1}  # Sportello low..urgent -> helpdesk Low..Critical
SHELL = {"loads_tickets": False}
# The ticket list's default query (views/staff.py ticket_list: open and reopened tickets).
DEFAULT_LIST_QUERY = {
    "filtering": {"status__in": [1, 2]},
    "sorting": "created",
    "search_string": "",
    "sortreverse": False,
}


def ensure_venv() -> Path:
    """The peer's virtualenv with django-helpdesk, installed once (a stamp file lists what
    was installed, so a changed pin reinstalls)."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    wanted = "\n".join(REQUIREMENTS)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    base = getattr(sys, "_base_executable", sys.executable)
    if not python.exists():
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *REQUIREMENTS,
        ],
        check=True,
    )
    stamp.write_text(wanted)
    return python


def peer_env(database_url: str, home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(BENCH),
        "DJANGO_SETTINGS_MODULE": "peer_site.settings",
        "PEER_HOME": str(home),
    }
    env.pop("PEER_DATABASE_URL", None)
    if database_url:
        env["PEER_DATABASE_URL"] = database_url
    return env


# --- from Sportello to django-helpdesk ---------------------------------------------------


def export(path: Path) -> dict[str, Any]:
    """Write the workspace's channels, agents, conversations and messages as JSONL, in the
    order the loader needs them (queues and users, tickets, then follow-ups)."""
    from sportello.accounts.bootstrap import ensure_default_workspace
    from sportello.accounts.models import Agent
    from sportello.channels.models import Channel
    from sportello.conversations.models import Conversation, Kind, Message
    from sportello.customers.models import Identity

    began = time.perf_counter()
    workspace = ensure_default_workspace()
    emails = dict(
        Identity.objects.filter(workspace=workspace, kind="email").values_list(
            "customer_id", "value"
        )
    )
    counts = {"tickets": 0, "followups": 0}
    first_texts: dict[int, str] = {}
    with path.open("w", encoding="utf-8") as out:

        def write(row: dict[str, Any]) -> None:
            out.write(json.dumps(row, ensure_ascii=False, default=str))
            out.write("\n")

        for channel in Channel.objects.filter(workspace=workspace).order_by("pk"):
            write(
                {
                    "type": "queue",
                    "id": channel.pk,
                    "title": channel.name,
                    "slug": channel.slug,
                    "email": f"{channel.slug}@peer.example",
                }
            )
        for agent in Agent.objects.filter(workspace=workspace).select_related("user"):
            write(
                {
                    "type": "user",
                    "id": agent.pk,
                    "email": agent.user.email,
                    "name": agent.display_name,
                }
            )
        # The first customer message of each conversation is the ticket's description.
        firsts = (
            Message.objects.filter(workspace=workspace, kind=Kind.MESSAGE, direction="in")
            .order_by("conversation_id", "created_at", "pk")
            .values_list("conversation_id", "text")
        )
        for conversation_id, text in firsts.iterator(chunk_size=10_000):
            first_texts.setdefault(conversation_id, text)
        conversations = (
            Conversation.objects.filter(workspace=workspace)
            .order_by("pk")
            .values_list(
                "pk",
                "channel_id",
                "subject",
                "created_at",
                "updated_at",
                "customer_id",
                "assignee_id",
                "status",
                "priority",
            )
        )
        for (
            pk,
            channel_id,
            subject,
            created,
            updated,
            customer_id,
            assignee_id,
            status,
            priority,
        ) in conversations.iterator(chunk_size=10_000):
            write(
                {
                    "type": "ticket",
                    "id": pk,
                    "queue": channel_id,
                    "title": subject,
                    "created": created.isoformat(),
                    "modified": updated.isoformat(),
                    "submitter_email": emails.get(
                        customer_id, f"customer{customer_id}@peer.example"
                    ),
                    "assigned_to": assignee_id,
                    "status": STATUS[status],
                    "on_hold": status == "snoozed",
                    "description": first_texts.get(pk, ""),
                    "priority": PRIORITY.get(priority, 3),
                }
            )
            counts["tickets"] += 1
        first_texts.clear()
        messages = (
            Message.objects.filter(workspace=workspace, kind__in=[Kind.MESSAGE, Kind.NOTE])
            .order_by("conversation_id", "created_at", "pk")
            .values_list(
                "conversation_id", "created_at", "sender_name", "text", "kind", "sender_agent_id"
            )
        )
        for conversation_id, created, sender, text, kind, agent_id in messages.iterator(
            chunk_size=10_000
        ):
            write(
                {
                    "type": "followup",
                    "ticket": conversation_id,
                    "date": created.isoformat(),
                    "title": sender or "-",
                    "comment": text,
                    "public": kind == Kind.MESSAGE,
                    "user": agent_id,
                }
            )
            counts["followups"] += 1
    return {
        **counts,
        "export_seconds": round(time.perf_counter() - began, 2),
        "export_bytes": path.stat().st_size,
    }


def load_peer(python: Path, env: dict[str, str], export_path: Path) -> dict[str, Any]:
    """Migrate the peer's database and bulk-load the export; returns the loader's figures."""
    began = time.perf_counter()
    subprocess.run(
        [str(python), "-m", "django", "migrate", "--noinput", "-v", "0"], env=env, check=True
    )
    migrated = time.perf_counter() - began
    done = subprocess.run(
        [str(python), "-m", "peer_site.load", str(export_path), PEER_USER, PEER_PASSWORD],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["migrate_seconds"] = round(migrated, 2)
    return figures


def peer_db_bytes(python: Path, env: dict[str, str]) -> int:
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "from pathlib import Path\n"
        "c = connection.cursor()\n"
        "if connection.vendor == 'postgresql':\n"
        "    c.execute('SELECT pg_database_size(current_database())'); print(c.fetchone()[0])\n"
        "else:\n"
        "    c.execute('PRAGMA wal_checkpoint(TRUNCATE)')\n"
        "    p = Path(connection.settings_dict['NAME'])\n"
        "    print(sum(q.stat().st_size for q in (p, Path(f'{p}-wal')) if q.exists()))\n"
    )
    done = subprocess.run(
        [str(python), "-c", code], env=env, check=True, stdout=subprocess.PIPE, text=True
    )
    return int(done.stdout.strip())


@contextmanager
def peer_server(
    python: Path, env: dict[str, str], home: Path, *, workers: int
) -> Iterator[web.Server]:
    """gunicorn (sync workers, as django-helpdesk's docs deploy it) on loopback."""
    port = web.free_port()
    log = home / "peer-server.log"
    command = [
        str(python.parent / "gunicorn"),
        "peer_site.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"{web.HOST}:{port}",
        "--timeout",
        "300",
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=str(BENCH),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = web.Server(process, port, log)
    try:
        web.wait_until_up(port, "/login/", process, log)
        yield server
    finally:
        server.stop()


# --- scenarios -----------------------------------------------------------------------


def b64(query: dict[str, Any]) -> str:
    """A ticket-list query as helpdesk.query.query_to_base64 encodes it."""
    return base64.b64encode(json.dumps(query).encode()).decode("ascii")


def datatables(query: dict[str, Any]) -> str:
    """The JSON request the ticket list page makes to fill its table (first page)."""
    return loadgen.query(
        f"/datatables_ticket_list/{b64(query)}", {"draw": 1, "start": 0, "length": 25}
    )


def peer_scenarios(
    cookie: str, tickets: list[int], *, api_requests: int
) -> list[tuple[web.Scenario, str]]:
    """The helpdesk scenarios, each with the Sportello scenario it is compared with."""
    ui = {"Cookie": cookie}

    def get(path: str) -> Any:
        return lambda i: Request("GET", path, headers=ui)

    pairs: list[tuple[web.Scenario, str]] = [
        # The list page is a shell: its table is filled by the datatables request after it.
        (web.Scenario("peer_ticket_list_html", get("/tickets/"), extra=SHELL), "html_inbox_open"),
        (
            web.Scenario("peer_ticket_list_data", get(datatables(DEFAULT_LIST_QUERY))),
            "html_inbox_open",
        ),
        # TicketViewSet.get_queryset() walks every ticket (set_custom_field_values): slow by
        # design, so fewer requests.
        (
            web.Scenario("peer_api_tickets", get("/api/tickets/"), requests=api_requests),
            "api_inbox_all",
        ),
        (
            web.Scenario(
                "peer_ticket_view",
                lambda i: Request("GET", f"/tickets/{tickets[i % len(tickets)]}/", headers=ui),
            ),
            "html_conversation_50",
        ),
        (
            web.Scenario(
                "peer_api_ticket",
                lambda i: Request("GET", f"/api/tickets/{tickets[i % len(tickets)]}/", headers=ui),
                requests=api_requests,
            ),
            "api_conversation_50",
        ),
    ]
    for words in web.SEARCHES:
        slug = words.replace(" ", "_")
        query = {
            "filtering": {},
            "filtering_null": {},
            "sorting": "created",
            "sortreverse": None,
            "search_string": words,
        }
        pairs.append(
            (
                web.Scenario(
                    f"peer_search_{slug}_html",
                    get(loadgen.query("/tickets/", {"q": words})),
                    extra={"q": words, **SHELL},
                ),
                f"html_search_{slug}",
            )
        )
        pairs.append(
            (
                web.Scenario(
                    f"peer_search_{slug}_data", get(datatables(query)), extra={"q": words}
                ),
                f"html_search_{slug}",
            )
        )
    return pairs


def peer_query_counts(
    python: Path, env: dict[str, str], scenarios: list[web.Scenario]
) -> list[int | None]:
    requests = [
        {"method": r.method, "path": r.path, "headers": dict(r.headers)}
        for r in (s.make(0) for s in scenarios)
    ]
    done = subprocess.run(
        [str(python), "-m", "peer_site.count_queries"],
        env=env,
        input=json.dumps(requests),
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return [None] * len(scenarios)
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


# --- the command ----------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=60_000)
    parser.add_argument("--conversations", type=int, default=200_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="per Sportello scenario")
    parser.add_argument(
        "--peer-requests", type=int, default=40, help="per helpdesk scenario (~0.1-0.3 s each)"
    )
    parser.add_argument("--api-requests", type=int, default=10, help="for /api/tickets/")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="server processes, each side")
    parser.add_argument("--database-url", default="", help="Sportello's; default SQLite")
    parser.add_argument("--peer-database-url", default="", help="helpdesk's; default SQLite")
    parser.add_argument("--home", default="", help="Sportello's home (kept); default temporary")
    parser.add_argument("--reuse", action="store_true", help="Sportello's database as it is")
    parser.add_argument(
        "--only",
        default="",
        help="run the scenarios whose name (or, for helpdesk's, whose Sportello scenario's)"
        " holds this: --only html_ leaves out the APIs",
    )
    parser.add_argument("--keep", action="store_true", help="keep a temporary home")
    parser.add_argument(
        "--short", action="store_true", help="20k conversations, 100k messages, 5 API requests"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.short:
        args.api_requests = min(args.api_requests, 5)
    python = ensure_venv()
    home, temporary = web.open_home(args)
    peer_home = PEER / "data"
    if peer_home.exists():
        shutil.rmtree(peer_home)
    peer_home.mkdir(parents=True)
    try:
        from bench import environment

        # helpdesk's database is loaded afresh on every run; --reuse keeps Sportello's.
        if args.peer_database_url:
            environment.create_postgres_database(args.peer_database_url, recreate=True)
        if args.database_url and not args.reuse:
            environment.create_postgres_database(args.database_url, recreate=True)
        if not args.reuse:
            seeded = web.seed(home, args.database_url, web.sizes_of(args))
            print(json.dumps({"scenario": "seed", **seeded}), flush=True)
        web.setup_django(home, args.database_url)
        backend = environment.backend()
        dataset = web.prepare()
        with tempfile.TemporaryDirectory(prefix="peer-export-") as scratch:
            export_path = Path(scratch) / "export.jsonl"
            exported = export(export_path)
            env = peer_env(args.peer_database_url, peer_home)
            loaded = load_peer(python, env, export_path)
        peer_backend = "postgresql" if args.peer_database_url else "sqlite"
        print(
            json.dumps(
                {
                    "scenario": "peer_seed",
                    **exported,
                    **loaded,
                    "db_bytes": peer_db_bytes(python, env),
                    "backend": peer_backend,
                }
            ),
            flush=True,
        )

        sportello: dict[str, dict[str, Any]] = {}
        with web.sportello_server(home, args.database_url, workers=args.workers) as server:
            auth = web.login(server.port, dataset.agent_email, dataset.password)
            scenarios = web.sportello_scenarios(
                server.port,
                auth,
                dataset,
                deep_rows=0,
                requests=args.requests,
                views=("open", "all"),
                writes=False,
            )
            for line in web.run_scenarios(
                scenarios,
                server.port,
                requests=args.requests,
                concurrency=args.concurrency,
                backend=backend,
                only=args.only,
                server=server,
            ):
                sportello[line["scenario"]] = line
            print(
                json.dumps(
                    {
                        "scenario": "server_memory",
                        **server.rss_kb(),
                        "workers": args.workers,
                        "backend": backend,
                    }
                ),
                flush=True,
            )

        tickets = [pk for pk, _ in dataset.long_conversations]
        with peer_server(python, env, peer_home, workers=args.workers) as server:
            cookie = web.form_login(server.port, "/login/", PEER_USER, PEER_PASSWORD)
            pairs = peer_scenarios(cookie, tickets, api_requests=args.api_requests)
            if args.only:  # a helpdesk scenario, or what it is compared with
                pairs = [p for p in pairs if args.only in p[0].name or args.only in p[1]]
            counts = peer_query_counts(python, env, [s for s, _ in pairs])
            for (scenario, compared), queries in zip(pairs, counts, strict=True):
                line = web.measure(
                    scenario,
                    server.port,
                    requests=args.peer_requests,
                    concurrency=args.concurrency,
                    backend=peer_backend,
                    queries=queries,
                    server=server,
                )
                ours = sportello.get(compared)
                if ours and ours["p95_ms"]:
                    line["compared_with"] = compared
                    line["speedup"] = round(line["p95_ms"] / ours["p95_ms"], 1)
                print(json.dumps(line), flush=True)
            print(
                json.dumps(
                    {
                        "scenario": "peer_server_memory",
                        **server.rss_kb(),
                        "workers": args.workers,
                        "backend": peer_backend,
                    }
                ),
                flush=True,
            )
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if temporary:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
