"""Background work on customers: duplicate suggestions, computed off the request."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from sportello.customers.actions.duplicates import refresh_suggestions


@db_task(retries=2, retry_delay=10)
def suggest_duplicates(customer_id: int) -> None:
    """Compare a new or changed customer with those sharing a blocking key."""
    refresh_suggestions(customer_id)
