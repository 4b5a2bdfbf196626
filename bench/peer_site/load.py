"""Load Sportello's exported conversations into django-helpdesk, in bulk.

    PYTHONPATH=bench bench/.peer/venv/bin/python -m peer_site.load EXPORT.jsonl USER PASSWORD

Runs in the peer's virtualenv. One Sportello channel is one Queue, one agent one staff
User, one conversation one Ticket (with the same id, so the benchmark opens the same
threads on both sides), and each customer message, agent reply or internal note one
FollowUp (public, public, private). The first customer message is also the ticket's
description, as a ticket opened through django-helpdesk's forms has it.

``bulk_create`` skips ``save()``: ``created``/``modified`` keep Sportello's times (their
``auto_now`` flags are lifted for the load) and no e-mail goes out. Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime
from typing import Any

BATCH = 5_000


def main(argv: list[str]) -> int:
    path, username, password = argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_site.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from helpdesk.models import FollowUp, Queue, Ticket

    began = time.perf_counter()
    user_model = get_user_model()
    for model, name in ((Ticket, "created"), (Ticket, "modified")):
        field = model._meta.get_field(name)
        field.auto_now = field.auto_now_add = False  # type: ignore[attr-defined]

    if not user_model.objects.filter(username=username).exists():
        user_model.objects.create_superuser(username, f"{username}@peer.example", password)
    queues: dict[int, int] = {}
    users: dict[int, int] = {}
    tickets: list[Ticket] = []
    followups: list[FollowUp] = []
    counts = {"queues": 0, "users": 0, "tickets": 0, "followups": 0}

    def flush() -> None:
        with transaction.atomic():
            Ticket.objects.bulk_create(tickets)
            FollowUp.objects.bulk_create(followups)
        counts["tickets"] += len(tickets)
        counts["followups"] += len(followups)
        tickets.clear()
        followups.clear()

    with open(path, encoding="utf-8") as export:
        for line in export:
            row: dict[str, Any] = json.loads(line)
            kind = row.pop("type")
            if kind == "queue":
                queue, _ = Queue.objects.get_or_create(
                    slug=row["slug"],
                    defaults={"title": row["title"], "email_address": row["email"]},
                )
                queues[row["id"]] = queue.pk
                counts["queues"] += 1
            elif kind == "user":
                user = user_model.objects.filter(username=row["email"]).first()
                if user is None:
                    user = user_model.objects.create_user(
                        row["email"], row["email"], None, is_staff=True, first_name=row["name"]
                    )
                users[row["id"]] = user.pk
                counts["users"] += 1
            elif kind == "ticket":
                tickets.append(
                    Ticket(
                        id=row["id"],
                        queue_id=queues[row["queue"]],
                        title=row["title"][:200] or "-",
                        created=datetime.fromisoformat(row["created"]),
                        modified=datetime.fromisoformat(row["modified"]),
                        submitter_email=row["submitter_email"],
                        assigned_to_id=users.get(row["assigned_to"]),
                        status=row["status"],
                        on_hold=row["on_hold"],
                        description=row["description"],
                        priority=row["priority"],
                    )
                )
            elif kind == "followup":
                followups.append(
                    FollowUp(
                        ticket_id=row["ticket"],
                        date=datetime.fromisoformat(row["date"]),
                        title=row["title"][:200],
                        comment=row["comment"],
                        public=row["public"],
                        user_id=users.get(row["user"]),
                    )
                )
                if len(followups) >= BATCH * 4:
                    flush()
            if len(tickets) >= BATCH:
                flush()
    flush()
    statements = connection.ops.sequence_reset_sql(no_style(), [Ticket, FollowUp])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        cursor.execute("ANALYZE")
    counts["seconds"] = round(time.perf_counter() - began, 2)  # type: ignore[assignment]
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
