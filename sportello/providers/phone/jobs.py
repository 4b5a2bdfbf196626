"""The phone channel's periodic job: calls nobody answered in time become callbacks."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*"))
def settle_ringing_calls() -> None:
    """Every minute: a call ringing past ``answer_within`` is missed (``settle_pending``)."""
    from sportello.providers.phone.actions import settle_pending

    settle_pending()
