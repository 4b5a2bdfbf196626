"""Housekeeping jobs of the platform itself."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sportello.core.database import optimize


@db_periodic_task(crontab(minute="17", hour="3"))
def optimize_database() -> None:
    """Nightly: refresh the planner's statistics, so the inbox keeps choosing its indexes."""
    optimize()
