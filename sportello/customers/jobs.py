"""Background work on customers: duplicate suggestions, computed off the request, and the
nightly review of segments that time alone may change."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sportello.customers.actions.duplicates import refresh_suggestions
from sportello.customers.actions.segments import review_due_segments


@db_task(retries=2, retry_delay=10)
def suggest_duplicates(customer_id: int) -> None:
    """Compare a new or changed customer with those sharing a blocking key."""
    refresh_suggestions(customer_id)


@db_periodic_task(crontab(hour="3", minute="17"))
def review_segments() -> None:
    """Nightly: a loyal customer whose orders stopped becomes at risk, troubles older
    than the window stop counting (``customers.segments``)."""
    review_due_segments()
