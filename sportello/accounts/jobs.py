"""Housekeeping of the accounts' own data."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sportello.accounts.logins import forget_old_failures


@db_periodic_task(crontab(minute="23"))
def forget_sign_in_failures() -> None:
    """Hourly: drop the counters of accounts and addresses that stopped failing."""
    forget_old_failures()
