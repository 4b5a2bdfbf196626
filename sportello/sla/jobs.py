"""Jobs of the SLA app."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sportello.sla.actions import escalate_due, follow_change


@db_periodic_task(crontab(minute="*"))
def escalate_breaches() -> None:
    """Every minute: warn of breaches near, record those that happened."""
    escalate_due()


# Batches per run of ``follow_clocks``: each is its own transaction of ``actions.BATCH``.
BATCHES_PER_RUN = 20
MAX_ATTEMPTS = 3


@db_task()
def follow_clocks(
    workspace_id: int, change: dict[str, Any], after_id: int = 0, attempt: int = 1
) -> None:
    """A calendar or a policy changed: the running clocks it moves are recomputed, some
    batches per run; the job queues itself again for the rest, so a million open
    conversations never hold a worker (or a transaction) for long.

    Not retried by Huey: a batch is recomputed from the definitions before the change,
    so running a committed batch twice would move its clocks twice. A failure queues the
    run again from the last committed batch instead (``MAX_ATTEMPTS`` times)."""
    for _ in range(BATCHES_PER_RUN):
        try:
            _, next_after = follow_change(workspace_id, change, after_id=after_id, batches=1)
        except Exception:
            if attempt < MAX_ATTEMPTS:
                follow_clocks.schedule((workspace_id, change, after_id, attempt + 1), delay=30)
            raise
        if next_after is None:
            return
        after_id = next_after
    follow_clocks(workspace_id, change, after_id)
