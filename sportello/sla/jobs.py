"""Periodic jobs of the SLA app."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sportello.sla.actions import escalate_due


@db_periodic_task(crontab(minute="*"))
def escalate_breaches() -> None:
    """Every minute: warn of breaches near, record those that happened."""
    escalate_due()
